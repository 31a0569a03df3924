import Foundation
import StrataTestSupport
import XCTest

/// The folder of the byte-exact picture goldens (`Tests/StrataRenderTests/Goldens/`, checked with
/// `Golden.assertMatches`), and the hint a mismatch adds.
enum PictureGolden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Goldens"

    /// What to check when a picture differs from its golden.
    static let hint = "Fonts or cairo differ? Tools/install-deps.sh installs libcairo2-dev and fonts-dejavu-core."
}
