import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataRender

/// The work of `strata cam` for one batch: one gradient run (activations and gradients of the
/// layer, the target's scores), then per image the map, the heat map, the overlay, the metric and
/// the manifest entry.
struct CAMWorker {
    let model: Model
    let engine: Engine
    let row: LayerOutput
    let method: CAMMethod
    let convention: CAMConvention
    let grid: (height: Int, width: Int)?
    let metric: CamCommand.CAMMetric?
    let keepPercent: Double?
    let scoreBatch: Int
    let target: TargetOptions
    let classNames: [String]?
    /// The input images feed; nil for `.npy` input (then the one rank-4 input).
    let imageInput: String?

    struct Result {
        var entry: JSONValue
        var notes: [String]
        /// What `--tensorboard` logs of the input (`TensorBoardLog.cam`).
        var logged: Logged
    }

    /// One input's CAM as `--tensorboard` logs it.
    struct Logged {
        /// The input's subfolder of `--out`; nil when it is the only input.
        var folder: String?
        /// The heat map in 0…1 at the input's size (`heatmap.npy`).
        var heatmap: ActivationMap
        /// The bytes of `overlay.png`; nil when no overlay was drawn.
        var overlay: [UInt8]?
        var score: Float
        /// The confidence drop of `--metric drop`.
        var drop: Float?
    }

    /// The results of the batch's inputs; their files are written into `folder` (none without one).
    func run(_ batch: InputBatch, subjects: [MapPainter.Subject], into folder: StagedFolder?) throws -> [Result] {
        let inputName = try Self.spatialInput(batch, imageInput: imageInput)
        guard let x = batch.feeds[inputName] else { throw StrataError(.invalidInput, "no tensor for input '\(inputName)'") }
        let request = try target.request(classNames: classNames, withRespectTo: [row.tensor])
        let run = try engine.gradients(inputs: batch.feeds, request: request)
        guard let activations = run.activations[row.tensor], let gradients = run.gradients[row.tensor] else {
            throw StrataError(.invalidInput, "the gradient run gave no value for layer '\(row.layer)' ('\(row.tensor)')")
        }
        var batchNotes: [String] = []
        if method.usesGradients, gradients.dtype == .float32, !gradients.buffer(as: Float.self).contains(where: { $0 != 0 }) {
            batchNotes.append("the gradient of '\(row.layer)' is zero everywhere, so its \(method.rawValue) map is zero: nothing in it moves the score; "
                + "try the next layer")
        }
        guard activations.rank >= 1, activations.shape[0] == subjects.count, x.shape[0] == subjects.count else {
            throw StrataError(.invalidInput, "layer '\(row.layer)' has shape \(activations.shape), whose first axis is not the batch of \(subjects.count)")
        }
        return try subjects.indices.map { b in
            var result = try image(b, subject: subjects[b], x: x, inputName: inputName, run: run, activations: activations, gradients: gradients, into: folder)
            result.notes += batchNotes
            return result
        }
    }

    private func image(
        _ b: Int, subject: MapPainter.Subject, x: Tensor, inputName: String, run: GradientRun,
        activations: Tensor, gradients: Tensor, into folder: StagedFolder?
    ) throws -> Result {
        var notes: [String] = []
        let a = try planes(activations, b)
        let input = try inputImage(x, b)
        let targetIndex = run.targetIndices[b]
        let score = run.scores[b]
        let scores: ([Float], Int) throws -> [Float] = { values, count in
            try scoresOf(values, count: count, like: x, inputName: inputName, targetIndex: targetIndex, output: run.output)
        }
        let cam: ActivationMap
        if method == .scorecam {
            cam = try ScoreCAM.map(activations: a, input: input, batchSize: try Self.runBatch(scoreBatch, input: inputName, model: model), scores: scores)
        } else {
            let g = method.usesGradients ? try planes(gradients, b) : nil
            cam = try GradientCAM.map(method, activations: a, gradients: g, convention: convention, score: score)
        }
        let heatmap = CAMHeatmap.heatmap(cam, height: input.height, width: input.width)

        var logged = Logged(folder: subject.folder, heatmap: heatmap, score: score)
        var files: [(String, JSONValue)] = []
        if let folder {
            files.append(("cam", .string(try folder.writeNPY(Tensor(cam.values, shape: [cam.height, cam.width]), name: "cam", subfolder: subject.folder))))
            files.append(("heatmap", .string(try folder.writeNPY(Tensor(heatmap.values, shape: [heatmap.height, heatmap.width]), name: "heatmap", subfolder: subject.folder))))
        }
        if let base = try overlayBase(subject: subject, input: input, notes: &notes) {
            let png = try CAMPictures.overlayPNG(heatmap: heatmap, base: base, input: input)
            logged.overlay = png
            if let folder { files.append(("overlay", .string(try folder.write(png, name: "overlay", fileExtension: "png", subfolder: subject.folder)))) }
        }

        var members: [(String, JSONValue)] = [("input", .string(subject.name))]
        if let f = subject.folder { members.append(("folder", .string(f))) }
        members.append(("target", GradientRun.targetJSON(targetIndex, classNames: classNames)))
        members.append(("score", .double(Double(score))))
        members.append(("scored", .string(run.scoredTensor)))
        members.append(("top5", .array(run.topClasses(row: b, classNames: classNames))))
        if metric == .drop {
            let mask = keepPercent.map { ConfidenceDrop.keepMask(heatmap, keepPercent: $0) } ?? heatmap
            let after = try scores(input.masked(by: mask), 1)[0]
            let drop = ConfidenceDrop.drop(score: score, scoreAfter: after)
            logged.drop = drop
            members.append(("metric", .object([
                ("name", .string("drop")),
                ("keep_percent", keepPercent.map { .double($0) } ?? .null),
                ("score_after", .double(Double(after))),
                ("drop", .double(Double(drop))),
            ])))
        }
        members.append(("files", .object(files)))
        return Result(entry: .object(members), notes: notes, logged: logged)
    }

