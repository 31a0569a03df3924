/// A JSON reader (RFC 8259) over UTF-8 bytes, building any `JSONBuildable` tree in one pass.
///
/// Foundation's `JSONDecoder` was the reader before; decoding an untyped tree through `Decodable`
/// means trying each kind in turn, and every failed try builds an error with its coding path: the
/// 175 KB config of Keras' ResNet50 took 31 ms that way, and about 2 ms here.
///
/// Numbers written without fraction or exponent that fit in `Int` become ints, all others doubles,
/// correctly rounded. `nonFinite` also accepts what Python's `json` writes for non-finite floats
/// (`NaN`, `Infinity`, `-Infinity`) and reads a number beyond `Double`'s range as ±infinity, as Python
/// does; without it both are errors. Nesting deeper than `maximumDepth` is an error, not a stack
/// overflow. Errors give the byte offset.
public struct JSONScanner {
    public static let maximumDepth = 512

    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        public let offset: Int
        public var description: String { "\(reason) at byte \(offset)" }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let nonFinite: Bool
    private var position = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>, nonFinite: Bool) {
        self.bytes = bytes
        self.nonFinite = nonFinite
    }

    /// The one JSON value that `bytes` holds, surrounded by nothing but whitespace.
    public static func parse<Value: JSONBuildable>(_ bytes: UnsafeBufferPointer<UInt8>, as type: Value.Type = Value.self,
                                                   nonFinite: Bool = false) throws(Failure) -> Value {
        var scanner = JSONScanner(bytes, nonFinite: nonFinite)
        // A UTF-8 byte order mark, which some editors write and Foundation's reader skipped too.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.position = 3 }
        let value: Value = try scanner.value(depth: 0)
        scanner.skipWhitespace()
        guard scanner.position == bytes.count else { throw scanner.failure("unexpected text after the value") }
        return value
    }

    private func failure(_ reason: String) -> Failure { Failure(reason: reason, offset: position) }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func expect(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count, (0..<count).allSatisfy({ bytes[position + $0] == word.utf8Start[$0] }) else {
            throw failure("expected '\(word)'")
        }
        position += count
    }

    private mutating func value<Value: JSONBuildable>(depth: Int) throws(Failure) -> Value {
        skipWhitespace()
        guard let byte = current else { throw failure("unexpected end of text") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .jsonString(try string())
        case UInt8(ascii: "t"): try expect("true"); return .jsonBool(true)
        case UInt8(ascii: "f"): try expect("false"); return .jsonBool(false)
        case UInt8(ascii: "n"): try expect("null"); return .jsonNull
        case UInt8(ascii: "N") where nonFinite: try expect("NaN"); return .jsonDouble(.nan)
        case UInt8(ascii: "I") where nonFinite: try expect("Infinity"); return .jsonDouble(.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character '\(Unicode.Scalar(byte).escaped(asASCII: true))'")
        }
    }

    private mutating func array<Value: JSONBuildable>(depth: Int) throws(Failure) -> Value {
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var elements: [Value] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .jsonArray(elements) }
        while true {
            elements.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .jsonArray(elements)
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func object<Value: JSONBuildable>(depth: Int) throws(Failure) -> Value {
        guard depth <= Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        position += 1
        var members: [(String, Value)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .jsonObject(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a quoted key in an object") }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' after an object key") }
            position += 1
            members.append((key, try value(depth: depth)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .jsonObject(members)
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func number<Value: JSONBuildable>() throws(Failure) -> Value {
        let start = position
        if current == UInt8(ascii: "-") {
            position += 1
            if nonFinite, current == UInt8(ascii: "I") { try expect("Infinity"); return .jsonDouble(-.infinity) }
        }
        func digits(_ scanner: inout JSONScanner) -> Int {
            let first = scanner.position
            while let b = scanner.current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { scanner.position += 1 }
            return scanner.position - first
        }
        let leading = position
        guard digits(&self) > 0 else { throw failure("expected a digit") }
        if bytes[leading] == UInt8(ascii: "0"), position - leading > 1 {
            position = leading + 1
            throw failure("a number may not start with 0")
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            position += 1
            integral = false
            guard digits(&self) > 0 else { throw failure("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            integral = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if integral, let int = Int(text) { return .jsonInt(int) }
        guard let double = Double(text) else { throw Failure(reason: "unreadable number", offset: start) }
        guard double.isFinite || nonFinite else { throw Failure(reason: "number \(text) is beyond a double's range", offset: start) }
        return .jsonDouble(double)
    }

    private mutating func string() throws(Failure) -> String {
        position += 1
        let start = position
        // Most strings hold no escape: their bytes are taken as they are.
        while let b = current, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\"), b >= 0x20 { position += 1 }
        guard let stop = current else { throw Failure(reason: "unterminated string", offset: start - 1) }
        if stop == UInt8(ascii: "\"") {
            position += 1
            return try text(UnsafeBufferPointer(rebasing: bytes[start..<position - 1]), start: start)
        }
        var scalars = Array(bytes[start..<position])
        while true {
            guard let b = current else { throw Failure(reason: "unterminated string", offset: start - 1) }
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                return try scalars.withUnsafeBufferPointer { buffer throws(Failure) in try text(buffer, start: start) }
            case UInt8(ascii: "\\"):
                position += 1
                try escape(into: &scalars)
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                scalars.append(b)
                position += 1
            }
        }
    }

    private func text(_ utf8: UnsafeBufferPointer<UInt8>, start: Int) throws(Failure) -> String {
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw Failure(reason: "a string is not valid UTF-8", offset: start - 1)
        }
        return string
    }

    /// One escape after its backslash, appended as UTF-8. A lone UTF-16 surrogate, which Python's
    /// `json` writes for unpaired surrogates in a str, becomes U+FFFD.
    private mutating func escape(into out: inout [UInt8]) throws(Failure) {
        guard let b = current else { throw failure("unterminated escape") }
        position += 1
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var unit = try hexUnit()
            var scalar: Unicode.Scalar?
            if (0xD800..<0xDC00).contains(unit), bytes.count - position >= 6,
               bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                let save = position
                position += 2
                let low = try hexUnit()
                if (0xDC00..<0xE000).contains(low) {
                    scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    position = save  // the next escape stands on its own
                }
                unit = 0xFFFD
            }
            out.append(contentsOf: Array(String(Character(scalar ?? Unicode.Scalar(unit) ?? "\u{FFFD}")).utf8))
        default:
            position -= 1
            throw failure("unknown escape '\\\(Unicode.Scalar(b).escaped(asASCII: true))'")
        }
    }

    private mutating func hexUnit() throws(Failure) -> UInt32 {
        guard bytes.count - position >= 4 else { throw failure("expected four hex digits after \\u") }
        var unit: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw failure("expected four hex digits after \\u")
            }
            unit = unit << 4 | UInt32(digit)
            position += 1
        }
        return unit
    }
}
