import CImageCodecs
import Foundation
import StrataCore

/// Reads PNG and JPEG files into 8-bit grey or RGB images with the pixel values Pillow's
/// `Image.open(f)` gives before `convert("RGB")`/`convert("L")` (see `DecodedImage.conversions`
/// and Docs/Images.md). EXIF orientation, gamma and colour profiles are ignored, as Pillow's
/// `open` ignores them.
///
/// Every failure is a `StrataError` located in the file: not a regular file, empty, not PNG or
/// JPEG by its signature (whatever its extension), larger than `ImageLimits`, or data the
/// library rejects (`corrupt JPEG data: Premature end of JPEG file`).
public enum ImageDecoder {
    /// Reads and decodes the file at `path` (read once, whole, into memory).
    public static func decode(path: String) throws -> DecodedImage {
        try decode(bytes: readFile(path), name: path)
    }

    /// Decodes a whole file held in memory; `name` is the file errors are reported against.
    public static func decode(bytes: [UInt8], name: String) throws -> DecodedImage {
        let location = ErrorLocation(file: name)
        guard !bytes.isEmpty else { throw StrataError(.invalidInput, "empty file, not a PNG or JPEG image", at: location) }
        guard let format = format(of: bytes) else {
            throw StrataError(.unsupported, "not a PNG or JPEG file", at: location)
        }
        var limits = strata_image_limits(
            max_side: UInt32(ImageLimits.maxSide), max_pixels: UInt64(ImageLimits.maxPixels),
            max_library_bytes: UInt64(ImageLimits.maxLibraryBytes))
        var result = strata_image()
        let status = bytes.withUnsafeBufferPointer { buffer in
            switch format {
            case .png: return strata_png_decode(buffer.baseAddress, buffer.count, &limits, &result)
            case .jpeg: return strata_jpeg_decode(buffer.baseAddress, buffer.count, &limits, &result)
            }
        }
        defer { strata_image_free(&result) }
        let message = text(of: &result.message)
        switch status {
        case STRATA_IMAGE_OK:
            break
        case STRATA_IMAGE_TOO_LARGE:
            throw StrataError(
                .invalidInput,
                "image is \(result.width)x\(result.height) pixels, beyond Strata's limit of \(ImageLimits.maxSide) pixels a side "
                    + "and \(ImageLimits.maxPixels) pixels in all",
                at: location)
        case STRATA_IMAGE_UNSUPPORTED:
            throw StrataError(.unsupported, "unsupported \(format.rawValue) image: \(message)", at: location)
        case STRATA_IMAGE_NO_MEMORY:
            throw StrataError(.io, "out of memory decoding the \(format.rawValue) image: \(message)", at: location)
        default:
            throw StrataError(.corruptFile, "corrupt \(format.rawValue) data: \(corruptionDetail(message))", at: location)
        }
        let width = Int(result.width), height = Int(result.height), channels = Int(result.channels)
        let pixels = [UInt8](UnsafeBufferPointer(start: result.pixels, count: width * height * channels))
        let warnings = text(of: &result.warnings).split(separator: "\n").map(String.init)
        return DecodedImage(
            image: RasterImage(width: width, height: height, channels: channels, pixels: pixels),
            format: format, colour: colour(result.colour), bitDepth: Int(result.bit_depth),
            hasTransparency: result.has_transparency != 0, interlaced: result.interlaced != 0, ycck: result.ycck != 0,
            warnings: warnings)
    }

    /// The format `bytes` start with: the 8-byte PNG signature, or a JPEG SOI marker followed by
    /// another marker (`FF D8 FF`); nil for anything else.
    public static func format(of bytes: [UInt8]) -> DecodedImage.Format? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// The whole of a regular file, refusing directories, FIFOs and devices without blocking on
    /// them (the file is opened non-blocking and checked with fstat before any read) and files
    /// larger than `ImageLimits.maxFileBytes`.
    static func readFile(_ path: String) throws -> [UInt8] {
        let location = ErrorLocation(file: path)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let reason: String
            switch errno {
            case ENOENT: reason = "file not found"
            case EACCES: reason = "permission denied"
            default: reason = "cannot open: \(String(cString: strerror(errno)))"
            }
            throw StrataError(.io, reason, at: location)
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw StrataError(.io, "cannot read: \(String(cString: strerror(errno)))", at: location)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw StrataError(.io, "is a directory, not an image file", at: location)
        default: throw StrataError(.io, "not a regular file (a FIFO, socket or device)", at: location)
        }
        let size = Int(status.st_size)
        guard size <= ImageLimits.maxFileBytes else {
            throw StrataError(.invalidInput, "file is \(size) bytes, beyond Strata's limit of \(ImageLimits.maxFileBytes) bytes for an image", at: location)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StrataError(.io, "cannot read: \(String(cString: strerror(errno)))", at: location)
            }
            if n == 0 { break }  // the file shrank while being read; decode what is there
            done += n
        }
        if done < size { bytes.removeSubrange(done...) }
        return bytes
    }

    private static func colour(_ value: strata_image_colour) -> DecodedImage.Colour {
        switch value {
        case STRATA_COLOUR_GREY: return .grey
        case STRATA_COLOUR_GREY_ALPHA: return .greyAlpha
        case STRATA_COLOUR_RGBA: return .rgba
        case STRATA_COLOUR_PALETTE: return .palette
        case STRATA_COLOUR_CMYK: return .cmyk
        default: return .rgb
        }
    }

    /// libjpeg words some messages "Corrupt JPEG data: …"; the prefix is not repeated.
    private static func corruptionDetail(_ message: String) -> String {
        let prefix = "Corrupt JPEG data: "
        let detail = message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
        return detail.isEmpty ? "unknown error" : detail
    }

    /// A NUL-terminated C character array as a String.
    private static func text<T>(of tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }
}
