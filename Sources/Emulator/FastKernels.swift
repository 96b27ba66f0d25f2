import CKernels
import Foundation

/// The C kernels one emulator calls: the build's own (`native`: AVX-512 where the compiler
/// targets it, portable C elsewhere) or the portable build that every binary carries
/// (`portable`). Both compute the same integers (Sources/CKernels/lanes.h); the tests run every
/// fast-kernel case on both, and `HM2BP_KERNELS=portable` makes the portable one the default so
/// that the whole suite can run on the path other CPUs build.
public struct FastKernels: Sendable {
    typealias Step = @convention(c) (
        UnsafePointer<hm2bp_fast_core>?, UnsafePointer<hm2bp_fast_state>?, Int, UnsafePointer<Int32>?, Int32,
        UnsafePointer<Int32>?, Int32, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int64>?
    ) -> Int32
    typealias CoreRun = @convention(c) (
        UnsafePointer<hm2bp_fast_core>?, Int, UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafeMutablePointer<UInt64>?,
        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UInt32>?, Int32, UnsafeMutablePointer<Int64>?
    ) -> Void
    typealias Bounds = @convention(c) (
        UnsafePointer<hm2bp_fast_core>?, UnsafePointer<hm2bp_fast_state>?, UnsafeMutablePointer<Int64>?
    ) -> Void

    let step: Step
    let coreRun: CoreRun
    let bounds: Bounds
    /// "avx-512" or "portable": the lane implementation these kernels were compiled with.
    public let lanes: String

    public static let native = FastKernels(step: hm2bp_fast_step, coreRun: hm2bp_core_run, bounds: hm2bp_fast_bounds,
                                           lanes: String(cString: hm2bp_kernel_lanes()))
    public static let portable = FastKernels(
        step: hm2bp_portable_fast_step, coreRun: hm2bp_portable_core_run, bounds: hm2bp_portable_fast_bounds,
        lanes: String(cString: hm2bp_portable_kernel_lanes()))

    /// `portable` when the environment says `HM2BP_KERNELS=portable`, else `native`
    /// (PortableKernelTests fails on any other value, so a CI job that misspells it notices).
    public static let `default`: FastKernels =
        ProcessInfo.processInfo.environment["HM2BP_KERNELS"] == "portable" ? .portable : .native
}
