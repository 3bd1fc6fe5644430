/// Splits `.kdt` text into tokens, tracking line and column. Works on UTF-8
/// bytes (the definitions are parsed at every start-up, so no Foundation and
/// no per-character String work).
struct DefinitionLexer {
    enum Kind: Equatable {
        case word(String)       // names, keywords, SQL types, LIKE/GLOB
        case string(String)
        case symbol(String)     // { } ( ) , ; = < <= > >= !=
        case end
    }
    struct Token {
        var kind: Kind
        var location: SourceLocation
        /// How the token reads in an error message.
        var spelling: String {
            switch kind {
            case .word(let w): return "'\(w)'"
            case .string: return "a string"
            case .symbol(let s): return "'\(s)'"
            case .end: return "end of file"
            }
        }
    }

    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private var here: SourceLocation { SourceLocation(file: file, line: line, column: index - lineStart + 1) }

    mutating func next() throws -> Token {
        skipSpaceAndComments()
        let start = here
        guard index < bytes.count else { return Token(kind: .end, location: start) }
        let b = bytes[index]
        if isLetter(b) {
            let begin = index
            while index < bytes.count, isLetter(bytes[index]) || isDigit(bytes[index]) { index += 1 }
            return Token(kind: .word(String(decoding: bytes[begin..<index], as: UTF8.self)), location: start)
        }
        if b == UInt8(ascii: "\"") { return Token(kind: .string(try string(start)), location: start) }
        index += 1
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return Token(kind: .symbol(String(UnicodeScalar(b))), location: start)
        case UInt8(ascii: "<"), UInt8(ascii: ">"):
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                return Token(kind: .symbol(String(UnicodeScalar(b)) + "="), location: start)
            }
            return Token(kind: .symbol(String(UnicodeScalar(b))), location: start)
        case UInt8(ascii: "!"):
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                return Token(kind: .symbol("!="), location: start)
            }
            throw DefinitionError("'!' must be followed by '=' (the != operator)", at: start)
        default:
            let shown = b >= 0x20 && b < 0x7f ? "'\(UnicodeScalar(b))'" : "byte 0x\(String(b, radix: 16))"
            throw DefinitionError("unexpected character \(shown)", at: start)
        }
    }

    private mutating func skipSpaceAndComments() {
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\n") {
                index += 1
                line += 1
                lineStart = index
            } else if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                index += 1
            } else if b == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else {
                return
            }
        }
    }

    /// A one-line string with \" and \\ escapes; the opening quote is at `index`.
    private mutating func string(_ start: SourceLocation) throws -> String {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") || bytes[index + 1] == UInt8(ascii: "\\") else {
                    throw DefinitionError("unknown escape in string (only \\\" and \\\\ are allowed)", at: here)
                }
                out.append(bytes[index + 1])
                index += 2
            case UInt8(ascii: "\n"):
                throw DefinitionError("string not closed before the end of the line", at: start)
            default:
                out.append(b)
                index += 1
            }
        }
        throw DefinitionError("string not closed before the end of the file", at: start)
    }

    private func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
    }
    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
