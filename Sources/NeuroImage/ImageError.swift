/// Why bytes are not a valid image: the section (or "file") and what is wrong there.
public struct ImageError: Error, CustomStringConvertible, Equatable {
    public var section: String
    public var reason: String

    public init(section: String, reason: String) {
        self.section = section
        self.reason = reason
    }

    public var description: String { "image \(section): \(reason)" }
}
