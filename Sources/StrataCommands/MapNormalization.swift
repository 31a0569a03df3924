import ArgumentParser
import StrataRender

/// `--normalize`: how a grid's tiles map onto the colour map.
public enum MapNormalization: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Each channel from its own min to its max (what `imshow` does per subplot).
    case channel
    /// One scale over the shown channels of the layer (for that image), in activation units.
    case layer
    /// No normalisation: values drawn on a fixed 0 … 1 scale, clipped at both ends.
    case none

    var scale: ColorScale {
        switch self {
        case .channel: return .perTile
        case .layer: return .global
        case .none: return .fixed(vmin: 0, vmax: 1)
        }
    }

    var caption: String {
        switch self {
        case .channel: return "per-channel scale"
        case .layer: return "one scale for the layer"
        case .none: return "fixed scale 0 … 1"
        }
    }
}

/// `--cmap`: a matplotlib colour map by name.
public struct ColorMapArgument: ExpressibleByArgument, Sendable {
    public let map: ColorMap

    public init?(argument: String) {
        guard let map = ColorMap(named: argument) else { return nil }
        self.map = map
    }

    public static var allValueStrings: [String] { ColorMap.all.map(\.name) }
}
