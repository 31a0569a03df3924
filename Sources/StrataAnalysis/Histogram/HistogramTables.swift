/// The lookup tables of `HistogramBuckets` at fixed addresses for the kernels (allocated once, never freed).
enum HistogramTables {
    nonisolated(unsafe) static let float = immortal(HistogramBuckets.floatTable)
    nonisolated(unsafe) static let floatLimits = immortal(HistogramBuckets.floatLimits)
    nonisolated(unsafe) static let double = immortal(HistogramBuckets.doubleTable)
    nonisolated(unsafe) static let doubleLimits = immortal(HistogramBuckets.doubleLimits)

    private static func immortal<T>(_ values: [T]) -> UnsafePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        return UnsafePointer(p)
    }
}
