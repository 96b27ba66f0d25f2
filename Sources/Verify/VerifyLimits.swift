import Foundation
import StrictJSON

/// The limits `hm2bp verify` enforces. Each is optional; flags override a checked-in JSON file
/// with the same keys (docs/emulator.md), e.g. `{"maxAccuracyDrop": 0.5, "minAgreement": 97}`.
public struct VerifyLimits: Codable, Sendable, Equatable {
    /// Largest allowed float accuracy minus fixed accuracy, in percentage points.
    public var maxAccuracyDrop: Double?
    /// Smallest allowed share of samples where both models predict the same class, in percent.
    public var minAgreement: Double?
    /// Largest allowed relative firing-count error of any layer (sum |float - fixed| over
    /// neurons and samples, divided by the float spike total).
    public var maxFiringCountError: Double?

    public init(maxAccuracyDrop: Double? = nil, minAgreement: Double? = nil, maxFiringCountError: Double? = nil) {
        self.maxAccuracyDrop = maxAccuracyDrop
        self.minAgreement = minAgreement
        self.maxFiringCountError = maxFiringCountError
    }

    /// Reads a limits file; unknown keys are an error so a typo cannot silently disable a limit.
    public static func read(path: String) throws -> VerifyLimits {
        guard let data = FileManager.default.contents(atPath: path) else { throw VerifyError("\(path): cannot read the limits file") }
        // JSONSerialization refuses numbers beyond Double (1e400); StrictJSON below names those.
        if let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            let known = Set(["maxAccuracyDrop", "minAgreement", "maxFiringCountError"])
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw VerifyError("\(path): unknown limit '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        let limits: VerifyLimits
        do {
            limits = try StrictJSON.decode(VerifyLimits.self, from: Array(data))
        } catch let error as JSONFieldError {
            throw VerifyError("\(path): \(error)")
        }
        if let problem = limits.firstProblem() { throw VerifyError("\(path): field \(problem.key): \(problem.reason)") }
        return limits
    }

    /// The first limit that is not a finite number in its range (NaN would disable a gate).
    public func firstProblem() -> (key: String, reason: String)? {
        let checks: [(String, Double?, ClosedRange<Double>, String)] = [
            ("maxAccuracyDrop", maxAccuracyDrop, 0...100, "percentage points"),
            ("minAgreement", minAgreement, 0...100, "percent"),
            ("maxFiringCountError", maxFiringCountError, 0...Double.greatestFiniteMagnitude, "(a ratio)"),
        ]
        for (key, value, range, unit) in checks {
            guard let value else { continue }
            if !(value.isFinite && range.contains(value)) {
                let shown = range.upperBound == .greatestFiniteMagnitude ? ">= 0" : "in \(Int(range.lowerBound)) ... \(Int(range.upperBound))"
                return (key, "must be a finite number \(shown) \(unit) (got \(value))")
            }
        }
        return nil
    }

    /// `other`'s limits where set, else these.
    public func overridden(by other: VerifyLimits) -> VerifyLimits {
        VerifyLimits(maxAccuracyDrop: other.maxAccuracyDrop ?? maxAccuracyDrop, minAgreement: other.minAgreement ?? minAgreement,
                     maxFiringCountError: other.maxFiringCountError ?? maxFiringCountError)
    }

    /// Every limit the report breaks, in words.
    public func violations(of report: VerificationReport) -> [String] {
        var found: [String] = []
        if let limit = maxAccuracyDrop, report.accuracyDropPoints > limit {
            found.append(String(format: "accuracy drop %.2f pp exceeds the limit of %.2f pp", report.accuracyDropPoints, limit))
        }
        if let limit = minAgreement, report.agreement * 100 < limit {
            found.append(String(format: "prediction agreement %.2f%% is below the limit of %.2f%%", report.agreement * 100, limit))
        }
        if let limit = maxFiringCountError {
            for layer in report.layers where layer.relativeCountError > limit {
                found.append(String(format: "layer %d firing-count error %.4f exceeds the limit of %.4f", layer.layer, layer.relativeCountError, limit))
            }
        }
        return found
    }
}
