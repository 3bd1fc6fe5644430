import KdsqlDump

/// Objects a scan could not read and skipped, kept for the whole session.
///
/// Field dumps are damaged more often than not (makedumpfile filtering, files
/// cut short), so a walker that meets an unreadable task, VMA, file or log
/// record skips it, records it here and goes on. Repeats of one kind of
/// problem in one place are counted, not listed: a `-d 31` dump of a 6.10+
/// kernel loses thousands of slab objects for the same reason. In strict mode
/// `skip` rethrows instead, and the statement stops as it did before.
public final class KernelWarnings {
    public struct Entry: Sendable, Equatable {
        /// Order of first occurrence, from 1.
        public var seq: Int
        /// The table (or other scope) that met the problem; "" when none was set.
        public var scope: String
        /// Address of the first object affected, if there is one.
        public var address: UInt64?
        public var message: String
        /// Occurrences (same scope and message).
        public var count: Int
        public init(seq: Int, scope: String, address: UInt64?, message: String, count: Int) {
            self.seq = seq
            self.scope = scope
            self.address = address
            self.message = message
            self.count = count
        }
    }

    /// Refuse instead of skipping (`--strict`).
    public var strict = false
    /// What the current scan is (the SQL layer sets the table name).
    public var scope = ""
    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]
    /// Objects skipped since the last `drainSummary()`, by cause.
    private var pending: [String: Int] = [:]

    public init() {}

    /// Records an object skipped because of `error`, or rethrows it when the
    /// error is not about unreadable memory (a bug must stay loud) or when
    /// strict. `what` names the object ("task_struct", "vm_area_struct").
    public func skip(_ what: String, at address: UInt64?, because error: any Error) throws {
        guard !strict, let cause = KernelWarnings.unreadableCause(error) else { throw error }
        note("\(what) unreadable: \(KernelWarnings.reason(error))", at: address, cause: cause)
    }

    /// Runs `body`; when it fails for memory the dump lacks, records `what`
    /// as skipped (or rethrows, as `skip` does) and returns nil.
    public func skipping<T>(_ what: String, at address: UInt64?, _ body: () throws -> T) throws -> T? {
        do { return try body() } catch {
            try skip(what, at: address, because: error)
            return nil
        }
    }

    /// Records a problem that changes no value but should be known (a list
    /// that had to be resumed from its other end, an implausible header field).
    public func note(_ message: String, at address: UInt64?, cause: String = "suspicious data") {
        let key = scope + "\u{0}" + message
        if let i = index[key] {
            entries[i].count += 1
        } else {
            index[key] = entries.count
            entries.append(Entry(seq: entries.count + 1, scope: scope, address: address, message: message, count: 1))
        }
        pending[cause, default: 0] += 1
    }

    /// One line for stderr after a statement, e.g.
    /// `37 objects unreadable (excluded pages)`, then reset; nil when nothing happened.
    public func drainSummary() -> String? {
        defer { pending.removeAll() }
        guard !pending.isEmpty else { return nil }
        let total = pending.values.reduce(0, +)
        let causes = pending.sorted { $0.value > $1.value }.map(\.key).joined(separator: ", ")
        return "\(total) object\(total == 1 ? "" : "s") unreadable (\(causes))"
    }

    /// The kind of damage behind an error that a scan may step over, or nil.
    public static func unreadableCause(_ error: any Error) -> String? {
        switch error {
        case let e as DumpError:
            switch e {
            case .pageExcluded: return "excluded pages"
            case .pageMissing: return "pages past the end of the truncated dump"
            case .notInDump: return "addresses outside the dump"
            case .decompressionFailed, .corrupt: return "corrupt pages"
            default: return nil
            }
        case let e as MemoryError:
            switch e {
            case .unmapped: return "unmapped addresses"
            case .cycle, .nullPointer, .unterminatedString: return "broken links"
            case .implausible: return "implausible data"
            default: return nil
            }
        default: return nil
        }
    }

    /// The error's own text without the address details that make every line unique.
    public static func reason(_ error: any Error) -> String {
        switch error {
        case let e as DumpError:
            switch e {
            case .pageExcluded: return "page excluded from the dump"
            case .pageMissing: return "page past the end of the truncated dump"
            case .notInDump: return "address outside the dump"
            case .decompressionFailed: return "page data does not decompress"
            default: return "\(e)"
            }
        case let e as MemoryError:
            switch e {
            case .unmapped: return "address not mapped"
            default: return "\(e)"
            }
        default: return "\(error)"
        }
    }
}
