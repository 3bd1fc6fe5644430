/// Failures of virtual-memory reads and typed object access.
public enum MemoryError: Error, Equatable, CustomStringConvertible {
    /// No page-table entry maps the address (level says where the walk stopped).
    case unmapped(virtualAddress: UInt64, level: String)
    /// A list or tree walk came back to a node it had already visited, or ran
    /// longer than any real kernel list.
    case cycle(what: String, at: UInt64)
    /// A NULL pointer was followed.
    case nullPointer(what: String)
    /// The typed-object API was used on the wrong kind of type.
    case typeMismatch(String)
    /// A string had no NUL within the allowed length.
    case unterminatedString(at: UInt64)
    /// The dump lacks what the kernel layer needs to get started.
    case missing(String)
    /// A structure breaks an invariant the kernel keeps (a table larger than
    /// its allocation, ids out of order): damaged memory, not to be believed.
    case implausible(String)

    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case .unmapped(let va, let level): return "virtual address \(hex(va)) is not mapped (no \(level) entry)"
        case .cycle(let what, let at): return "\(what): cycle or runaway list at \(hex(at)); walk stopped"
        case .nullPointer(let what): return "NULL pointer followed in \(what)"
        case .typeMismatch(let s): return s
        case .unterminatedString(let at): return "string at \(hex(at)) is not NUL-terminated within the length cap"
        case .missing(let s): return s
        case .implausible(let s): return s
        }
    }
}
