import SpikeModel

/// A spike raster picture (SVG) of one sample: one panel per population (the input, then each
/// layer), time to the right, neurons downwards, one dark tick per spike.
enum RasterPicture {
    static func svg(title: String, panels: [(name: String, raster: SpikeRaster)]) -> String {
        let left = 110.0, plotWidth = 800.0, gap = 28.0
        let heights = panels.map { max(60.0, min(400.0, Double($0.raster.neuronCount) / 2)) }
        let totalHeight = 40 + heights.reduce(0) { $0 + $1 + gap } + 20
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + plotWidth + 20))" height="\(Int(totalHeight))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="10" y="22" font-size="15">\(escape(title))</text>

        """
        var top = 40.0
        for (panel, height) in zip(panels, heights) {
            let raster = panel.raster
            let steps = max(raster.filledSteps, 1)
            let dx = plotWidth / Double(steps), dy = height / Double(max(raster.neuronCount, 1))
            svg += "<text x=\"10\" y=\"\(Int(top + 14))\">\(escape(panel.name))</text>\n"
            svg += "<text x=\"10\" y=\"\(Int(top + 30))\" fill=\"#555\">\(raster.neuronCount) neurons</text>\n"
            svg += "<text x=\"10\" y=\"\(Int(top + 46))\" fill=\"#555\">\(raster.totalSpikes) spikes</text>\n"
            svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(height)\" fill=\"#f6f6f6\" stroke=\"#999\"/>\n"
            var path = ""
            let tick = format(max(dy, 0.6))
            for t in 0..<raster.filledSteps {
                for n in raster.firing(at: t) {
                    path += "M\(format(left + Double(t) * dx)) \(format(top + Double(n) * dy))h\(format(max(dx, 0.8)))v\(tick)h-\(format(max(dx, 0.8)))z"
                }
            }
            svg += "<path d=\"\(path)\" fill=\"#1a1a80\"/>\n"
            top += height + gap
        }
        svg += "<text x=\"\(Int(left))\" y=\"\(Int(top - 8))\" fill=\"#555\">time step 0 ... \(panels.first?.raster.filledSteps ?? 0) (left to right)</text>\n</svg>\n"
        return svg
    }

    static func format(_ x: Double) -> String { String((x * 100).rounded() / 100) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
