import ArgumentParser
import Foundation

/// `--steps 1,2,5`: one non-negative step per checkpoint.
public struct StepList: ExpressibleByArgument, Sendable {
    public let values: [Int64]

    public init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 0 }) else { return nil }
        self.values = values
    }
}
