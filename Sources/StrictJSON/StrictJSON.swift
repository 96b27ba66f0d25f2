import Foundation

/// A JSON document that does not decode into the expected type, naming the field: `core.weightBits`,
/// `layers[1].threshold`, or `(document)` when the bytes are not JSON at all.
public struct JSONFieldError: Error, CustomStringConvertible, Equatable, Sendable {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "field \(field): \(reason)" }
}

/// JSONDecoder with errors a user can act on. Foundation reports a number that does not fit its
/// field (8.5 or 2^63 for an Int, 1e400 for a Float) as "The given data was not valid JSON" with no
/// field; here such a document is scanned for its number tokens and the one whose replacement by 0
/// lets decoding get past that point is named.
public enum StrictJSON {
    /// At most this many number tokens are considered when locating a number that does not fit,
    /// which bounds the work on hostile input.
    static let maximumNumberProbes = 2048

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw describe(error, type: type, bytes: bytes)
        }
    }

    static func describe<T: Decodable>(_ error: DecodingError, type: T.Type, bytes: [UInt8]) -> JSONFieldError {
        switch error {
        case .keyNotFound(let key, let context):
            return JSONFieldError(field: fieldName(context.codingPath + [key]), reason: "missing (the field is required)")
        case .typeMismatch(let expected, let context):
            return JSONFieldError(field: fieldName(context.codingPath), reason: "wrong type (expected \(typeName(expected)))")
        case .valueNotFound(let expected, let context):
            return JSONFieldError(field: fieldName(context.codingPath), reason: "null where \(typeName(expected)) is required")
        case .dataCorrupted(let context):
            if !context.codingPath.isEmpty {
                return JSONFieldError(field: fieldName(context.codingPath), reason: context.debugDescription)
            }
            if let token = numberThatDoesNotFit(type, bytes: bytes) {
                return JSONFieldError(field: token.path,
                                      reason: "the number \(token.text) does not fit the field (too large, or not a whole number where one is required)")
            }
            let capped = numberTokens(bytes).count > maximumNumberProbes
            return JSONFieldError(field: "(document)", reason: capped
                ? "not valid JSON, or a number beyond the first \(maximumNumberProbes) does not fit its field" : "not valid JSON")
        @unknown default:
            return JSONFieldError(field: "(document)", reason: "cannot be decoded")
        }
    }

    /// The first number token that does not fit. Replacing tokens k ..< n by 0 gets past the
    /// document-level failure for every k up to some largest one (replacing more never brings it
    /// back), and that largest k is the first culprit: a binary search, a few decodes in all.
    static func numberThatDoesNotFit<T: Decodable>(_ type: T.Type, bytes: [UInt8]) -> NumberToken? {
        let tokens = Array(numberTokens(bytes).prefix(maximumNumberProbes))
        func passes(replacingFrom first: Int) -> Bool {
            // One pass over the bytes (not one shift of the tail per token: a 16 MB header with
            // thousands of numbers would take gigabytes of copying).
            var probe: [UInt8] = []
            probe.reserveCapacity(bytes.count)
            var copied = 0
            for token in tokens[first...] {
                probe += bytes[copied..<token.range.lowerBound]
                probe.append(UInt8(ascii: "0"))
                copied = token.range.upperBound
            }
            probe += bytes[copied...]
            do {
                _ = try JSONDecoder().decode(type, from: Data(probe))
                return true
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                return false
            } catch {
                return true
            }
        }
        guard !tokens.isEmpty, passes(replacingFrom: 0) else { return nil }
        var low = 0, high = tokens.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if passes(replacingFrom: middle) { low = middle } else { high = middle - 1 }
        }
        return tokens[low]
    }

    struct NumberToken: Equatable {
        var range: Range<Int>
        var path: String
        var text: String
    }

    /// Every number token of a JSON document with the path of the field it is the value of.
    /// Tolerant: on malformed input it returns what it found so far.
    static func numberTokens(_ bytes: [UInt8]) -> [NumberToken] {
        enum Frame { case object(key: String?, expectingKey: Bool), array(index: Int) }
        var stack: [Frame] = []
        var tokens: [NumberToken] = []
        var i = 0
        func path() -> String {
            var components: [String] = []
            for frame in stack {
                switch frame {
                case .object(let key, _): components.append(key ?? "?")
                case .array(let index): components.append("[\(index)]")
                }
            }
            return joinPath(components)
        }
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append(.object(key: nil, expectingKey: true)); i += 1
            case UInt8(ascii: "["):
                stack.append(.array(index: 0)); i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                i += 1
            case UInt8(ascii: ","):
                if case .array(let index)? = stack.last { stack[stack.count - 1] = .array(index: index + 1) }
                if case .object(let key, _)? = stack.last { stack[stack.count - 1] = .object(key: key, expectingKey: true) }
                i += 1
            case UInt8(ascii: "\""):
                var j = i + 1
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
                if case .object(_, true)? = stack.last {
                    let key = String(decoding: bytes[(i + 1)..<min(j, bytes.count)], as: UTF8.self)
                    stack[stack.count - 1] = .object(key: key, expectingKey: false)
                }
                i = j + 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var j = i
                while j < bytes.count, "+-.eE0123456789".utf8.contains(bytes[j]) { j += 1 }
                tokens.append(NumberToken(range: i..<j, path: path(), text: String(decoding: bytes[i..<j], as: UTF8.self)))
                i = j
            default:
                i += 1
            }
        }
        return tokens
    }

    /// ["core", "weightBits"] -> "core.weightBits"; ["layers", "[1]", "threshold"] -> "layers[1].threshold".
    static func joinPath(_ components: [String]) -> String {
        let joined = components.reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
        return joined.isEmpty ? "(document)" : joined
    }

    static func fieldName(_ path: [CodingKey]) -> String {
        joinPath(path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue })
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type, is UInt32.Type: return "a whole number"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "\(type)"
        }
    }
}
