import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataRender

/// The work of `strata saliency` for one batch: a gradient run for the targets and scores, then
/// per image the method's further gradient runs, `saliency.npy`, `saliency.png` and the manifest entry.
struct SaliencyWorker {
    let command: SaliencyCommand
    let model: Model
    let engine: Engine
    let classNames: [String]?
    let imageInput: String?

    /// The method's settings, for the manifest.
    var parameters: JSONValue {
        switch command.method {
        case .gradient: return .object([("abs", .bool(!command.signed))])
        case .inputXGradient: return .object([])
        case .smoothgrad:
            return .object([("abs", .bool(!command.signed)), ("samples", .int(command.samples)),
                            ("noise_level", .double(command.noiseLevel)), ("seed", .int(Int(truncatingIfNeeded: command.seed)))])
        case .integratedGradients:
            return .object([("steps", .int(command.steps)), ("integration", .string(command.integration.rawValue)), ("baseline", .string("zero"))])
        }
    }

    /// The manifest entries of the batch's inputs; with `log`, each input's `saliency.png` is also
    /// logged as the image `saliency/M` and its score as the scalar `saliency/M-score`, `M` the
    /// method and target as `TensorBoardLog.methodTag` gives it (both ending in `/INPUT` when the
    /// run has several inputs).
    func run(_ batch: InputBatch, subjects: [MapPainter.Subject], into folder: StagedFolder, log: TensorBoardLog? = nil) throws -> [JSONValue] {
        let inputName = try CAMWorker.spatialInput(batch, imageInput: imageInput)
        guard let x = batch.feeds[inputName] else { throw StrataError(.invalidInput, "no tensor for input '\(inputName)'") }
        let request = try command.target.request(classNames: classNames, withRespectTo: [inputName])
        let run = try engine.gradients(inputs: batch.feeds, request: request)
        guard let gradient = run.gradients[inputName] else { throw StrataError(.invalidInput, "the gradient run gave no gradient for input '\(inputName)'") }
        let size = x.count / max(x.shape[0], 1)
        let g = gradient.floats()
        return try subjects.indices.map { b in
            let input = try CAMWorker.inputImage(x, b, layout: model.layout)
            let own = Array(g[b * size ..< (b + 1) * size])
            let repeats = command.method == .smoothgrad || command.method == .integratedGradients
            let chunk = repeats ? try CAMWorker.runBatch(command.internalBatch, input: inputName, model: model) : command.internalBatch
            let attribution = try attribute(input, gradient: own, chunk: chunk, targetIndex: run.targetIndices[b], output: run.output, inputName: inputName, dtype: x.dtype)
            var files: [(String, JSONValue)] = []
            files.append(("saliency", .string(try folder.writeNPY(Tensor(attribution, shape: input.shape), name: "saliency", subfolder: subject(subjects[b])))))
            let picture = try picture(attribution, input: input, targetIndex: run.targetIndices[b])
            let png = try picture.render(format: .png)
            files.append(("picture", .string(try folder.write(png, name: "saliency", fileExtension: "png", subfolder: subject(subjects[b])))))
            if let log {
                let method = TensorBoardLog.methodTag(command.method.rawValue, target: command.target.target)
                try log.image(TensorBoardLog.tag("saliency", method, input: subjects[b].folder), png: png)
                try log.writer.add(.scalar(TensorBoardLog.tag("saliency", method + "-score", input: subjects[b].folder), Double(run.scores[b])), step: log.step)
            }
            var members: [(String, JSONValue)] = [("input", .string(subjects[b].name))]
            if let f = subjects[b].folder { members.append(("folder", .string(f))) }
            members.append(("target", GradientRun.targetJSON(run.targetIndices[b], classNames: classNames)))
            members.append(("score", .double(Double(run.scores[b]))))
            members.append(("scored", .string(run.scoredTensor)))
            members.append(("top5", .array(run.topClasses(row: b, classNames: classNames))))
            members.append(("files", .object(files)))
            return .object(members)
        }
    }

    private func subject(_ s: MapPainter.Subject) -> String? { s.folder }

