import KdsqlMemory
import KdsqlKernel

/// `kd_search(start, end, value [, mask [, max_matches]])`: crash's `search`
/// over kernel virtual memory.
struct KdSearchTable: VirtualTable {
    typealias Row = SearchRequest.Row

    static var columns: Columns {
        Columns(
            address: .address { $0.match.address },
            value: .address { $0.match.value },
            symbol: .text { $0.symbol })
    }
    static var estimatedRows: Double { 100 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let request = try SearchRequest(name: Self.name, start: filter.rangeStart, end: filter.rangeEnd, target: filter.target,
                                        mask: filter.mask, maxMatches: filter.maxMatches, context: context)
        guard let request else { return .empty }
        let session = try context.session(neededBy: Self.name)
        var root: UInt64 = 0
        if let pid = filter.pid, !pid.isNull {
            guard let p = pid.int64 else { throw FunctionArgumentError(Self.name, "pid must be an integer, got \(pid)") }
            root = try session.pageTableRoot(pid: p)
        }
        return try request.rows(MemorySearch(kernel: session.kernel, space: .virtual(root: root), start: request.start,
                                             end: request.end, value: request.target, mask: request.mask), context: context) { address in
            context.symbols.flatMap { KernelFunctions.describe(address, symbols: $0, context: context) }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.match.address) }
}

/// `kd_search_physical(...)`: the same over the physical page frames the dump holds.
struct KdSearchPhysicalTable: VirtualTable {
    typealias Row = SearchRequest.Row

    static var columns: Columns {
        Columns(
            address: .address { $0.match.address },
            value: .address { $0.match.value },
            symbol: .text { $0.symbol })
    }
    static var estimatedRows: Double { 100 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let request = try SearchRequest(name: Self.name, start: filter.rangeStart, end: filter.rangeEnd, target: filter.target,
                                        mask: filter.mask, maxMatches: filter.maxMatches, context: context)
        guard let request else { return .empty }
        let session = try context.session(neededBy: Self.name)
        let kernel = session.kernel
        return try request.rows(MemorySearch(kernel: kernel, space: .physical, start: request.start,
                                             end: request.end, value: request.target, mask: request.mask), context: context) { address in
            // The kernel image is mapped at __START_KERNEL_map + (pa - phys_base),
            // modulo 2^64 (phys_base is negative under KASLR's physical slide).
            guard let translator = kernel.translator as? X86_64Translator, let symbols = context.symbols else { return nil }
            let offset = address &- translator.physBase
            guard offset < translator.kernelImageSize else { return nil }
            return KernelFunctions.describe(offset &+ X86_64Translator.startKernelMap, symbols: symbols, context: context)
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.match.address) }
}

/// The arguments both searches take, checked once.
struct SearchRequest {
    typealias Row = (match: MemorySearch.Match, symbol: String?)
    var name: String
    var start: UInt64
    var end: UInt64
    var target: UInt64
    var mask: UInt64
    var limit: Int

    /// Nil when an argument is missing or NULL (no rows, like any NULL
    /// comparison; `SELECT * FROM kd_search` alone lists nothing).
    init?(name: String, start: SQLValue?, end: SQLValue?, target: SQLValue?, mask: SQLValue?, maxMatches: SQLValue?,
          context: ConnectionContext) throws {
        guard let start, let end, let target else { return nil }
        if start.isNull || end.isNull || target.isNull || mask?.isNull == true { return nil }
        func address(_ v: SQLValue, _ what: String) throws -> UInt64 {
            guard let a = v.uint64 else { throw FunctionArgumentError(name, "\(what) must be an integer, got \(v)") }
            return a
        }
        self.name = name
        self.start = try address(start, "start")
        self.end = try address(end, "end")
        self.target = try address(target, "value")
        self.mask = try mask.map { try address($0, "mask") } ?? ~0
        var limit = context.options.searchLimit
        if let m = maxMatches, !m.isNull {
            guard let n = m.int64, n > 0 else { throw FunctionArgumentError(name, "max_matches must be a positive integer, got \(m)") }
            limit = Int(clamping: n)
        }
        guard limit > 0 else { throw FunctionArgumentError(name, "the search limit must be positive, got \(limit)") }
        self.limit = limit
        guard self.start < self.end else { return nil }
    }

    /// The matches, stopping at the limit with a warning, and a warning for
    /// pages the dump did not hold.
    func rows(_ search: MemorySearch, context: ConnectionContext, symbol: @escaping (UInt64) -> String?) -> Rows<Row> {
        var count = 0
        var finished = false
        let name = self.name, limit = self.limit, start = self.start, end = self.end
        return Rows(next: {
            guard !finished else { return nil }
            if count < limit, let m = search.next() {
                count += 1
                return (m, symbol(m.address))
            }
            finished = true
            if count >= limit, search.next() != nil {
                context.warn("\(name): stopped after \(limit) matches (raise it with max_matches or --search-limit)")
            }
            if search.pagesMissing > 0 || search.tablesMissing > 0 {
                context.warn("\(name)(\(HexFunction.hex(start)), \(HexFunction.hex(end))): \(search.pagesMissing) mapped pages and \(search.tablesMissing) page tables are not in the dump; their words were not searched")
            }
            return nil
        })
    }
}
