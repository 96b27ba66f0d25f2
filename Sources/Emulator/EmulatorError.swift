/// Why a sample cannot run on an image.
public struct EmulatorError: Error, CustomStringConvertible, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "emulator: \(reason)" }
}