    /// The attribution of one image (float32, the input's layout), as captum computes it.
    private func attribute(_ input: ModelInputImage, gradient: [Float], chunk: Int, targetIndex: Int, output: String, inputName: String, dtype: DType) throws -> [Float] {
        switch command.method {
        case .gradient:
            return command.signed ? gradient : gradient.map(abs)
        case .inputXGradient:
            return zip(input.values, gradient).map { $0 * $1 }
        case .smoothgrad:
            let low = input.values.min() ?? 0, high = input.values.max() ?? 0
            let sigma = Float(command.noiseLevel) * (high - low)
            var generator = SeededGenerator(seed: command.seed)
            var sum = [Float](repeating: 0, count: input.values.count)
            try forEachChunk(command.samples, chunk) { count in
                var batch: [Float] = []
                batch.reserveCapacity(count * input.values.count)
                for _ in 0 ..< count { for v in input.values { batch.append(v + sigma * Self.normal(&generator)) } }
                let grads = try gradients(batch, count: count, like: input, targetIndex: targetIndex, output: output, inputName: inputName, dtype: dtype)
                for k in 0 ..< count {
                    for i in 0 ..< sum.count {
                        let v = grads[k * sum.count + i]
                        sum[i] += command.signed ? v : abs(v)
                    }
                }
            }
            return sum.map { $0 / Float(command.samples) }
        case .integratedGradients:
            let rule = PathIntegral(command.integration, steps: command.steps)
            var total = [Float](repeating: 0, count: input.values.count)
            var done = 0
            try forEachChunk(command.steps, chunk) { count in
                var batch: [Float] = []
                batch.reserveCapacity(count * input.values.count)
                for k in 0 ..< count {
                    let alpha = Float(rule.alphas[done + k])
                    for v in input.values { batch.append(alpha * v) }
                }
                let grads = try gradients(batch, count: count, like: input, targetIndex: targetIndex, output: output, inputName: inputName, dtype: dtype)
                for k in 0 ..< count {
                    let step = Float(rule.stepSizes[done + k])
                    for i in 0 ..< total.count { total[i] += grads[k * total.count + i] * step }
                }
                done += count
            }
            return zip(total, input.values).map { $0 * $1 }
        }
    }

    private func forEachChunk(_ total: Int, _ chunk: Int, _ body: (Int) throws -> Void) throws {
        var done = 0
        while done < total {
            let count = min(chunk, total - done)
            try body(count)
            done += count
        }
    }

    /// The gradients of the target with respect to the input for `count` inputs laid one after the other.
    private func gradients(_ values: [Float], count: Int, like input: ModelInputImage, targetIndex: Int, output: String, inputName: String, dtype: DType) throws -> [Float] {
        guard model.graph.runtimeInputs.count == 1 else {
            throw StrataError(.unsupported, "\(command.method.rawValue) runs the model on modified copies of the input, which Strata does only for models with one input")
        }
        var shape = input.shape
        shape[0] = count
        let tensor = try InputBatches.converted(Tensor(values, shape: shape), to: dtype)
        let request = GradientRequest(target: .index(targetIndex), output: output, differentiateProbability: command.target.targetProbability,
                                      withRespectTo: [inputName])
        guard let g = try engine.gradients(inputs: [inputName: tensor], request: request).gradients[inputName] else {
            throw StrataError(.invalidInput, "the gradient run gave no gradient for input '\(inputName)'")
        }
        return g.floats()
    }

    /// A standard normal sample (Box–Muller).
    static func normal(_ generator: inout SeededGenerator) -> Float {
        let u1 = max(Double(generator.next() >> 11) / Double(1 << 53), .leastNonzeroMagnitude)
        let u2 = Double(generator.next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// The attribution's absolute values summed over the channel axis, as a map picture.
    private func picture(_ attribution: [Float], input: ModelInputImage, targetIndex: Int) throws -> MapPicture {
        let plane = input.height * input.width
        var map = [Float](repeating: 0, count: plane)
        for p in 0 ..< plane {
            for c in 0 ..< input.channels {
                map[p] += abs(input.layout == .nchw ? attribution[c * plane + p] : attribution[p * input.channels + c])
            }
        }
        let name = classNames.flatMap { targetIndex < $0.count ? " (\($0[targetIndex]))" : nil } ?? ""
        return MapPicture(
            title: "\(command.method.rawValue) of class \(targetIndex)\(name)", map: try FloatMap(height: input.height, width: input.width, values: map),
            colorMap: .inferno, valueLabel: "Σ |attribution| over channels")
    }
}
