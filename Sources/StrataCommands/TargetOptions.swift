import ArgumentParser
import Foundation
import StrataCore
import StrataEngine

/// `--target`, `--class-names` and `--target-prob`: which output element a gradient command
/// differentiates. Shared by `strata run --grad` and the CAM and saliency commands.
///
/// A target is `top` (each image's highest-scoring class), a class index, a class name from
/// `--class-names` (one name per line, line 1 is class 0), or any of these after an output tensor
/// name: `probs[3]`, `logits[cat]`, `out[top]`. The score is the logit feeding the model's final
/// Softmax unless `--target-prob` asks for the probability (see `GradientRequest`).
public struct TargetOptions: ParsableArguments {
    @Option(name: .customLong("target"), help: ArgumentHelp(
        "What to differentiate: top, a class index, a class name (with --class-names), or OUTPUT[top|INDEX|NAME] (default: top).",
        valueName: "target"))
    public var target: String?

    @Option(name: .customLong("class-names"), help: ArgumentHelp(
        "A text file of class names, one per line (line 1 is class 0), for naming targets.", valueName: "file"))
    public var classNamesFile: String?

    @Flag(name: .customLong("target-prob"), help: "Differentiate the probability (the final Softmax's output) instead of the logit.")
    public var targetProbability = false

    public init() {}

    /// A target as written on the command line.
    public struct Spec: Sendable, Equatable {
        /// What identifies the element within each row.
        public enum Element: Sendable, Equatable {
            case top
            case index(Int)
            case name(String)
        }

        /// The output tensor named before `[…]`; nil for the model's first output.
        public var output: String?
        public var element: Element

        /// Parses `top`, `7`, `tabby`, `probs[7]`, `probs[tabby]`, `probs[top]`.
        public init(parsing text: String) throws {
            var output: String?
            var inner = text
            if text.hasSuffix("]"), let open = text.lastIndex(of: "["), open != text.startIndex {
                output = String(text[..<open])
                inner = String(text[text.index(after: open) ..< text.index(before: text.endIndex)])
            }
            guard !inner.isEmpty else { throw ValidationError("empty target in '\(text)'") }
            self.output = output
            if inner == "top" {
                element = .top
            } else if let index = Int(inner) {
                guard index >= 0 else { throw ValidationError("target index \(index) is negative") }
                element = .index(index)
            } else {
                element = .name(inner)
            }
        }
    }

    public func validate() throws {
        if let target { _ = try Spec(parsing: target) }
        if classNamesFile?.isEmpty == true { throw ValidationError("--class-names must not be empty") }
    }

    /// The class names from `--class-names`, or nil without it. Errors: an unreadable, empty or
    /// oversized file (at most 16 MiB), or one that is not UTF-8.
    public func classNames() throws -> [String]? {
        guard let path = classNamesFile else { return nil }
        let data = try InputFile.contents(path, limit: 16 << 20)
        guard let text = String(data: data, encoding: .utf8) else {
            throw StrataError(.invalidInput, "the class names file is not UTF-8 text", at: ErrorLocation(file: path))
        }
        var names = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if names.last == "" { names.removeLast() }
        guard !names.isEmpty else { throw StrataError(.invalidInput, "the class names file is empty", at: ErrorLocation(file: path)) }
        return names
    }

    /// The gradient request for `spec` (default `--target`, else `top`) with respect to
    /// `tensors`, resolving a class name through `classNames`.
    public func request(spec text: String? = nil, classNames: [String]?, withRespectTo tensors: [String]) throws -> GradientRequest {
        let spec = try Spec(parsing: text ?? target ?? "top")
        let element: GradientTarget
        switch spec.element {
        case .top: element = .top
        case .index(let i): element = .index(i)
        case .name(let name):
            guard let classNames else {
                throw StrataError(.invalidInput, "target '\(name)' is a class name; give --class-names FILE to resolve it")
            }
            guard let i = classNames.firstIndex(of: name) else {
                throw StrataError(.invalidInput, "target '\(name)' is not in the class names file (\(classNames.count) names)")
            }
            element = .index(i)
        }
        return GradientRequest(target: element, output: spec.output, differentiateProbability: targetProbability,
                               withRespectTo: tensors)
    }

    /// What a gradient run differentiated, as the `"gradient"` object of a manifest:
    /// `{"output", "tensor", "probability", "targets": [{"index", "name"?, "score"}]}`, one target per batch row.
    public static func describe(_ run: GradientRun, classNames: [String]?) -> JSONValue {
        .object([
            ("output", .string(run.output)),
            ("tensor", .string(run.scoredTensor)),
            ("probability", .bool(run.differentiatesProbability)),
            ("targets", .array(zip(run.targetIndices, run.scores).map { index, score in
                var members: [(String, JSONValue)] = [("index", .int(index))]
                if let classNames, index < classNames.count { members.append(("name", .string(classNames[index]))) }
                members.append(("score", .double(Double(score))))
                return .object(members)
            })),
        ])
    }
}
