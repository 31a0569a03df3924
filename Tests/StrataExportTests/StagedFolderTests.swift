import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

final class StagedFolderTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = try makeScratchFolder(prefix: "strata-staged")
    }

    func contents(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func testSubfoldersAndHostileNamesStayInside() throws {
        let destination = folder + "/out"
        let staged = try StagedFolder(destination: destination, reserved: ["manifest.json", "index.html"])
        let a = try staged.write([1], name: "../../etc/passwd", fileExtension: "png", subfolder: "../cat.jpg")
        let b = try staged.write([2], name: "conv1", fileExtension: "png", subfolder: "../cat.jpg")
        let c = try staged.write([3], name: "conv1", fileExtension: "png", subfolder: "dog.jpg")
        let d = try staged.write([4], name: "index", fileExtension: "html")
        XCTAssertEqual([a, b, c, d], ["_.._cat.jpg/_.._.._etc_passwd.png", "_.._cat.jpg/conv1.png", "dog.jpg/conv1.png", "index_1.html"])
        try staged.commit(last: [("manifest.json", Array("{}".utf8))])
        XCTAssertEqual(contents(destination), ["_.._cat.jpg", "dog.jpg", "index_1.html", "manifest.json"])
        XCTAssertEqual(contents(destination + "/_.._cat.jpg"), ["_.._.._etc_passwd.png", "conv1.png"])
        XCTAssertEqual(contents(folder), ["out"], "staging folder left behind")
    }

    func testAbandonLeavesNothingBehind() throws {
        let staged = try StagedFolder(destination: folder + "/new/parent/out")
        try staged.write([1], name: "a", fileExtension: "png", subfolder: "img")
        staged.abandon()
        XCTAssertEqual(contents(folder), [])
    }

    func testAFileWhereASubfolderGoesFailsTheCommit() throws {
        let destination = folder + "/out"
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: destination + "/img"))
        let staged = try StagedFolder(destination: destination)
        try staged.write([1], name: "a", fileExtension: "png", subfolder: "img")
        XCTAssertThrowsError(try staged.commit())
        XCTAssertEqual(contents(destination), ["img"])
        XCTAssertEqual(contents(folder), ["out"], "staging folder left behind")
    }
}

final class PictureIndexPageTests: XCTestCase {
    func testNamesAreEscapedAndPathsEncoded() {
        let page = PictureIndexPage(
            title: "maps of <script>", subtitle: ["model: a&b.onnx"],
            sections: [.init(heading: "layer \"x\"", pictures: [.init(file: "dir/a b#?.png", caption: "it's <b>")],
                             links: [.init(file: "m%.npy", caption: "mean")])])
        let html = page.rendered()
        XCTAssertTrue(html.contains("<title>maps of &lt;script&gt;</title>"))
        XCTAssertTrue(html.contains("<p class=\"sub\">model: a&amp;b.onnx</p>"))
        XCTAssertTrue(html.contains("<h2>layer &quot;x&quot;</h2>"))
        XCTAssertTrue(html.contains("<img src=\"dir/a%20b%23%3F.png\" alt=\"it&#39;s &lt;b&gt;\""))
        XCTAssertTrue(html.contains("<a href=\"m%25.npy\">mean</a>"))
        XCTAssertFalse(html.contains("<script>"))
    }
}
