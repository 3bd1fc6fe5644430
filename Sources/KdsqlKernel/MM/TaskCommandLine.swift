import KdsqlMemory
import KdsqlDump

/// A process's argv as /proc/PID/cmdline shows it (fs/proc/base.c
/// get_mm_cmdline): the bytes between `mm->arg_start` and `mm->arg_end`,
/// read from user memory through the process's own page table.
///
/// User pages are often not in a dump (makedumpfile -d 8 and up drops
/// them); then the answer is nil, not an error.
public struct TaskCommandLine {
    let kernel: Kernel
    let summary: MmSummary
    /// MAX_ARG_STRLEN * a few: nothing real is longer; a bigger span means a corrupt mm.
    static let maxBytes = 2 << 20

    public init(kernel: Kernel, summary: MmSummary) {
        self.kernel = kernel
        self.summary = summary
    }

    /// argv of the address space `mm`, or nil when its pages are not in the dump.
    public func argv(mm: UInt64) throws -> [String]? {
        guard mm != 0 else { return nil }
        let start = try summary.argStart(mm), end = try summary.argEnd(mm)
        guard end > start else { return [] }
        guard end - start <= UInt64(Self.maxBytes) else {
            throw MemoryError.typeMismatch("mm 0x\(String(mm, radix: 16)) has arg_start..arg_end spanning \(end - start) bytes; the mm is corrupt")
        }
        let root = try summary.pgdPhysical(mm)
        do {
            let args = try kernel.readUser(start, count: Int(end - start), pgdPhysical: root)
            guard args.last != 0 else { return Self.decode(args) }
            // setproctitle(3) overwrote the final NUL: the title may run on
            // into the environment (get_mm_proctitle), up to the first NUL.
            let envEnd = try summary.envEnd(mm), envStart = try summary.envStart(mm)
            var more: [UInt8] = []
            if envStart == end, envEnd > envStart {
                more = (try? kernel.readUser(envStart, count: Int(min(envEnd - envStart, 4096)), pgdPhysical: root)) ?? []
            }
            return Self.decode(args, continuation: more)
        } catch let e as DumpError {
            switch e {
            case .pageExcluded, .notInDump: return nil
            default: throw e
            }
        } catch MemoryError.unmapped {
            return nil
        }
    }

    /// Splits the argument area into argv strings. Normally the area is
    /// NUL-separated and NUL-terminated; when its last byte is not NUL the
    /// process rewrote its title and the whole text up to the first NUL
    /// (possibly running into `continuation`, the environment) is one string.
    public static func decode(_ args: [UInt8], continuation: [UInt8] = []) -> [String] {
        guard let last = args.last else { return [] }
        if last != 0 {
            let all = args + continuation
            let title = all.prefix { $0 != 0 }
            return [String(decoding: title, as: UTF8.self)]
        }
        return args.dropLast().split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// argv joined by spaces, like `ps -o args`.
    public static func text(_ argv: [String]) -> String { argv.joined(separator: " ") }
}
