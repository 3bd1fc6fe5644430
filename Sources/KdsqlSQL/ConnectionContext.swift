@preconcurrency import KdsqlDump
import KdsqlDebugInfo

/// Per-connection state every table and function sees: what was opened,
/// options, warnings about unreadable values, and statistics.
public final class ConnectionContext {
    public struct Options: Sendable {
        /// Unreadable column values fail the statement instead of giving NULL.
        public var strict = false
        /// Warnings kept between drains; the rest are only counted.
        public var maxWarnings = 1000
        public init(strict: Bool = false) { self.strict = strict }
    }

    public var options: Options
    /// The opened dump, if any (layer 1).
    public var dump: (any DumpFile)?
    public var symbols: (any SymbolTable)?
    public var types: (any TypeInfo)?
    public var vmcoreinfo: VMCoreInfo?

    public private(set) var warnings: [String] = []
    /// Warnings not kept because `maxWarnings` was reached.
    public private(set) var droppedWarnings = 0
    /// Rows each table's scans produced (rows visited), by table name.
    public private(set) var rowsVisited: [String: UInt64] = [:]
    /// Extra named counters a table or function may bump.
    public var counters: [String: Int64] = [:]

    public init(options: Options = Options()) {
        self.options = options
    }

    public func warn(_ message: String) {
        if warnings.count < options.maxWarnings { warnings.append(message) } else { droppedWarnings += 1 }
    }

    /// Returns and clears the warnings (the shell prints them after each statement).
    public func drainWarnings() -> [String] {
        var out = warnings
        if droppedWarnings > 0 { out.append("(\(droppedWarnings) more warnings not shown)") }
        warnings.removeAll()
        droppedWarnings = 0
        return out
    }

    func countRow(_ table: String) { rowsVisited[table, default: 0] &+= 1 }

    public func resetStatistics() {
        rowsVisited.removeAll()
        counters.removeAll()
    }

    /// Every counter `kdsql_stats` shows: page cache, then rows visited.
    public var statistics: [(name: String, value: Int64)] {
        var out: [(String, Int64)] = []
        let c = dump?.cacheStats ?? PageCacheStats()
        func i(_ v: UInt64) -> Int64 { Int64(truncatingIfNeeded: v) }
        out.append(("cache_hits", i(c.hits)))
        out.append(("cache_misses", i(c.misses)))
        out.append(("cache_evictions", i(c.evictions)))
        out.append(("bytes_decompressed", i(c.bytesDecompressed)))
        out.append(("pages_read", i(c.pagesRead)))
        out.append(("resident_bytes", i(c.residentBytes)))
        out.append(("capacity_bytes", i(c.capacityBytes)))
        for (k, v) in counters.sorted(by: { $0.key < $1.key }) { out.append((k, v)) }
        for (k, v) in rowsVisited.sorted(by: { $0.key < $1.key }) { out.append(("rows_visited.\(k)", i(v))) }
        return out
    }
}

/// Thrown by tables that need something the connection was not given.
public struct NotAvailable: Error, CustomStringConvertible {
    public var what: String
    public var neededBy: String
    public init(_ what: String, neededBy: String) {
        self.what = what
        self.neededBy = neededBy
    }
    public var description: String { "\(neededBy): no \(what) (open a dump first)" }
}
