import SpikeModel

/// Setting hyperparameters by name, for `hm2bp train --set name=value`.
extension TrainingConfig {
    public enum SettingError: Error, CustomStringConvertible {
        case unknown(String)
        case invalid(name: String, value: String)
        case outOfRange(name: String, problem: String)

        public var description: String {
            switch self {
            case .unknown(let name):
                let known = TrainingConfig().asDictionary.keys.sorted() + ["convolutionInitScale", "convolutionThresholds", "poolingThresholds"]
                return "unknown hyperparameter '\(name)'; known: \(known.joined(separator: ", "))"
            case .invalid(let name, let value):
                return "hyperparameter '\(name)': '\(value)' is not a valid value"
            case .outOfRange(let name, let problem):
                return "hyperparameter '\(name)' \(problem) (docs/cli.md lists every range)"
            }
        }
    }

    /// Applies "name=value" (names as in `asDictionary`; booleans take true/false/1/0). Ranges
    /// are checked once all settings are in (`validated()`), since some depend on each other.
    public mutating func apply(setting: String) throws {
        let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw SettingError.invalid(name: setting, value: "(missing '=')") }
        let (name, text) = (parts[0], parts[1])
        let floats: [String: WritableKeyPath<TrainingConfig, Float>] = [
            "desiredCount": \.desiredCount, "undesiredCount": \.undesiredCount, "margin": \.margin,
            "hiddenThreshold": \.hiddenThreshold, "outputThreshold": \.outputThreshold, "lateralInhibition": \.lateralInhibition,
            "initScale": \.initScale, "learningRate": \.learningRate, "adamBeta1": \.adamBeta1, "adamBeta2": \.adamBeta2,
            "adamEpsilon": \.adamEpsilon, "regularizerLambda": \.regularizerLambda, "regularizerBeta": \.regularizerBeta,
            "weightLimit": \.weightLimit, "silentPostSPSP": \.silentPostSPSP,
            "silentPostRatio": \.silentPostRatio,
        ]
        let flags: [String: WritableKeyPath<TrainingConfig, Bool>] = [
            "boost": \.boost, "effectRatio": \.effectRatio, "regularizerExactGradient": \.regularizerExactGradient,
        ]
        if let path = floats[name] {
            guard let value = Float(text), value.isFinite else { throw SettingError.invalid(name: name, value: text) }
            self[keyPath: path] = value
        } else if let path = flags[name] {
            switch text.lowercased() {
            case "true", "1", "on": self[keyPath: path] = true
            case "false", "0", "off": self[keyPath: path] = false
            default: throw SettingError.invalid(name: name, value: text)
            }
        } else if name == "convolutionThresholds" || name == "poolingThresholds" {
            let values = text.split(separator: ",").map { Float($0) }
            guard !values.isEmpty, values.allSatisfy({ $0.map { $0.isFinite && $0 > 0 } ?? false }) else {
                throw SettingError.invalid(name: name, value: text)
            }
            if name == "convolutionThresholds" { convolutionThresholds = values.map { $0! } } else { poolingThresholds = values.map { $0! } }
        } else if name == "convolutionInitScale" {
            guard let value = Float(text), value.isFinite, value > 0 else { throw SettingError.invalid(name: name, value: text) }
            convolutionInitScale = value
        } else if name == "swapsPerEpoch" {
            guard let value = Int(text) else { throw SettingError.invalid(name: name, value: text) }
            swapsPerEpoch = value
        } else {
            throw SettingError.unknown(name)
        }
    }
}

/// The range of every hyperparameter (docs/cli.md, `train --set`). Outside them a run either
/// divides by zero (adamBeta2 = 1), never fires (a threshold of 0 makes a model the format
/// refuses), or takes unbounded time (swapsPerEpoch), so they are refused before training.
extension TrainingConfig {
    public static let maximumSwapsPerEpoch = 10_000_000

    /// Throws `SettingError.outOfRange` naming the first hyperparameter outside its range.
    public func validate() throws {
        if let (name, problem) = firstProblem() { throw SettingError.outOfRange(name: name, problem: problem) }
    }

    /// The first hyperparameter outside its range, named, or nil.
    public func firstProblem() -> (name: String, problem: String)? {
        let lowestThreshold = ModelFile.minimumThreshold, largest = ModelFile.maximumMagnitude
        func within(_ value: Float, _ range: ClosedRange<Float>) -> Bool { value.isFinite && range.contains(value) }
        let checks: [(String, Bool, String)] = [
            ("desiredCount", within(desiredCount, 0...1e6) && desiredCount > 0, "must be in (0, 10^6]"),
            ("undesiredCount", within(undesiredCount, 0...1e6) && undesiredCount < desiredCount, "must be in [0, desiredCount)"),
            ("margin", within(margin, 0...1e6), "must be in [0, 10^6]"),
            ("hiddenThreshold", within(hiddenThreshold, lowestThreshold...largest), "must be in [2^-20, 2^20] (the model format's threshold range)"),
            ("outputThreshold", within(outputThreshold, lowestThreshold...largest), "must be in [2^-20, 2^20] (the model format's threshold range)"),
            ("lateralInhibition", within(lateralInhibition, 0...largest), "must be in [0, 2^20]"),
            ("weightLimit", within(weightLimit, 0...largest) && weightLimit > 0, "must be in (0, 2^20]"),
            ("initScale", within(initScale, 0...weightLimit) && initScale > 0, "must be in (0, weightLimit]"),
            ("learningRate", within(learningRate, 0...1) && learningRate > 0, "must be in (0, 1]"),
            ("adamBeta1", within(adamBeta1, 0...1) && adamBeta1 < 1, "must be in [0, 1)"),
            ("adamBeta2", within(adamBeta2, 0...1) && adamBeta2 < 1, "must be in [0, 1)"),
            ("adamEpsilon", within(adamEpsilon, 0...1) && adamEpsilon > 0, "must be in (0, 1]"),
            ("regularizerLambda", within(regularizerLambda, 0...1e6), "must be in [0, 10^6]"),
            ("regularizerBeta", within(regularizerBeta, 0...100), "must be in [0, 100]"),
            ("swapsPerEpoch", (0...Self.maximumSwapsPerEpoch).contains(swapsPerEpoch), "must be in [0, 10^7]"),
            ("silentPostSPSP", within(silentPostSPSP, 0...1e6), "must be in [0, 10^6]"),
            ("silentPostRatio", within(silentPostRatio, 0...1), "must be in [0, 1]"),
        ]
        let values = asDictionary
        for (name, ok, range) in checks where !ok {
            return (name, "\(range) (got \(values[name].map { String(describing: $0) } ?? "?"))")
        }
        // The CNN's settings: thresholds a model file can hold, kernels no wider than the limit.
        for (name, list) in [("convolutionThresholds", convolutionThresholds), ("poolingThresholds", poolingThresholds)] {
            if let bad = list?.first(where: { !within($0, lowestThreshold...largest) }) {
                return (name, "each must be in [2^-20, 2^20] (the model format's threshold range) (got \(bad))")
            }
        }
        if let scale = convolutionInitScale, !(within(scale, 0...weightLimit) && scale > 0) {
            return ("convolutionInitScale", "must be in (0, weightLimit] (got \(scale))")
        }
        return nil
    }
}
