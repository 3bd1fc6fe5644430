import KdsqlMemory
import KdsqlKernel

/// `module_symbols`: every module's in-memory symbol table.
struct ModuleSymbolsTable: VirtualTable {
    typealias Row = ModuleSymbol
    static let name = "module_symbols"
    static var columns: [String: Column<Row>] {
        [
            "module": .text { $0.module },
            "name": .text { $0.name },
            "address": .address { $0.address },
            "type": .text { String($0.type) },
            "size": .integer { $0.size },
            "is_defined": .bool { $0.isDefined },
        ]
    }
    static var estimatedRows: Double { 5000 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        var plan = query.defaultPlan(fullScanRows: Self.estimatedRows)
        if plan.consumed.contains(where: { $0.column == "module" }) {
            plan.estimatedRows = 200
            plan.estimatedCost = 200
        }
        return plan
    }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let symbols = try context.cached("module_symbols.walker") { try ModuleSymbols(kernel: kernel) }
        var modules = symbols.modules.filter { $0.state != "UNFORMED" }
        if let wanted = scan.equal("module") {
            guard let name = wanted.string else { return .empty }
            modules = modules.filter { $0.name == name }
        }
        // Module by module, so LIMIT stops reading symbol tables early.
        var m = 0
        var pending: [ModuleSymbol] = []
        var i = 0
        return Rows(next: {
            while i >= pending.count {
                guard m < modules.count else { return nil }
                pending = try symbols.symbols(of: modules[m])
                m += 1
                i = 0
            }
            defer { i += 1 }
            return pending[i]
        })
    }
}
