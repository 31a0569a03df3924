import Foundation
import StrataCore
import StrataExport
import StrataImage

/// The inputs a command runs on, batch by batch: `--input` `.npy` files (one batch), `--image`
/// files (one batch), or `--images DIR|GLOB` (`--batch` images at a time, each image read only
/// when its batch is asked for, so memory is bounded by one batch).
///
/// Images feed the model's one image-like input (rank 4, 1 or 3 channels, floating point) not
/// bound by name with `--input NAME=FILE.npy`; every other input must come from `--input`.
/// An unreadable `--image` file is an error. An unreadable file of `--images` is recorded in
/// `skipped` and reported as `strata: warning: <file>: <reason>; skipped` (an error with
/// `--strict`); a dataset with no readable image is an error. The preprocessing summary (with
/// the first batch) and each kind of conversion notice (`converted grey to RGB`) are printed
/// once on standard error unless `quiet`.
final class InputBatches {
    /// The largest float32 tensor one batch of images may make.
    static let maxBatchBytes = 1 << 32

    /// How images are preprocessed; nil for `.npy` input.
    let plan: PreprocessingPlan?
    /// True for `--images`: possibly several batches, unreadable files skipped.
    let isDataset: Bool
    /// Image files the source goes through (0 for `.npy` input).
    var totalImages: Int { files.count }
    /// Image files read so far (fed or skipped), for progress.
    private(set) var consumed = 0
    /// Files of `--images` that could not be used, and why.
    private(set) var skipped: [(file: String, reason: String)] = []

    private let files: [String]
    private let batchSize: Int
    private let strict: Bool
    private let console: Console
    private let quiet: Bool
    private var otherFeeds: [String: Tensor] = [:]
    private var otherRows: [CaptureManifest.Input] = []
    private var otherValues: [String: Value] = [:]
    private var npyBatch: InputBatch?
    private var produced = 0
    private var noticesShown = Set<String>()
    /// Printed with the first batch, so that a command failing on its first image prints only
    /// its error.
    private var summaryLine: String?

    /// `label` prefixes the printed summary (which model, when a command has two); a command that
    /// runs once passes `allowDataset: false` and `--images` is refused. `shard` (I, N) keeps every
    /// N-th image file from the I-th, in the sorted order of the list.
    init(model: Model, inputs: [String], images: ImageOptions, console: Console, quiet: Bool = false, label: String? = nil,
         allowDataset: Bool = true, shard: (index: Int, count: Int)? = nil) throws {
        if images.dataset != nil && !allowDataset {
            throw StrataError(.invalidInput, "--images feeds a dataset batch by batch, which only strata run does; give --image files")
        }
        self.console = console
        self.quiet = quiet
        strict = images.strict
        isDataset = images.dataset != nil
        let graph = model.graph
        if images.isEmpty {
            let binding = try InputBinding(arguments: inputs, graph: graph)
            var feeds: [String: Tensor] = [:]
            for input in binding.bound { feeds[input.info.name] = input.tensor }
            npyBatch = InputBatch(
                index: 0, files: binding.bound.map(\.file), feeds: feeds, values: Self.values(binding), images: [],
                manifestInputs: binding.bound.map { .init(name: $0.info.name, file: $0.file, shape: $0.tensor.shape, dtype: $0.tensor.dtype) }
                    + Self.manifestRows(binding))
            plan = nil
            files = []
            batchSize = 0
            return
        }

        let names = Set(graph.runtimeInputs.map(\.name))
        let boundByName = Set(inputs.compactMap { argument in
            argument.firstIndex(of: "=").map { String(argument[..<$0]) }.flatMap { names.contains($0) ? $0 : nil }
        })
        let spec = try Self.imageInput(of: model, excluding: boundByName)
        let plan = try images.preprocessing.preprocessing().plan(for: spec)
        self.plan = plan
        let others = graph.runtimeInputs.filter { $0.name != spec.name }
        let binding = try InputBinding(arguments: inputs, inputs: others)
        for input in binding.bound {
            otherFeeds[input.info.name] = input.tensor
            otherRows.append(.init(name: input.info.name, file: input.file, shape: input.tensor.shape, dtype: input.tensor.dtype))
        }
        otherValues = Self.values(binding)
        otherRows += Self.manifestRows(binding)

        var listed = try images.dataset.map(ImageFileList.files) ?? images.images
        if let shard {
            listed = listed.indices.filter { $0 % shard.count == shard.index }.map { listed[$0] }
            if listed.isEmpty {
                throw StrataError(.invalidInput, "shard \(shard.index)/\(shard.count) holds no image: there are fewer images than shards")
            }
        }
        files = listed
        batchSize = isDataset ? images.batch : listed.count
        if let fixed = spec.batch, fixed != batchSize {
            let given = isDataset ? "--batch \(batchSize)" : "\(batchSize) image\(batchSize == 1 ? "" : "s")"
            throw StrataError(.invalidInput, "input '\(spec.name)' (\(spec.type)) takes batches of exactly \(fixed) image\(fixed == 1 ? "" : "s"), not \(given)")
        }
        let perImage = spec.channels * plan.size.height * plan.size.width * 4
        let (bytes, overflow) = perImage.multipliedReportingOverflow(by: batchSize)
        if overflow || bytes > Self.maxBatchBytes {
            throw StrataError(.invalidInput, "a batch of \(batchSize) images of \(plan.size) would take more than \(Self.maxBatchBytes >> 30) GiB; use a smaller --batch")
        }
        summaryLine = "strata: \(label.map { "\($0), " } ?? "")input '\(spec.name)': \(plan.summary)\n"
    }

