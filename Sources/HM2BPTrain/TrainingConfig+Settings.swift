/// Setting hyperparameters by name, for `hm2bp train --set name=value`.
extension TrainingConfig {
    public enum SettingError: Error, CustomStringConvertible {
        case unknown(String)
        case invalid(name: String, value: String)

        public var description: String {
            switch self {
            case .unknown(let name):
                let known = TrainingConfig().asDictionary.keys.sorted() + ["convolutionInitScale", "convolutionThresholds", "poolingThresholds"]
                return "unknown hyperparameter '\(name)'; known: \(known.joined(separator: ", "))"
            case .invalid(let name, let value):
                return "hyperparameter '\(name)': '\(value)' is not a valid value"
            }
        }
    }

    /// Applies "name=value" (names as in `asDictionary`; booleans take true/false/1/0).
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
            guard let value = Int(text), value >= 0 else { throw SettingError.invalid(name: name, value: text) }
            swapsPerEpoch = value
        } else {
            throw SettingError.unknown(name)
        }
    }
}
