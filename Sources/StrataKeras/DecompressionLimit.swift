/// Limits on what an HDF5 file or zip archive may claim relative to the bytes it holds.
enum DecompressionLimit {
    /// The largest ratio of uncompressed to stored bytes accepted for an archive member or a
    /// compressed dataset. Weights compress by 1.1-3x; zeros by about 1000x, which only a crafted
    /// (or an all-zero) file reaches.
    static let maxRatio = 200

    /// Declared sizes up to this many bytes are accepted whatever is stored (fill values of a small
    /// dataset never written, tiny members), since they cost nothing to hold.
    static let smallAllowance = 1 << 16

    /// Whether `declared` bytes may be produced from `stored` ones.
    static func allows(declared: Int, stored: Int) -> Bool {
        if declared <= smallAllowance { return true }
        let (bound, overflow) = Swift.max(stored, 0).multipliedReportingOverflow(by: maxRatio)
        return overflow || declared <= bound
    }
}
