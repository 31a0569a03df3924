import Foundation
import StrataCore

/// The step each checkpoint of `strata tensorboard` is logged at, and the order they are logged in.
///
/// With `--steps`, the steps are given in the order of the checkpoints. Otherwise they come from the
/// file names (without their last extension), split into runs of digits and the text between them:
/// the names must have the same text, and the step is the first number that differs between them, so
/// `model_epoch_01.h5 … model_epoch_30.h5` are steps 1 … 30 and `weights.05-0.23.hdf5 …
/// weights.30-0.11.hdf5` steps 5 … 30. A lone checkpoint takes the one number in its name. Steps
/// must be distinct; checkpoints are logged in increasing step order.
enum CheckpointSteps {
    struct Checkpoint: Equatable {
        var path: String
        var step: Int64
    }

    static func order(_ paths: [String], steps given: [Int64]?) throws -> [Checkpoint] {
        let steps: [Int64]
        if let given {
            guard given.count == paths.count else {
                throw StrataError(.invalidInput, "--steps gives \(given.count) step\(given.count == 1 ? "" : "s") for \(paths.count) checkpoint\(paths.count == 1 ? "" : "s")")
            }
            steps = given
        } else {
            steps = try fromNames(paths)
        }
        var seen: [Int64: String] = [:]
        for (path, step) in zip(paths, steps) {
            if let other = seen.updateValue(path, forKey: step) {
                throw StrataError(.invalidInput, "'\(other)' and '\(path)' are both step \(step); give distinct --steps")
            }
        }
        return zip(paths, steps).map { Checkpoint(path: $0, step: $1) }.sorted { $0.step < $1.step }
    }

    private static func fromNames(_ paths: [String]) throws -> [Int64] {
        let split = try paths.map { path in
            (path, try parts(((path as NSString).lastPathComponent as NSString).deletingPathExtension, of: path))
        }
        if split.count == 1 {
            guard split[0].1.numbers.count == 1 else {
                throw StrataError(.invalidInput, "cannot tell the step of '\(split[0].0)' from its name (\(split[0].1.numbers.count) numbers in it); give --steps")
            }
            return split[0].1.numbers
        }
        let first = split[0].1
        for (path, name) in split.dropFirst() where name.text != first.text {
            throw StrataError(.invalidInput, "cannot tell the steps from the names '\(split[0].0)' and '\(path)' (they differ in more than numbers); give --steps")
        }
        guard let position = first.numbers.indices.first(where: { i in split.contains { $0.1.numbers[i] != first.numbers[i] } }) else {
            throw StrataError(.invalidInput, "the checkpoint names hold no number that differs between them; give --steps")
        }
        return split.map { $0.1.numbers[position] }
    }

    /// A name as the text between its digit runs and the numbers they spell.
    private static func parts(_ name: String, of path: String) throws -> (text: [String], numbers: [Int64]) {
        var text: [String] = [""], numbers: [Int64] = []
        var digits = ""
        func endNumber() throws {
            guard !digits.isEmpty else { return }
            guard let number = Int64(digits) else {
                throw StrataError(.invalidInput, "the number \(digits) in the name of '\(path)' is too large for a step; give --steps")
            }
            numbers.append(number)
            text.append("")
            digits = ""
        }
        for character in name {
            if character.isASCII, character.isWholeNumber {
                digits.append(character)
            } else {
                try endNumber()
                text[text.count - 1].append(character)
            }
        }
        try endNumber()
        return (text, numbers)
    }
}
