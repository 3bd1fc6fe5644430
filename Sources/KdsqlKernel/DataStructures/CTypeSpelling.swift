import KdsqlMemory

/// Sizes of types as a C programmer spells them. The type info names the
/// base types as the compiler does (`long unsigned int`, BTF and DWARF
/// alike), and a pointer type is not looked up at all: every pointer is 8
/// bytes on x86-64.
public enum CTypeSpelling {
    /// C's spellings of the base types and the compiler's names for them.
    static let compilerNames: [String: String] = [
        "unsigned long": "long unsigned int", "unsigned long int": "long unsigned int",
        "long": "long int", "signed long": "long int",
        "unsigned long long": "long long unsigned int", "long long": "long long int",
        "unsigned": "unsigned int", "signed": "int", "signed int": "int",
        "short": "short int", "unsigned short": "short unsigned int", "short unsigned": "short unsigned int",
    ]

    public static func size(of spelling: String, kernel: Kernel) throws -> Int {
        let s = spelling.split(separator: " ").joined(separator: " ")
        if s.hasSuffix("*") { return 8 }
        if let name = compilerNames[s] { return try kernel.size(of: name) }
        return try kernel.size(of: s)
    }
}
