import Foundation
import StrataCore

extension DiagramOptions {
    /// The JSON form of the options: the long option names of `strata diagram` as keys.
    private struct Config: Decodable {
        var rankdir: String?
        var showShapes, showParams, showAttrs, showDtype, legend: Bool?
        var expandNested, collapseNested, allNodes, edgeShapes: Bool?
        var maxDepth: Int?
        var from, to: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case rankdir, legend, from, to
            case showShapes = "show-shapes", showParams = "show-params", showAttrs = "show-attrs"
            case showDtype = "show-dtype", expandNested = "expand-nested", collapseNested = "collapse-nested"
            case allNodes = "all-nodes", edgeShapes = "edge-shapes", maxDepth = "max-depth"
        }
    }

    /// Any JSON value, to list an object's keys.
    private struct Ignored: Decodable {
        init(from decoder: Decoder) throws {}
    }

    /// Sets the options a JSON object names: keys are the long option names of `strata diagram`
    /// (`"rankdir": "LR"`, `"show-params": true`, `"max-depth": 2`, `"from": "conv1"`); `null`
    /// leaves an option as it is. Unknown keys and values of the wrong type are errors, so a
    /// misspelt option is never silently ignored.
    public mutating func apply(config data: Data) throws {
        let decoder = JSONDecoder()
        let keys: [String: Ignored]
        do {
            keys = try decoder.decode([String: Ignored].self, from: data)
        } catch {
            throw StrataError(.invalidInput, "diagram config must be a JSON object")
        }
        let known = Set(Config.CodingKeys.allCases.map(\.rawValue))
        if let unknown = keys.keys.sorted().first(where: { !known.contains($0) }) {
            throw StrataError(.invalidInput, "diagram config has an unknown option '\(unknown)'")
        }
        let config: Config
        do {
            config = try decoder.decode(Config.self, from: data)
        } catch let DecodingError.typeMismatch(_, context) {
            throw StrataError(.invalidInput, "diagram config '\(context.codingPath.first?.stringValue ?? "?")' has the wrong type")
        } catch {
            throw StrataError(.invalidInput, "diagram config cannot be read: \(error)")
        }
        if let value = config.rankdir {
            guard let direction = RankDirection(rawValue: value) else {
                throw StrataError(.invalidInput, "diagram config 'rankdir' must be one of TB, LR, BT, RL")
            }
            rankdir = direction
        }
        if let depth = config.maxDepth {
            guard depth >= 1 else { throw StrataError(.invalidInput, "diagram config 'max-depth' must be at least 1") }
            maxDepth = depth
        }
        showShapes = config.showShapes ?? showShapes
        showParams = config.showParams ?? showParams
        showAttrs = config.showAttrs ?? showAttrs
        showDtype = config.showDtype ?? showDtype
        legend = config.legend ?? legend
        if let collapse = config.collapseNested { expandNested = !collapse }
        expandNested = config.expandNested ?? expandNested
        allNodes = config.allNodes ?? allNodes
        edgeShapes = config.edgeShapes ?? edgeShapes
        from = config.from ?? from
        to = config.to ?? to
    }
}
