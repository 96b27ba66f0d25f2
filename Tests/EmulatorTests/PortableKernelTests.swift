import Foundation
import XCTest
@testable import Emulator

/// The two builds of the C kernels (Sources/CKernels/lanes.h): the portable one is really the
/// portable code, the native one really uses AVX-512 on a machine that has it (a silent fall back
/// to the portable lanes would cost the emulator most of its speed), and `HM2BP_KERNELS`, which
/// CI uses to run the whole suite on the portable kernels, names one of them. FastKernelTests
/// holds the two bit-equal on every fast-path case.
final class PortableKernelTests: XCTestCase {
    func testThePortableBuildUsesThePortableLanes() {
        XCTAssertEqual(FastKernels.portable.lanes, "portable")
    }

    func testTheNativeBuildUsesAVX512WhereTheCPUHasIt() throws {
        #if arch(x86_64) && os(Linux)
        let cpu = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(cpu.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        XCTAssertEqual(FastKernels.native.lanes, flags.isSuperset(of: ["avx512f", "avx512bw"]) ? "avx-512" : "portable")
        #else
        XCTAssertEqual(FastKernels.native.lanes, "portable")
        #endif
    }

    func testTheEnvironmentChoosesTheDefaultKernels() {
        let value = ProcessInfo.processInfo.environment["HM2BP_KERNELS"]
        XCTAssertTrue([nil, "native", "portable"].contains(value), "HM2BP_KERNELS=\(value ?? ""): expected native or portable")
        XCTAssertEqual(FastKernels.default.lanes, value == "portable" ? "portable" : FastKernels.native.lanes)
    }
}
