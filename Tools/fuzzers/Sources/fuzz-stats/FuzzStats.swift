import Foundation
import FuzzSupport
import StrataAnalysis
@testable import StrataCommands
import StrataCore

/// A statistics document as `strata stats merge` reads it: JSON parsing (`JSONValue.parse`), the
/// document's validation, a merge of the document with itself (two shards), the merged document's
/// JSON, and the table `stats` prints.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStats(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.one(data, size) { bytes in
        let json = try JSONValue.parse(Data(bytes), file: "stats.json")
        let document = try StatisticsDocument(json: json, file: "stats.json")
        let merged = try StatisticsDocument.merged([document, document], files: ["a.json", "b.json"])
        _ = merged.rendered()
        StatsTable.print(merged, on: Console.capture())
    }
}
