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

let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-march=native", "-fno-math-errno", "-ffp-contract=off"])]

let package = Package(
    name: "hm2bp",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hm2bp", targets: ["hm2bp"]),
        .executable(name: "hm2bp-bench", targets: ["hm2bp-bench"]),
        .executable(name: "hm2bp-loader-bench", targets: ["hm2bp-loader-bench"]),
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
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),

        // Ground floor: numerics and contracts.
        // The C kernels: AVX-512 where the build machine has it, portable C elsewhere (chosen at
        // compile time, Sources/CKernels/lanes.h); CKernelsPortable is the portable build of the
        // same source on every machine, so tests compare the two and can run on either.
        .target(name: "CKernels", cSettings: kernelFlags),
        // No headers of its own: its functions are declared in ckernels.h.
        .target(name: "CKernelsPortable", dependencies: ["CKernels"], publicHeadersPath: ".", cSettings: kernelFlags),
        .target(name: "Kernels", dependencies: ["CKernels"], swiftSettings: hotLoopFlags),
        // JSON decoding whose errors name the field (file headers, target files, limits).
        .target(name: "StrictJSON", swiftSettings: checkedFastFlags),
        .target(name: "SpikeModel", dependencies: ["Kernels", "SystemZlib", "StrictJSON"], swiftSettings: hotLoopFlags),
        .target(
            name: "SpikeData",
            dependencies: [
                "SpikeModel", "Kernels", "SystemZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: checkedFastFlags),
        .target(name: "HardwareTargets", dependencies: ["StrictJSON"], swiftSettings: checkedFastFlags),
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
        .target(name: "Emulator", dependencies: ["NeuroImage", "SpikeModel", "Kernels", "CKernels", "CKernelsPortable"], swiftSettings: hotLoopFlags),
        .target(name: "NIR", dependencies: ["CHDF5", "SpikeModel", "HardwareTargets"], swiftSettings: checkedFastFlags),
        .target(name: "Verify", dependencies: ["SpikeModel", "SpikeData", "NeuroImage", "Emulator"], swiftSettings: checkedFastFlags),
        // Load: the USB transport (libusb), the board protocol (docs/usb-protocol.md), flash and run.
        .target(name: "Device", dependencies: ["CLibUSB", "SystemZlib", "HardwareTargets", "NeuroImage", "SpikeModel", "Emulator"], swiftSettings: checkedFastFlags),
        // The firmware's own C (Firmware/core + Firmware/host/vb-firmware.c) in-process, for fast tests of Device.
        .target(name: "CVirtualBoard"),
        .target(name: "InMemoryBoard", dependencies: ["CVirtualBoard", "Device"]),

        // Thin roof.
        .executableTarget(
            name: "hm2bp",
            dependencies: [
                "SpikeModel", "SpikeData", "HM2BPTrain", "HardwareTargets", "NeuroImage", "Compiler",
                "Emulator", "Verify", "Device", "NIR",
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

        .executableTarget(name: "hm2bp-loader-bench", dependencies: ["Device", "InMemoryBoard", "NeuroImage"], swiftSettings: checkedFastFlags),

        // Tests mirror the sources. RealData finds real MNIST for them (mirror or fetch).
        .target(name: "RealData", dependencies: ["SpikeData", "SystemZlib"], path: "Tests/RealData"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "SpikeModelTests", dependencies: ["SpikeModel", "Kernels"]),
        .testTarget(name: "SpikeDataTests", dependencies: ["SpikeData", "RealData"], exclude: ["Fixtures"]),
        .testTarget(name: "HM2BPTrainTests", dependencies: ["HM2BPTrain", "SpikeData", "Kernels", "RealData"], exclude: ["Fixtures"]),
        .testTarget(name: "HardwareTargetsTests", dependencies: ["HardwareTargets"]),
        .testTarget(name: "NeuroImageTests", dependencies: ["NeuroImage", "Kernels"]),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "SpikeData", "Kernels"]),
        .testTarget(name: "EmulatorTests", dependencies: ["Emulator", "Compiler", "Kernels"]),
        .testTarget(name: "VerifyTests", dependencies: ["Verify", "Compiler", "Kernels"]),
        .testTarget(name: "hm2bpTests", dependencies: ["hm2bp", "RealData"]),
        .testTarget(name: "DeviceTests", dependencies: ["Device", "InMemoryBoard", "NeuroImage", "Compiler", "HardwareTargets", "SpikeModel", "Emulator", "Kernels"]),
        .testTarget(name: "NIRTests", dependencies: ["NIR", "SpikeModel", "Compiler", "Emulator", "HardwareTargets"], exclude: ["Fixtures", "python"]),
    ],
    // Swift 5 mode: the hot loops share raw buffers across Dispatch workers by design, which
    // Swift 6's strict sendability checking would reject without adding any safety here.
    swiftLanguageModes: [.v5]
)
