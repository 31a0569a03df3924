/// The colours of a scatter plot's groups: matplotlib's `tab10` for up to 10 groups, `tab20` for
/// up to 20 (`Tools/make-colormaps.py`), `tab20` again from the 21st (colours then repeat), and a
/// light grey for points in no group.
public enum GroupColors {
    /// The colour of points in no group.
    public static let none = RGB(199, 199, 199)

    /// The colour of group `index` (0-based) among `count` groups.
    public static func color(_ index: Int, of count: Int) -> RGB {
        let table = count <= 10 ? QualitativeColorTables.tab10 : QualitativeColorTables.tab20
        let entries = table.count / 3
        let i = (index % entries + entries) % entries
        return RGB(table[3 * i], table[3 * i + 1], table[3 * i + 2])
    }
}
