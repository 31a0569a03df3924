/// A colour map: 256 RGB entries, exactly matplotlib's table of the same name, and the colour
/// Strata draws for NaN.
///
/// Value → colour is matplotlib's `cmap(norm(value))` for float32 data: `Normalization` gives x, then
/// `index(ofNormalized:)` picks the entry as `Colormap.__call__` does. Under and over colours are
/// the first and last entries, as matplotlib's defaults are. matplotlib's "bad" colour is
/// transparent black; Strata draws NaN in `badColor` instead (mid grey, or red for the grey map)
/// so that a NaN stays visible on the white figure, and says so with a "NaN" swatch next to the
/// colour bar. Overlays leave NaN pixels unblended (the base image shows through).
public struct ColorMap: Sendable, Hashable {
    /// Which table entry a normalised value takes.
    public enum Index: Sendable, Hashable {
        case entry(Int)
        /// Below 0: drawn with the first entry.
        case under
        /// Above 1: drawn with the last entry.
        case over
        /// NaN.
        case bad
    }

    /// matplotlib's name of the map (`viridis`, `RdBu_r`, …).
    public let name: String
    /// The 256 entries.
    public let entries: [RGB]
    /// The colour of NaN values.
    public let badColor: RGB
    /// Whether the map is meant for signed data centred on 0 (light or white in the middle).
    public let isDiverging: Bool

    init(name: String, table: [UInt8], isDiverging: Bool, badColor: RGB = RGB(128, 128, 128)) {
        precondition(table.count == 768, "a colour map table has 256 RGB entries")
        self.name = name
        self.entries = stride(from: 0, to: 768, by: 3).map { RGB(table[$0], table[$0 + 1], table[$0 + 2]) }
        self.isDiverging = isDiverging
        self.badColor = badColor
    }

    public static let viridis = ColorMap(name: "viridis", table: ColorMapTables.viridis, isDiverging: false)
    public static let gray = ColorMap(name: "gray", table: ColorMapTables.gray, isDiverging: false, badColor: RGB(220, 40, 40))
    public static let magma = ColorMap(name: "magma", table: ColorMapTables.magma, isDiverging: false)
    public static let inferno = ColorMap(name: "inferno", table: ColorMapTables.inferno, isDiverging: false)
    public static let plasma = ColorMap(name: "plasma", table: ColorMapTables.plasma, isDiverging: false)
    public static let jet = ColorMap(name: "jet", table: ColorMapTables.jet, isDiverging: false)
    public static let turbo = ColorMap(name: "turbo", table: ColorMapTables.turbo, isDiverging: false)
    /// Red–blue reversed: blue below 0, white at 0, red above. The default for signed data.
    public static let rdBuR = ColorMap(name: "RdBu_r", table: ColorMapTables.rdBuR, isDiverging: true)
    public static let coolwarm = ColorMap(name: "coolwarm", table: ColorMapTables.coolwarm, isDiverging: true)
    public static let bwr = ColorMap(name: "bwr", table: ColorMapTables.bwr, isDiverging: true)

    /// Every map, in the order pictures and help texts list them.
    public static let all: [ColorMap] = [viridis, gray, magma, inferno, plasma, jet, turbo, rdBuR, coolwarm, bwr]

    /// The map called `name` (matplotlib's spelling, case-insensitive), or nil.
    public init?(named name: String) {
        guard let map = ColorMap.all.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = map
    }

    /// The entry matplotlib's `Colormap.__call__` picks for the normalised float32 value `x`:
    /// `x · 256` in float32, 256 counted as 255, below 0 under, 256 and above over, NaN bad, else the
    /// product truncated toward zero.
    public static func index(ofNormalized x: Float) -> Index {
        var scaled = x * 256
        if scaled == 256 { scaled = 255 }
        if scaled.isNaN { return .bad }
        if scaled < 0 { return .under }
        if scaled >= 256 { return .over }
        return .entry(Int(scaled))
    }

    /// The colour drawn for a table index.
    public func color(at index: Index) -> RGB {
        switch index {
        case .entry(let i): return entries[i]
        case .under: return entries[0]
        case .over: return entries[255]
        case .bad: return badColor
        }
    }

    /// The colour of `value` under `normalization`; NaN takes `badColor` whatever the limits
    /// (as in matplotlib's `imshow`, which masks NaN before normalising).
    public func color(of value: Float, in normalization: Normalization) -> RGB {
        if value.isNaN { return badColor }
        return color(at: ColorMap.index(ofNormalized: normalization(value)))
    }
}
