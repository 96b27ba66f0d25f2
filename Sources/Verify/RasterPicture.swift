import SpikeModel

/// A spike raster picture (SVG) of one sample: one panel per population (the input, the hidden
/// layers, the output), time to the right with ticks, neurons downwards with their first and last
/// index (class numbers on a small output layer, the label and prediction marked), one dark tick
/// per spike; below them the output neurons' membrane u over time, relative to each threshold.
enum RasterPicture {
    struct Panel {
        var name: String
        var raster: SpikeRaster
        /// Row names written beside the rows (the output's classes), else only the index range.
        var rowLabels: [String]? = nil
        /// Rows to highlight: (row, colour, legend).
        var marks: [(row: Int, color: String, legend: String)] = []
    }

    /// u / threshold of each output neuron at every step (`values[t * neurons + i]`).
    struct MembranePlot {
        var neurons: Int
        var values: [Double]
    }

    static let left = 130.0, plotWidth = 800.0, gap = 40.0

    static func svg(title: String, panels: [Panel], membrane: MembranePlot? = nil) -> String {
        let heights = panels.map { max(60.0, min(400.0, Double($0.raster.neuronCount) / 2)) }
        let membraneHeight = membrane == nil ? 0.0 : 200.0 + gap
        let totalHeight = 40 + heights.reduce(0) { $0 + $1 + gap } + membraneHeight + 20
        let steps = max(panels.first?.raster.filledSteps ?? 1, 1)
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + plotWidth + 60))" height="\(Int(totalHeight))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="10" y="22" font-size="15">\(escape(title))</text>

        """
        var top = 40.0
        for (panel, height) in zip(panels, heights) {
            let raster = panel.raster
            let dx = plotWidth / Double(steps), dy = height / Double(max(raster.neuronCount, 1))
            svg += "<text x=\"10\" y=\"\(Int(top + 14))\">\(escape(panel.name))</text>\n"
            svg += "<text x=\"10\" y=\"\(Int(top + 30))\" fill=\"#555\">\(raster.neuronCount) neurons</text>\n"
            svg += "<text x=\"10\" y=\"\(Int(top + 46))\" fill=\"#555\">\(raster.totalSpikes) spikes</text>\n"
            svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(height)\" fill=\"#f6f6f6\" stroke=\"#999\"/>\n"
            for mark in panel.marks where mark.row < raster.neuronCount {
                svg += "<rect x=\"\(left)\" y=\"\(format(top + Double(mark.row) * dy))\" width=\"\(plotWidth)\" height=\"\(format(dy))\" fill=\"\(mark.color)\" opacity=\"0.25\"/>\n"
            }
            svg += rowAxis(panel, top: top, dy: dy)
            var path = ""
            let tick = format(max(dy, 0.6))
            for t in 0..<raster.filledSteps {
                for n in raster.firing(at: t) {
                    path += "M\(format(left + Double(t) * dx)) \(format(top + Double(n) * dy))h\(format(max(dx, 0.8)))v\(tick)h-\(format(max(dx, 0.8)))z"
                }
            }
            svg += "<path d=\"\(path)\" fill=\"#1a1a80\"/>\n"
            svg += timeAxis(steps: steps, y: top + height)
            if !panel.marks.isEmpty {
                let legend = panel.marks.map { "<tspan fill=\"\($0.color)\">\u{25A0}</tspan> \(escape($0.legend))" }.joined(separator: "  ")
                svg += "<text x=\"10\" y=\"\(Int(top + 62))\" font-size=\"11\">\(legend)</text>\n"
            }
            top += height + gap
        }
        if let membrane { svg += membranePanel(membrane, steps: steps, top: top) }
        svg += "</svg>\n"
        return svg
    }

    /// Ticks along the time axis at a round interval, labelled with the step.
    static func timeAxis(steps: Int, y: Double) -> String {
        let interval = niceInterval(steps)
        var text = ""
        for t in stride(from: 0, through: steps, by: interval) {
            let x = left + Double(t) * plotWidth / Double(steps)
            text += "<path d=\"M\(format(x)) \(format(y))v4\" stroke=\"#555\"/><text x=\"\(format(x))\" y=\"\(format(y + 15))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">\(t)</text>\n"
        }
        return text + "<text x=\"\(format(left + plotWidth + 8))\" y=\"\(format(y + 15))\" font-size=\"10\" fill=\"#555\">step</text>\n"
    }

    /// Class names beside each row of a small layer; else the first and last neuron index.
    static func rowAxis(_ panel: Panel, top: Double, dy: Double) -> String {
        let x = format(left - 4)
        if let labels = panel.rowLabels, labels.count == panel.raster.neuronCount {
            return labels.enumerated().map { row, label in
                "<text x=\"\(x)\" y=\"\(format(top + (Double(row) + 0.5) * dy + 4))\" text-anchor=\"end\" font-size=\"10\">\(escape(label))</text>\n"
            }.joined()
        }
        let last = max(panel.raster.neuronCount - 1, 0)
        return "<text x=\"\(x)\" y=\"\(format(top + 10))\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">0</text>\n"
            + "<text x=\"\(x)\" y=\"\(format(top + Double(panel.raster.neuronCount) * dy))\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">\(last)</text>\n"
    }

    /// The output neurons' u / threshold over time, one line each, with the threshold at 1.
    static func membranePanel(_ plot: MembranePlot, steps: Int, top: Double) -> String {
        let height = 200.0
        let values = plot.values.filter(\.isFinite)
        let high = max(values.max() ?? 1, 1.2), low = min(values.min() ?? 0, 0)
        func y(_ v: Double) -> Double { top + height - (v - low) / (high - low) * height }
        var svg = "<text x=\"10\" y=\"\(Int(top + 14))\">output membrane</text>\n"
        svg += "<text x=\"10\" y=\"\(Int(top + 30))\" fill=\"#555\">u / threshold</text>\n"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(height)\" fill=\"#f6f6f6\" stroke=\"#999\"/>\n"
        svg += "<path d=\"M\(left) \(format(y(1)))h\(plotWidth)\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>"
            + "<text x=\"\(format(left - 4))\" y=\"\(format(y(1) + 4))\" text-anchor=\"end\" font-size=\"10\" fill=\"#c00\">1</text>\n"
        svg += "<text x=\"\(format(left - 4))\" y=\"\(format(y(low) ))\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">\(format(low))</text>\n"
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        let dx = plotWidth / Double(steps)
        for i in 0..<min(plot.neurons, colors.count) {
            var path = ""
            for t in 0..<steps where t * plot.neurons + i < plot.values.count {
                let v = plot.values[t * plot.neurons + i]
                guard v.isFinite else { continue }
                path += (path.isEmpty ? "M" : "L") + "\(format(left + (Double(t) + 0.5) * dx)) \(format(y(v)))"
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colors[i])\" stroke-width=\"1\"/>\n"
            svg += "<text x=\"\(format(left + plotWidth + 6))\" y=\"\(format(top + 12 + Double(i) * 13))\" font-size=\"10\" fill=\"\(colors[i])\">\(i)</text>\n"
        }
        return svg + timeAxis(steps: steps, y: top + height)
    }

    /// 1, 2 or 5 times a power of ten, giving about five ticks.
    static func niceInterval(_ steps: Int) -> Int {
        let raw = max(Double(steps) / 5, 1)
        var power = 1.0
        while power * 10 <= raw { power *= 10 }
        let interval = [1.0, 2.0, 5.0, 10.0].map { $0 * power }.first { $0 >= raw } ?? power * 10
        return max(1, Int(interval))
    }

    static func format(_ x: Double) -> String { String((x * 100).rounded() / 100) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
