import KdsqlMemory
import KdsqlKernel

/// `modules`: the modules list, one row per struct module (crash `mod`).
struct ModulesTable: VirtualTable {
    @dynamicMemberLookup
    struct Row {
        var info: ModuleInfo
        var parameters: ModuleParameters?
        subscript<T>(dynamicMember path: KeyPath<ModuleInfo, T>) -> T { info[keyPath: path] }
    }
    static let name = "modules"
    static var columns: [String: Column<Row>] {
        [
            "name": .text { $0.name },
            "base": .address { $0.base },
            "size": .integer { $0.size },
            "state": .text { $0.state },
            "proc_state": .text { $0.procState },
            "refcount": .integer { $0.refcount },
            "used_by": .text { $0.usedBy.joined(separator: ",") },
            "taint": .text { $0.taintLetters },
            "taints": .integer { $0.taints },
            "version": .text { $0.version },
            "srcversion": .text { $0.srcversion },
            "init_base": .address { $0.regions.first(where: \.isInit)?.base },
            "init_size": .integer { row in
                let regions = row.regions.filter(\.isInit)
                return regions.isEmpty ? nil : regions.reduce(UInt64(0)) { $0 + $1.size }
            },
            "text_size": .integer { $0.regions.first { !$0.isInit && $0.textSize > 0 }?.textSize },
            "module": .address { $0.address },
            "parameters": .text { row in
                // `name=value` as sysfs shows it, `name=?` where the ops are not standard.
                try row.parameters?.parameters(of: row.address)
                    .map { "\($0.name)=\($0.value ?? "?")" }.joined(separator: " ")
            },
        ]
    }
    static var estimatedRows: Double { 100 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        query.defaultPlan(fullScanRows: Self.estimatedRows, equalityIsUnique: ["name"])
    }

    func open(_ scan: Scan) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        let walker = try context.cached("modules.walker") { try Modules(kernel: kernel) }
        let parameters = try? ModuleParameters(kernel: kernel)
        if let wanted = scan.equal("name") {
            guard let name = wanted.string, let m = try walker.named(name) else { return .empty }
            return Rows([Row(info: m, parameters: parameters)])
        }
        let addresses = try walker.addresses()
        var i = 0
        return Rows(next: {
            guard i < addresses.count else { return nil }
            defer { i += 1 }
            return Row(info: try walker.info(addresses[i]), parameters: parameters)
        })
    }

    func rowid(_ row: Row) -> Int64? { Int64(bitPattern: row.info.address) }
}
