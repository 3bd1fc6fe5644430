import KdsqlMemory
import KdsqlKernel

/// `module_symbols`: every module's in-memory symbol table.
struct ModuleSymbolsTable: VirtualTable {
    struct Row {
        var symbol: ModuleSymbol
        /// The module's struct and the symbol's position in its table.
        var moduleAddress: UInt64
        var ordinal: Int
    }

    static var columns: Columns {
        Columns(
            module: .text { $0.symbol.module },
            name: .text { $0.symbol.name },
            address: .address { $0.symbol.address },
            type: .text { String($0.symbol.type) },
            size: .integer { $0.symbol.size },
            isDefined: .bool { $0.symbol.isDefined })
    }
    static var estimatedRows: Double { 5000 }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        var plan = query.defaultPlan(fullScanRows: Self.estimatedRows)
        if plan.consumed.contains(where: { $0.column == "module" }) {
            plan.estimatedRows = 200
            plan.estimatedCost = 200
        }
        return plan
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let symbols = try context.session(neededBy: Self.name).moduleSymbols()
        let modules = symbols.modules.filter { $0.state != "UNFORMED" && filter.module.contains($0.name) }
        // Module by module, so LIMIT stops reading symbol tables early.
        var m = 0
        return Rows(flattening: { () -> ModuleInfo? in
            guard m < modules.count else { return nil }
            defer { m += 1 }
            return modules[m]
        }) { module in
            try symbols.symbols(of: module).enumerated().map { Row(symbol: $1, moduleAddress: module.address, ordinal: $0) }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.moduleAddress, UInt64(row.ordinal)) }
}
