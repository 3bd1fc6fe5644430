import KdsqlMemory
import KdsqlDebugInfo

/// The address a walker argument names: a number (`18446744071…`,
/// `0xffffffff82a0c940`), a symbol (`modules`, `runqueues`), or a symbol
/// followed by a member path inside it (`init_task.tasks`,
/// `init_pid_ns.idr`), which needs the symbol's type (`KernelGlobals`).
/// Only `.` and `[N]` are allowed after the symbol: the result is an
/// address inside the variable, never a pointer followed.
public enum SymbolPath {
    public static func address(of text: String, kernel: Kernel) throws -> UInt64 {
        let spelled = String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        if let n = number(spelled) { return n }
        let nameEnd = spelled.firstIndex { $0 == "." || $0 == "[" } ?? spelled.endIndex
        let name = String(spelled[..<nameEnd])
        guard !name.isEmpty else { throw MemoryError.missing("'\(text)' is neither an address nor a symbol path") }
        let base = try kernel.address(of: name)
        guard nameEnd < spelled.endIndex else { return base }
        var path = String(spelled[nameEnd...])
        if path.hasPrefix(".") { path.removeFirst() }
        guard !path.contains("->") else {
            throw MemoryError.missing("'\(text)': only '.' and '[N]' may follow the symbol here (the result is an address inside \(name))")
        }
        guard let type = KernelGlobals.types[name] else {
            throw MemoryError.missing("'\(text)': the type of \(name) is not known, so its member '\(path)' cannot be found; give the address, e.g. kd_symbol_address('\(name)') + kd_offsetof('TYPE', '\(path)')")
        }
        return base &+ (try kernel.field(type, path)).offset
    }

    /// A decimal or 0x-hexadecimal integer, or nil.
    static func number(_ s: String) -> UInt64? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
        if s.hasPrefix("-"), let v = Int64(s) { return UInt64(bitPattern: v) }
        return UInt64(s)
    }
}
