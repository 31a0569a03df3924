import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataRender

/// `strata report`'s class activation maps: for the inputs whose pictures are shown, one gradient
/// run of each input's top class with respect to the layer `strata cam --layer auto` chooses (or
/// the one named), then every method asked for from that run's activations and gradients (Score-CAM
/// from its own forward runs), each drawn as `strata cam` draws its overlay.
struct ReportCAM {
    let model: Model
    let engine: Engine
    let row: LayerOutput
    /// Why the layer was chosen (or that it was named).
    let reason: String
    let methods: [CAMMethod]
    let convention: CAMConvention
    let classNames: [String]
    /// The input images feed; nil for `.npy` input (then the one rank-4 input).
    let imageInput: String?

    /// The default `--cam-methods`: the three cheap, commonly compared gradient methods.
    static let defaultMethods: [CAMMethod] = [.gradcam, .gradcamPlusPlus, .layercam]

    /// The layer: `auto` chooses as `strata cam --layer auto` (over the engine's value types, which
    /// see through folded constants); a name must have one output.
    static func layer(_ selector: String, in model: Model, engine: Engine) throws -> (row: LayerOutput, reason: String) {
        let (row, reason) = try CAMLayerSearch.resolve(selector, in: model, types: engine.inferredTypes().types)
        return (row, reason.map { "chosen as strata cam --layer auto does: \($0)" } ?? "given by --cam-layer")
    }

    /// The overlays of batch elements `drawn` (element, sample number, input name), one per method,
    /// each first offered to `accept` (the page's size budget); a sample is kept whole or not at all.
    /// Returns the overlays kept, the samples left out for size, and notes.
    func overlays(
        _ batch: InputBatch, drawn: [(element: Int, sample: Int, name: String)], accept: (_ pngs: [[UInt8]], _ sample: Int) -> Bool
    ) throws -> (overlays: [ReportPage.ClassActivation.Overlay], leftOut: [Int], notes: [String]) {
        let inputName = try CAMWorker.spatialInput(batch, imageInput: imageInput)
        guard let x = batch.feeds[inputName] else { throw StrataError(.invalidInput, "no tensor for input '\(inputName)'") }
        let run = try engine.gradients(inputs: batch.feeds, request: GradientRequest(target: .top, withRespectTo: [row.tensor]))
        guard let activations = run.activations[row.tensor], let gradients = run.gradients[row.tensor] else {
            throw StrataError(.invalidInput, "the gradient run gave no value for layer '\(row.layer)' ('\(row.tensor)')")
        }
        let size = x.shape.first ?? 0
        guard activations.rank >= 1, activations.shape[0] == size else {
            throw StrataError(.invalidInput, "layer '\(row.layer)' has shape \(activations.shape), whose first axis is not the batch of \(size)")
        }
        var notes: [String] = []
        if methods.contains(where: \.usesGradients), gradients.dtype == .float32, !gradients.buffer(as: Float.self).contains(where: { $0 != 0 }) {
            notes.append("the gradient of '\(row.layer)' is zero everywhere, so its gradient-based maps are zero (see Docs/CAM.md)")
        }
        var kept: [ReportPage.ClassActivation.Overlay] = []
        var leftOut: [Int] = []
        for (b, sample, name) in drawn {
            let a = try CAMPictures.planes(activations, b, layout: model.layout, grid: nil)
            let g = try CAMPictures.planes(gradients, b, layout: model.layout, grid: nil)
            let input = try CAMWorker.inputImage(x, b, layout: model.layout)
            let image = b < batch.images.count ? batch.images[b] : nil
            let raster = try image.map { try StrataRender.RasterImage(width: $0.width, height: $0.height, channels: $0.channels, pixels: $0.pixels) }
            guard let base = CAMPictures.overlayBase(image: raster, input: input, notes: &notes) else { continue }
            let target = run.targetIndices[b]
            let label = target < classNames.count && !classNames[target].isEmpty ? "'\(classNames[target])'" : "class \(target)"
            var pictures: [ReportPage.ClassActivation.Overlay] = []
            for method in methods {
                let cam: ActivationMap
                if method == .scorecam {
                    guard model.graph.runtimeInputs.count == 1 else {
                        notes.append("no scorecam: it reruns the model on masked inputs, which Strata does only for models with one input")
                        continue
                    }
                    cam = try ScoreCAM.map(activations: a, input: input, batchSize: try CAMWorker.runBatch(16, input: inputName, model: model)) { values, count in
                        try CAMPictures.scores(values, count: count, like: x, inputName: inputName, targetIndex: target, output: run.output,
                                               probability: false, engine: engine)
                    }
                } else {
                    cam = try GradientCAM.map(method, activations: a, gradients: g, convention: convention, score: run.scores[b])
                }
                let heatmap = CAMHeatmap.heatmap(cam, height: input.height, width: input.width)
                pictures.append(.init(sample: sample, method: method.rawValue, png: try CAMPictures.overlayPNG(heatmap: heatmap, base: base, input: input),
                                      caption: "\(method.rawValue) of layer '\(row.layer)' for \(label) over \(name)"))
            }
            if accept(pictures.map(\.png), sample) { kept += pictures } else { leftOut.append(sample) }
        }
        return (kept, leftOut, notes)
    }
}
