import HardwareTargets

/// What the loader needs of a board profile (`Targets/<board>.json`, docs/targets.md): how to
/// recognise the board on USB, which protocol it speaks and how large an image it stores.
public struct BoardProfile: Sendable, Equatable {
    public var name: String
    public var vendorId: Int
    public var productId: Int
    public var protocolVersion: Int
    public var maxImageBytes: Int

    public init(name: String, vendorId: Int, productId: Int, protocolVersion: Int, maxImageBytes: Int) {
        self.name = name
        self.vendorId = vendorId
        self.productId = productId
        self.protocolVersion = protocolVersion
        self.maxImageBytes = maxImageBytes
    }

    /// Every board profile among the known targets; a target file that does not load is skipped
    /// (`hm2bp compile` reports it where it matters).
    public static func known() -> [BoardProfile] {
        TargetLoader.knownNames().compactMap { name in
            guard let loaded = try? TargetLoader.load(name), let board = loaded.target.board else { return nil }
            return BoardProfile(name: loaded.target.name, vendorId: board.usbVendorId, productId: board.usbProductId,
                                protocolVersion: board.protocolVersion, maxImageBytes: board.maxImageBytes)
        }
    }
}
