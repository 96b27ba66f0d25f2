import Foundation
import SpikeModel

/// The graph metadata `hm2bp export` writes so that `hm2bp import` gives back the same model bit
/// for bit: NIR has no field for dt, the time window, the refractory period, lateral inhibition or
/// provenance. Other frameworks ignore these entries (docs/nir.md, "Export").
struct StoredModelFields {
    static let dtKey = "dt"
    static let timeStepsKey = "hm2bp_time_steps"
    static let discretizationKey = "hm2bp_discretization"
    static let refractoryKey = "hm2bp_refractory_steps"
    static let lateralKey = "hm2bp_lateral_inhibition"
    static let provenanceKey = "hm2bp_provenance"

    var dt: Double?
    var timeSteps: Int?
    var discretization: Discretization?
    var refractorySteps: Int?
    var lateralInhibition: [Double]?
    var provenance: Provenance?

    init(_ metadata: [String: NIRValue]) {
        dt = metadata[Self.dtKey]?.scalar
        timeSteps = metadata[Self.timeStepsKey]?.scalar.flatMap { $0 >= 2 && $0 <= Double(NeuronConstants.maximumTimeSteps) ? Int($0) : nil }
        discretization = metadata[Self.discretizationKey]?.string.flatMap(Discretization.init(rawValue:))
        refractorySteps = metadata[Self.refractoryKey]?.scalar.flatMap { $0 >= 0 && $0 <= 255 ? Int($0) : nil }
        if case .numbers(let array)? = metadata[Self.lateralKey], array.values.allSatisfy({ $0.isFinite && $0 >= 0 }) {
            lateralInhibition = array.values
        }
        provenance = metadata[Self.provenanceKey]?.string.flatMap { try? JSONDecoder().decode(Provenance.self, from: Data($0.utf8)) }
    }

    static func metadata(for model: Model, dt: Double) throws -> [String: NIRValue] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let provenance = String(decoding: try encoder.encode(model.provenance), as: UTF8.self)
        return [
            dtKey: .scalar(dt),
            timeStepsKey: .scalar(Double(model.network.constants.timeSteps), .int64),
            discretizationKey: .string(Discretization.euler.rawValue),
            refractoryKey: .scalar(Double(model.network.constants.refractorySteps), .int64),
            lateralKey: .numbers(NIRArray(model.network.layers.map { Double($0.lateralInhibition) })),
            provenanceKey: .string(provenance),
        ]
    }

    /// Puts back lateral inhibition (one value per layer, only when the layer count matches) and
    /// returns the refractory period to use, noting both.
    func restore(into layers: inout [DenseLayer], notes: inout [String]) -> Int? {
        if let lateral = lateralInhibition, lateral.count == layers.count, lateral.contains(where: { $0 != 0 }) {
            for index in layers.indices { layers[index].lateralInhibition = Float(lateral[index]) }
            notes.append("lateral inhibition restored from hm2bp metadata (per layer: \(lateral.map { String($0) }.joined(separator: ", ")))")
        }
        if let refractorySteps, refractorySteps > 0 {
            notes.append("refractory period of \(refractorySteps) steps restored from hm2bp metadata")
        }
        return refractorySteps
    }
}
