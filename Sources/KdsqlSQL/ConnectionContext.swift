@preconcurrency import KdsqlDump
import KdsqlDebugInfo
import KdsqlMemory
import KdsqlKernel

/// Per-connection state every table and function sees: what was opened,
/// options, warnings about unreadable values, and statistics.
public final class ConnectionContext {
    public struct Options: Sendable {
        /// Unreadable column values fail the statement instead of giving NULL.
        public var strict = false
        /// Warnings kept between drains; the rest are only counted.
        public var maxWarnings = 1000
        /// Matches kd_search and kd_search_physical return at most, unless
        /// their max_matches argument says otherwise (`--search-limit`).
        public var searchLimit = 10_000
        public init(strict: Bool = false, searchLimit: Int = 10_000) {
            self.strict = strict
            self.searchLimit = searchLimit
        }
    }

    public var options: Options
    /// The opened kernel, if any; tables that need one say so when queried.
    public private(set) var kernel: Kernel?
    /// The kernel's walkers, shared by every table of the connection.
    public private(set) var session: KernelSession?
    /// Set from `kernel`, or directly (tests give synthetic sources).
    public var dump: (any DumpFile)?
    public var symbols: (any SymbolTable)?
    public var vmcoreinfo: VMCoreInfo?
    /// Type information given directly; otherwise the kernel's BTF, loaded
    /// on first use by `typeInfo(neededBy:)`.
    public var types: (any TypeInfo)?

    public private(set) var warnings: [String] = []
    /// Warnings not kept because `maxWarnings` was reached.
    public private(set) var droppedWarnings = 0
    /// Rows each table's scans produced (rows visited), by table name.
    public var rowsVisited: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for (name, counter) in rowCounters where counter.value > 0 { out[name] = counter.value }
        return out
    }
    /// One counter object per table, fetched once per connected table, so
    /// counting a row is an increment rather than a dictionary update.
    @usableFromInline
    final class RowCounter {
        @exclusivity(unchecked) @usableFromInline var value: UInt64 = 0
        init() {}
    }
    private var rowCounters: [String: RowCounter] = [:]
    /// Extra named counters tables and functions keep (shown by kdsql_stats).
    public var counters: [String: Int64] {
        var out: [String: Int64] = [:]
        for (name, counter) in namedCounters { out[name] = counter.value }
        return out
    }
    private var namedCounters: [String: Counter] = [:]

    /// A named counter; fetch it once (when a scan opens) and bump
    /// `value` per row: an increment, not a dictionary update.
    public final class Counter {
        // Single-threaded per connection; skip the dynamic exclusivity check per bump.
        @exclusivity(unchecked) public var value: Int64 = 0
        init() {}
    }

    public func counter(_ name: String) -> Counter {
        if let c = namedCounters[name] { return c }
        let c = Counter()
        namedCounters[name] = c
        return c
    }

    public init(kernel: Kernel? = nil, options: Options = Options()) {
        self.kernel = kernel
        self.session = kernel.map(KernelSession.init(kernel:))
        self.options = options
        dump = kernel?.dump
        symbols = kernel?.symbols
        vmcoreinfo = kernel?.vmcoreinfo
    }

    /// Makes `kernel` the dump every table and function reads from now on
    /// (`kdsql_open()` in the loadable extension). Walkers set up for the
    /// previous kernel are dropped; statements already running keep theirs.
    public func attach(_ kernel: Kernel) {
        self.kernel = kernel
        session = KernelSession(kernel: kernel)
        dump = kernel.dump
        symbols = kernel.symbols
        vmcoreinfo = kernel.vmcoreinfo
        types = nil
        resetStatistics()
        _ = drainWarnings()
    }

    /// The opened kernel, or an error naming who needed it.
    public func kernel(neededBy user: String) throws -> Kernel {
        guard let kernel else { throw NotAvailable("kernel dump", neededBy: user) }
        return kernel
    }

    /// The kernel's walkers, or an error naming who needed them.
    public func session(neededBy user: String) throws -> KernelSession {
        guard let session else { throw NotAvailable("kernel dump", neededBy: user) }
        return session
    }

    public func typeInfo(neededBy user: String) throws -> any TypeInfo {
        if let types { return types }
        guard let kernel else { throw NotAvailable("type information", neededBy: user) }
        return try kernel.types()
    }

    public func warn(_ message: String) {
        if warnings.count < options.maxWarnings { warnings.append(message) } else { droppedWarnings += 1 }
    }

    /// One line about the objects the last statement could not read, e.g.
    /// `37 objects unreadable (excluded pages); see kdsql_warnings`; nil when
    /// there were none. Clears the count.
    public func drainDamageSummary() -> String? {
        kernel?.warnings.drainSummary().map { $0 + "; see kdsql_warnings" }
    }

    /// Set when a statement failed because the dump itself is damaged where
    /// the statement needed it (as opposed to an SQL mistake); cleared by `takeDamageFailure`.
    public private(set) var damageFailure: String?

    /// Records `error` if it is dump damage rather than a usage error.
    public func noteFailure(_ error: any Error) {
        if error is DumpError || KernelWarnings.unreadableCause(error) != nil { damageFailure = "\(error)" }
    }

    public func takeDamageFailure() -> String? {
        defer { damageFailure = nil }
        return damageFailure
    }

    /// Returns and clears the warnings (the shell prints them after each statement).
    public func drainWarnings() -> [String] {
        var out = warnings
        if droppedWarnings > 0 { out.append("(\(droppedWarnings) more warnings not shown)") }
        warnings.removeAll()
        droppedWarnings = 0
        return out
    }

    @usableFromInline
    func rowCounter(_ table: String) -> RowCounter {
        if let c = rowCounters[table] { return c }
        let c = RowCounter()
        rowCounters[table] = c
        return c
    }

    public func resetStatistics() {
        for c in rowCounters.values { c.value = 0 }
        for c in namedCounters.values { c.value = 0 }
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
        if c.readAheadDecoded > 0 {
            out.append(("read_ahead_decoded", i(c.readAheadDecoded)))
            out.append(("read_ahead_used", i(c.readAheadUsed)))
        }
        // DWARF is indexed one compilation unit at a time, as types are asked for.
        if let dwarf = (types ?? kernel?.loadedTypeInfo) as? DwarfTypeInfo {
            out.append(("dwarf_units_indexed", Int64(dwarf.unitsIndexed)))
        }
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
    public var description: String { "\(neededBy): no \(what) is open (give kdsql a dump file)" }
}