    /// The layer's values of image `b` as channel planes: rank 4 by the model's layout, rank 3 as tokens.
    private func planes(_ tensor: Tensor, _ b: Int) throws -> ChannelPlanes {
        try CAMPictures.planes(tensor, b, layout: model.layout, grid: grid)
    }

    /// The input the heat map is sized to: the images' input, or the one rank-4 input fed.
    static func spatialInput(_ batch: InputBatch, imageInput: String?) throws -> String {
        if let imageInput { return imageInput }
        let candidates = batch.feeds.filter { $0.value.rank == 4 }.map(\.key).sorted()
        guard candidates.count == 1 else {
            throw StrataError(.invalidInput, candidates.isEmpty
                ? "no rank-4 input to size the heat map to; strata cam needs an image-like input [N, C, H, W] or [N, H, W, C]"
                : "several rank-4 inputs (\(candidates.joined(separator: ", "))); feed images to one of them with --image")
        }
        return candidates[0]
    }

    /// The most inputs one run of `input` takes: 1 when its declared batch is fixed at 1 (a
    /// fixed-batch export), else `wanted`. Throws for another fixed batch.
    static func runBatch(_ wanted: Int, input: String, model: Model) throws -> Int {
        guard let info = model.graph.runtimeInputs.first(where: { $0.name == input }),
              let first = info.type.shape?.first, let fixed = first.value else { return wanted }
        guard fixed == 1 else {
            throw StrataError(.unsupported, "input '\(input)' has a fixed batch of \(fixed); runs on masked or scaled copies need batch 1 or a free batch axis")
        }
        return 1
    }

    /// Image `b` of the input as float32, in the model's layout.
    func inputImage(_ x: Tensor, _ b: Int) throws -> ModelInputImage {
        try Self.inputImage(x, b, layout: model.layout)
    }

    /// Image `b` of `x` as float32.
    static func inputImage(_ x: Tensor, _ b: Int, layout: ActivationLayout) throws -> ModelInputImage {
        let size = x.count / max(x.shape[0], 1)
        var values = [Float](repeating: 0, count: size)
        for i in 0 ..< size { values[i] = Float(x.doubleValue(at: b * size + i)) }
        var shape = x.shape
        shape[0] = 1
        return try ModelInputImage(values: values, shape: shape, layout: layout)
    }

    /// The target's score on `count` inputs laid one after the other (Score-CAM, the drop metric).
    private func scoresOf(_ values: [Float], count: Int, like x: Tensor, inputName: String, targetIndex: Int, output: String) throws -> [Float] {
        guard model.graph.runtimeInputs.count == 1 else {
            throw StrataError(.unsupported, "\(method == .scorecam ? "scorecam" : "--metric drop") reruns the model on masked inputs, which Strata does only for models with one input")
        }
        return try CAMPictures.scores(values, count: count, like: x, inputName: inputName, targetIndex: targetIndex, output: output,
                                      probability: target.targetProbability, engine: engine)
    }

    /// The float RGB image in 0…1 the overlay is drawn on, or nil (with a note) when there is none
    /// of the input's size: the image as fed, or the `.npy` tensor min–max scaled.
    private func overlayBase(subject: MapPainter.Subject, input: ModelInputImage, notes: inout [String]) throws -> [Float]? {
        CAMPictures.overlayBase(image: subject.image, input: input, notes: &notes)
    }
}
