/// Parses the Python literal in an `.npy` header: dicts, tuples, lists, quoted strings, integers,
/// `True`/`False`/`None`. Never evaluates anything.
struct PythonLiteralParser {
    /// A value in the Python literal subset `.npy` headers use.
    enum Value: Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case tuple([Value])
        case list([Value])
        case dictionary([String: Value])
        case none
    }

    struct Failure: Error { let message: String }

    private let chars: [Character]
    private var index = 0
    private var depth = 0

    init(_ text: String) { chars = Array(text) }

    mutating func parseValue() throws -> Value {
        skipSpace()
        guard index < chars.count else { throw Failure(message: "unexpected end") }
        depth += 1
        defer { depth -= 1 }
        guard depth < 32 else { throw Failure(message: "nested too deeply") }
        let c = chars[index]
        switch c {
        case "{":
            index += 1
            var out: [String: Value] = [:]
            for element in try parseSequence(closing: "}", keyed: true) {
                guard case .tuple(let pair) = element, case .string(let key) = pair[0] else {
                    throw Failure(message: "dictionary key is not a string")
                }
                out[key] = pair[1]
            }
            return .dictionary(out)
        case "(":
            index += 1
            return .tuple(try parseSequence(closing: ")", keyed: false))
        case "[":
            index += 1
            return .list(try parseSequence(closing: "]", keyed: false))
        case "'", "\"":
            return .string(try parseString(quote: c))
        default:
            var word = ""
            while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "-" || chars[index] == "+" {
                word.append(chars[index])
                index += 1
            }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                // Python 2 wrote long integers with an `L` suffix.
                let digits = word.hasSuffix("L") ? String(word.dropLast()) : word
                guard let v = Int(digits) else { throw Failure(message: "unexpected '\(word.isEmpty ? String(c) : word)'") }
                return .int(v)
            }
        }
    }

    private mutating func parseSequence(closing: Character, keyed: Bool) throws -> [Value] {
        var items: [Value] = []
        while true {
            skipSpace()
            guard index < chars.count else { throw Failure(message: "missing '\(closing)'") }
            if chars[index] == closing {
                index += 1
                return items
            }
            let value = try parseValue()
            if keyed {
                skipSpace()
                guard index < chars.count, chars[index] == ":" else { throw Failure(message: "missing ':'") }
                index += 1
                items.append(.tuple([value, try parseValue()]))
            } else {
                items.append(value)
            }
            skipSpace()
            guard index < chars.count else { throw Failure(message: "missing '\(closing)'") }
            if chars[index] == "," {
                index += 1
            } else if chars[index] != closing {
                throw Failure(message: "expected ',' or '\(closing)'")
            }
        }
    }

    private mutating func parseString(quote: Character) throws -> String {
        index += 1
        var out = ""
        while index < chars.count, chars[index] != quote {
            if chars[index] == "\\", index + 1 < chars.count { index += 1 }
            out.append(chars[index])
            index += 1
        }
        guard index < chars.count else { throw Failure(message: "unterminated string") }
        index += 1
        return out
    }

    private mutating func skipSpace() {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
    }
}
