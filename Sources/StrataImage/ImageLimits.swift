/// The largest images Strata decodes. Checked against a file's header before anything is
/// allocated for its pixels, so a small file claiming a huge image is refused cheaply.
public enum ImageLimits {
    /// Largest width or height (PNG allows 2³¹ − 1; no photograph comes near this).
    public static let maxSide = 65_535
    /// Largest width × height: 2²⁸ (268 megapixels, 805 MB as RGB).
    public static let maxPixels = 1 << 28
    /// Largest image file read into memory: 1 GiB.
    public static let maxFileBytes = 1 << 30
    /// Largest block the codec libraries may allocate for themselves: libpng's largest chunk,
    /// libjpeg's `max_memory_to_use` (which bounds a progressive JPEG's coefficient buffers,
    /// 2 bytes per sample, 3 components at `maxPixels`), 2 GiB.
    public static let maxLibraryBytes = 1 << 31
}