    /// Number of batches the source will give at most (skipped files can make it fewer).
    var batchCount: Int {
        npyBatch != nil || batchSize == 0 ? 1 : (files.count + batchSize - 1) / batchSize
    }

    /// The next batch, or nil when the source is exhausted.
    func next() throws -> InputBatch? {
        if let npy = npyBatch {
            npyBatch = nil
            produced += 1
            return npy
        }
        guard let plan else { return nil }
        var used: [String] = []
        var prepared: [RasterImage] = []
        var notes: [String] = []
        while prepared.count < batchSize, consumed < files.count {
            let file = files[consumed]
            consumed += 1
            do {
                let image = try plan.prepare(try ImageDecoder.decode(path: file), file: file)
                for notice in image.notices where !quiet && noticesShown.insert(notice).inserted {
                    notes.append("strata: note: \(file): \(notice)\(isDataset ? " (shown once)" : "")\n")
                }
                prepared.append(image.image)
                used.append(file)
            } catch let error as StrataError where isDataset && !strict {
                var reason = error
                reason.location.file = nil
                skipped.append((file, reason.description))
                console.printError("strata: warning: \(file): \(reason.description); skipped\n")
            }
        }
        if prepared.isEmpty {
            if produced == 0 {
                throw StrataError(.invalidInput, "no readable images: all \(files.count) file\(files.count == 1 ? " was" : "s were") skipped")
            }
            return nil
        }
        if let fixed = plan.input.batch, fixed != prepared.count {
            throw StrataError(.invalidInput, "input '\(plan.input.name)' takes batches of exactly \(fixed) images; the last batch has \(prepared.count)")
        }
        if let line = summaryLine, !quiet {
            console.printError(line)
            summaryLine = nil
        }
        notes.forEach(console.printError)
        let tensor = try Self.converted(try plan.tensor(for: prepared), to: plan.input.dtype)
        var feeds = otherFeeds
        feeds[plan.input.name] = tensor
        let row = CaptureManifest.Input(
            name: plan.input.name, images: used, preprocessing: plan.summary, shape: tensor.shape, dtype: tensor.dtype)
        defer { produced += 1 }
        return InputBatch(index: produced, files: used, feeds: feeds, values: otherValues, images: prepared, manifestInputs: [row] + otherRows)
    }

    /// The one input of `model` images can feed, among those not bound by name to a `.npy` file.
    static func imageInput(of model: Model, excluding bound: Set<String>) throws -> ImageInputSpec {
        let candidates = model.graph.runtimeInputs.filter { !bound.contains($0.name) }
        let specs = candidates.compactMap { try? ImageInputSpec(input: $0, modelLayout: model.layout) }
        if specs.count == 1 { return specs[0] }
        if specs.count > 1 {
            throw StrataError(
                .invalidInput,
                "the model has several image inputs (\(specs.map { "'\($0.name)'" }.joined(separator: ", "))); "
                    + "bind all but one with --input NAME=FILE.npy")
        }
        if candidates.count == 1 {
            // Say why the one input cannot take images.
            _ = try ImageInputSpec(input: candidates[0], modelLayout: model.layout)
        }
        let listed = candidates.isEmpty ? "none left unbound" : candidates.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        throw StrataError(
            .invalidInput, "no input of the model takes images (rank 4, 1 or 3 channels, floating point); its inputs: \(listed)")
    }

    /// `tensor` (float32) in the dtype the input declares.
    static func converted(_ tensor: Tensor, to dtype: DType) throws -> Tensor {
        switch dtype {
        case .bfloat16:
            return try NPYFile.bfloat16(fromFloat32: tensor)
        case .float16:
            let out = try Tensor(dtype: .float16, shape: tensor.shape)
            let source = tensor.pointer(as: Float.self), target = out.pointer(as: Float16.self)
            for i in 0 ..< tensor.count { target[i] = Float16(source[i]) }
            return out
        case .float64:
            let out = try Tensor(dtype: .float64, shape: tensor.shape)
            let source = tensor.pointer(as: Float.self), target = out.pointer(as: Double.self)
            for i in 0 ..< tensor.count { target[i] = Double(source[i]) }
            return out
        default:
            return tensor
        }
    }

    /// The sequence and optional inputs `binding` read, by name.
    private static func values(_ binding: InputBinding) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: binding.values.map { ($0.info.name, $0.value) })
    }

    /// Manifest rows for the sequence and optional inputs: the file or folder each came from
    /// ("" for an empty optional given nothing), no shape, the declared dtype.
    private static func manifestRows(_ binding: InputBinding) -> [CaptureManifest.Input] {
        binding.values.map { .init(name: $0.info.name, file: $0.file ?? "", shape: [], dtype: $0.info.type.dtype) }
    }
}
