import KdsqlDebugInfo
import KdsqlKernel

/// `symbols`: the kernel's symbol table. Rows are in address order, so
/// address ranges are found by binary search instead of a scan.
struct SymbolsTable: VirtualTable {
    typealias Row = Symbol
    static var columns: Columns {
        Columns(
            name: .text { $0.name },
            address: .address { $0.address },
            type: .text { String($0.type) },
            module: .text { $0.module })
    }
    static var estimatedRows: Double { 150_000 }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        var plan = query.defaultPlan(fullScanRows: Self.estimatedRows, equalityIsUnique: ["name"])
        // Rows come out by address, so ORDER BY address needs no sort.
        if query.orderBy.count == 1, query.orderBy[0].column == "address", !query.orderBy[0].descending {
            plan.orderByConsumed = true
        }
        return plan
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        guard let table = context.symbols else { throw NotAvailable("symbol table", neededBy: Self.name) }
        let range = filter.address
        if range.isEmpty || filter.name.isEmpty { return .empty }
        // Loaded modules' own symbols (their kallsyms), `module` set; they
        // live above the kernel image (x86_64 MODULES_VADDR), so they follow
        // vmlinux's in address order without copying vmlinux's; anything
        // else is merged.
        let modules = Self.moduleSymbols(context)
        var all = SymbolList(first: table.allSymbols, second: modules)
        if let first = modules.first, let last = all.first.last, first.address <= last.address {
            all = SymbolList(first: (all.first + modules).sorted { $0.address < $1.address }, second: [])
        }
        if let wanted = filter.name.equal {
            // Every symbol of that name, by address (static names repeat).
            var found: [Symbol] = []
            for address in Set(table.addresses(of: wanted) + modules.filter { $0.name == wanted }.map(\.address)).sorted() {
                var i = lowerBound(all, address)
                while i < all.count, all[i].address == address {
                    if all[i].name == wanted, range.contains(address: all[i].address) { found.append(all[i]) }
                    i += 1
                }
            }
            return Rows(found)
        }
        // SQL compares addresses as signed Int64 while the array is sorted
        // unsigned; the two orders agree when both bounds have the same sign
        // (kernel addresses are all "negative"), so only then can the scan
        // start and stop by binary search.
        var start = 0, end = all.count
        if (range.lower < 0) == (range.upper < 0) {
            start = lowerBound(all, UInt64(bitPattern: range.lower))
            end = range.upper == -1 || range.upper == .max ? all.count : lowerBound(all, UInt64(bitPattern: range.upper) + 1)
        }
        var i = start
        return Rows(next: {
            while i < end {
                let s = all[i]
                i += 1
                if range.contains(address: s.address) { return s }
            }
            return nil
        })
    }

    /// The defined, named symbols of every loaded module, by address; none
    /// without a kernel session or when the module list cannot be read.
    static func moduleSymbols(_ context: ConnectionContext) -> [Symbol] {
        guard let all = try? context.session?.moduleSymbols().all() else { return [] }
        return all.filter { $0.isDefined && !$0.name.isEmpty }
            .map { Symbol(name: $0.name, address: $0.address, type: $0.type, module: $0.module) }
            .sorted { $0.address < $1.address }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address, RowIdentity(text: row.name).a) }

    /// Two address-ordered arrays, the second's addresses above the first's.
    struct SymbolList {
        var first: [Symbol], second: [Symbol]
        var count: Int { first.count + second.count }
        subscript(i: Int) -> Symbol { i < first.count ? first[i] : second[i - first.count] }
    }

    private func lowerBound(_ all: SymbolList, _ address: UInt64) -> Int {
        var lo = 0, hi = all.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if all[mid].address < address { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

