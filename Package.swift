// swift-tools-version: 6.0
import PackageDescription

/// Hot loops need the compiler to know the CPU: without `-target-cpu native` every SIMD FMA
/// becomes a libm call (150x slower, docs/performance-notes). `-Ounchecked` is applied only to
/// the numeric targets; the decoders keep their bounds checks so hostile input never becomes UB.
let hotLoopFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked", "-target-cpu", "native"]),
]
let checkedFastFlags: [SwiftSetting] = [
    .unsafeFlags(["-O", "-target-cpu", "native"]),
]

let package = Package(
    name: "hm2bp",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hm2bp", targets: ["hm2bp"]),
        .executable(name: "hm2bp-bench", targets: ["hm2bp-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // System libraries (Debian -dev packages).
        .systemLibrary(name: "SystemZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),

        // Ground floor: numerics and contracts.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-march=native", "-fno-math-errno", "-ffp-contract=off"])]),
        .target(name: "Kernels", dependencies: ["CKernels"], swiftSettings: hotLoopFlags),
        .target(name: "SpikeModel", dependencies: ["Kernels", "SystemZlib"], swiftSettings: hotLoopFlags),
        .target(
            name: "SpikeData",
            dependencies: [
                "SpikeModel", "Kernels", "SystemZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: checkedFastFlags),
        .target(name: "HardwareTargets", swiftSettings: checkedFastFlags),
        .target(
            name: "NeuroImage",
            dependencies: ["HardwareTargets", "SystemZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: checkedFastFlags),

        // Stages.
        .target(name: "HM2BPTrain", dependencies: ["SpikeModel", "SpikeData", "Kernels"], swiftSettings: hotLoopFlags),
        .target(
            name: "Compiler",
            dependencies: ["SpikeModel", "SpikeData", "HardwareTargets", "NeuroImage"],
            swiftSettings: checkedFastFlags),
        .target(name: "Emulator", dependencies: ["NeuroImage", "SpikeModel", "Kernels", "CKernels"], swiftSettings: hotLoopFlags),
        .target(name: "NIR", dependencies: ["CHDF5", "SpikeModel", "HardwareTargets"], swiftSettings: checkedFastFlags),
        .target(name: "Verify", dependencies: ["SpikeModel", "SpikeData", "NeuroImage", "Emulator"], swiftSettings: checkedFastFlags),

        // Thin roof.
        .executableTarget(
            name: "hm2bp",
            dependencies: [
                "SpikeModel", "SpikeData", "HM2BPTrain", "HardwareTargets", "NeuroImage", "Compiler",
                "Emulator", "Verify", "NIR",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "hm2bp-bench",
            dependencies: [
                "Kernels", "SpikeModel", "SpikeData", "HM2BPTrain", "HardwareTargets", "NeuroImage",
                "Compiler", "Emulator", "COpenBLAS",
            ],
            swiftSettings: hotLoopFlags),

        // Tests mirror the sources.
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "SpikeModelTests", dependencies: ["SpikeModel"]),
        .testTarget(name: "SpikeDataTests", dependencies: ["SpikeData"]),
        .testTarget(name: "HM2BPTrainTests", dependencies: ["HM2BPTrain", "SpikeData", "Kernels"]),
        .testTarget(name: "HardwareTargetsTests", dependencies: ["HardwareTargets"]),
        .testTarget(name: "NeuroImageTests", dependencies: ["NeuroImage", "Kernels"]),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "SpikeData", "Kernels"]),
        .testTarget(name: "EmulatorTests", dependencies: ["Emulator", "Compiler", "Kernels"]),
        .testTarget(name: "VerifyTests", dependencies: ["Verify", "Compiler", "Kernels"]),
        .testTarget(name: "NIRTests", dependencies: ["NIR", "SpikeModel", "Compiler", "Emulator", "HardwareTargets"], exclude: ["Fixtures", "python"]),
        .testTarget(name: "hm2bpTests", dependencies: ["hm2bp"]),
    ],
    // Swift 5 mode: the hot loops share raw buffers across Dispatch workers by design, which
    // Swift 6's strict sendability checking would reject without adding any safety here.
    swiftLanguageModes: [.v5]
)
