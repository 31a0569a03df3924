import StrataCore

/// The concrete preprocessing steps for one model input, from `Preprocessing.plan(for:)`.
///
/// `prepare` turns a decoded image into the 8-bit image that is fed (after colour conversion,
/// resize and crop; RGB order); `tensor` turns prepared images into the float32 input batch.
public struct PreprocessingPlan: Sendable, Equatable {
    /// The input the images are for.
    public let input: ImageInputSpec
    /// Height and width of every prepared image.
    public let size: Preprocessing.Size
    public let resize: Preprocessing.Resize
    public let filter: ResampleFilter
    /// Centre crop to `size` after resizing.
    public let crop: Bool
    /// Colour images are turned grey (and replicated for a 3-channel input).
    public let grey: Bool
    public let bgr: Bool
    public let scale: Preprocessing.Scale?
    /// One float32 value per input channel (in fed order), or empty.
    public let mean: [Float]
    /// One float32 value per input channel (in fed order), or empty.
    public let std: [Float]
    /// One line saying what is applied, for the command line to print.
    public let summary: String

    init(input: ImageInputSpec, size: Preprocessing.Size, resize: Preprocessing.Resize, filter: ResampleFilter, crop: Bool,
         grey: Bool, bgr: Bool, scale: Preprocessing.Scale?, mean: [Float], std: [Float], summary: String) {
        self.input = input
        self.size = size
        self.resize = resize
        self.filter = filter
        self.crop = crop
        self.grey = grey
        self.bgr = bgr
        self.scale = scale
        self.mean = mean
        self.std = std
        self.summary = summary
    }

    /// An image ready to be fed, and what was done to it that the user may not expect.
    public struct PreparedImage: Sendable, Equatable {
        /// The 8-bit image as fed before the arithmetic, in RGB (or grey) order.
        public var image: RasterImage
        /// E.g. `converted grey to RGB`, `dropped the alpha channel`, library warnings.
        public var notices: [String]
    }

    /// `decoded` converted, resized and cropped; errors name `file`.
    public func prepare(_ decoded: DecodedImage, file: String) throws -> PreparedImage {
        var notices = decoded.conversions + decoded.warnings
        var image = decoded.image
        if input.channels == 1 {
            if image.channels == 3 { notices.append("converted RGB to grey") }
            image = image.grey()
        } else if grey {
            image = image.grey().rgb()
        } else {
            if image.channels == 1 { notices.append("converted grey to RGB") }
            image = image.rgb()
        }
        image = try resized(image, file: file)
        if crop { image = image.centerCropped(width: size.width, height: size.height) }
        guard image.width == size.width && image.height == size.height else {
            throw StrataError(
                .invalidInput,
                "image is \(image.width)x\(image.height) (width x height) after preprocessing, but input '\(input.name)' takes "
                    + "\(size.width)x\(size.height); resize or crop it to that size",
                at: ErrorLocation(file: file))
        }
        return PreparedImage(image: image, notices: notices)
    }

    private func resized(_ image: RasterImage, file: String) throws -> RasterImage {
        let w = image.width, h = image.height
        var target: (width: Int, height: Int)
        var region: RasterImage.Region?
        switch resize {
        case .none:
            return image
        case .stretch:
            target = (size.width, size.height)
        case .keepAspect:
            // keras.utils.load_img(keep_aspect_ratio=True): the centred box of the target's aspect.
            target = (size.width, size.height)
            let cropHeight = min(h, (w * size.height) / size.width)
            let cropWidth = min(w, (h * size.width) / size.height)
            let top = (h - cropHeight) / 2, left = (w - cropWidth) / 2
            region = RasterImage.Region(left: Float(left), top: Float(top), right: Float(left + cropWidth), bottom: Float(top + cropHeight))
        case .shorter(let n):
            // torchvision's _compute_resized_output_size: int(n * long / short) in double precision.
            let long = Int(Double(n * max(w, h)) / Double(min(w, h)))
            target = w <= h ? (n, long) : (long, n)
        case .longer(let n):
            let short = Int(Double(n * min(w, h)) / Double(max(w, h)))
            target = w <= h ? (short, n) : (n, short)
        }
        guard target.width >= 1, target.height >= 1, target.width <= ImageLimits.maxSide, target.height <= ImageLimits.maxSide else {
            throw StrataError(.invalidInput, "a \(w)x\(h) image cannot be resized to \(target.width)x\(target.height)", at: ErrorLocation(file: file))
        }
        if target == (w, h) { return image }  // load_img and torchvision skip the resize then
        if let region, region.right - region.left < 1 || region.bottom - region.top < 1 {
            throw StrataError(.invalidInput, "a \(w)x\(h) image has no \(size.width):\(size.height) box to keep", at: ErrorLocation(file: file))
        }
        return image.resized(width: target.width, height: target.height, filter: filter, region: region)
    }

    /// The float32 batch `[N, C, H, W]` or `[N, H, W, C]` of `images` (each prepared by this plan):
    /// per sample `x·scale` or `x/divisor`, then `− mean[c]`, then `÷ std[c]`, in float32 as
    /// NumPy and PyTorch compute them, channels reversed first when `bgr`.
    public func tensor(for images: [RasterImage]) throws -> Tensor {
        let c = input.channels, h = size.height, w = size.width
        let tensor = try Tensor(dtype: .float32, shape: input.shape(count: images.count, height: h, width: w))
        let table = lookupTable()
        let out = tensor.pointer(as: Float.self)
        for (n, image) in images.enumerated() {
            precondition(image.width == w && image.height == h && image.channels == c, "image not prepared by this plan")
            image.pixels.withUnsafeBufferPointer { pixels in
                for channel in 0 ..< c {
                    let source = bgr ? c - 1 - channel : channel
                    let values = table[channel]
                    for y in 0 ..< h {
                        for x in 0 ..< w {
                            let v = values[Int(pixels[(y * w + x) * c + source])]
                            let index = input.layout == .nchw ? ((n * c + channel) * h + y) * w + x : ((n * h + y) * w + x) * c + channel
                            out[index] = v
                        }
                    }
                }
            }
        }
        return tensor
    }

    /// Per fed channel, the float32 result for each of the 256 sample values: the arithmetic
    /// depends on nothing else, so it is done once per value, in the same order NumPy does it.
    func lookupTable() -> [[Float]] {
        (0 ..< input.channels).map { channel in
            (0 ... 255).map { sample in
                var v = Float(sample)
                switch scale {
                case .multiply(let factor)?: v = v * Float(factor)
                case .divide(let divisor)?: v = v / Float(divisor)
                case nil: break
                }
                if !mean.isEmpty { v = v - mean[channel] }
                if !std.isEmpty { v = v / std[channel] }
                return v
            }
        }
    }
}
