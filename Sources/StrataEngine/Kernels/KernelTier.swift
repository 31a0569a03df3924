import CStrataKernels
import Foundation
import StrataCore

/// The instruction-set tier of the C kernels (`CStrataKernels`): one binary holds the kernels of
/// every tier of its architecture, and one of them runs.
///
/// The tier is chosen once, on first use: the best this CPU runs (from CPUID on x86-64), or a
/// lower one named by the environment variable `STRATA_ISA` (`generic`, `neon`, `avx2`, `avx512`).
/// A name this CPU does not run, or no tier's name, is an error when an `Engine` is created
/// (`checkEnvironment()`); nothing runs on a tier the CPU lacks. All tiers compute the same bits,
/// except that convolutions' matrix products run in Strata's own GEMM on AVX-512 and in OpenBLAS
/// elsewhere, and that the generic tier on x86-64 rounds multiply-adds twice (Docs/LinearKernels.md).
public enum KernelTier: String, CaseIterable, Sendable {
    /// Portable C for any CPU.
    case generic
    /// arm64's Advanced SIMD.
    case neon
    /// x86-64 with AVX2 and FMA.
    case avx2
    /// x86-64 with AVX-512 (F, VL, DQ, BW): the AVX2 kernels plus Strata's AVX-512 GEMM.
    case avx512

    /// The tier the kernels use now.
    public static var active: KernelTier { KernelTier(strata_isa_active()) }

    /// The best tier this CPU runs.
    public static var best: KernelTier { KernelTier(strata_isa_best()) }

    /// The tiers this CPU runs, lowest first.
    public static var available: [KernelTier] { allCases.filter { strata_isa_supported($0.index) != 0 } }

    /// Throws when `STRATA_ISA` is set to something other than a tier this CPU runs; the kernels
    /// then use the best tier, but an engine is not created (`Engine.init` calls this).
    public static func checkEnvironment() throws {
        var requested: Int32 = 0
        switch strata_isa_requested(&requested) {
        case -1:
            let names = available.map(\.rawValue).joined(separator: ", ")
            throw StrataError(.invalidInput, "not a kernel tier; this CPU runs \(names)",
                              at: ErrorLocation(detail: "STRATA_ISA=\(environmentValue)"))
        case -2:
            let names = available.map(\.rawValue).joined(separator: ", ")
            throw StrataError(.unsupported, "this CPU does not run the \(KernelTier(requested).rawValue) kernels; it runs \(names)",
                              at: ErrorLocation(detail: "STRATA_ISA=\(environmentValue)"))
        default:
            return
        }
    }

    /// Makes the kernels use `tier` from now on, for tests that run every available tier. Not while
    /// kernels run on other threads.
    static func force(_ tier: KernelTier) {
        precondition(strata_isa_select(tier.index) == 0, "this CPU does not run the \(tier.rawValue) kernels")
    }

    private var index: Int32 {
        switch self {
        case .generic: Int32(STRATA_ISA_GENERIC.rawValue)
        case .neon: Int32(STRATA_ISA_NEON.rawValue)
        case .avx2: Int32(STRATA_ISA_AVX2.rawValue)
        case .avx512: Int32(STRATA_ISA_AVX512.rawValue)
        }
    }

    private init(_ index: Int32) {
        guard let tier = KernelTier.allCases.first(where: { $0.index == index }) else {
            preconditionFailure("no kernel tier \(index)")
        }
        self = tier
    }

    private static var environmentValue: String {
        guard let value = getenv("STRATA_ISA") else { return "" }
        return String(cString: value)
    }
}
