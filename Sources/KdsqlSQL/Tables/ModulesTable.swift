import KdsqlMemory
import KdsqlKernel

/// `modules`: the modules list, one row per struct module (crash `mod`).
struct ModulesTable: VirtualTable {
    @dynamicMemberLookup
    struct Row {
        var info: ModuleInfo
        var parameters: ModuleParameters?
        var sections: ModuleSections?
        var debug: ModuleDebugInfo?
        subscript<T>(dynamicMember path: KeyPath<ModuleInfo, T>) -> T { info[keyPath: path] }
    }
    static var columns: Columns {
        Columns(
            name: .text { $0.name },
            base: .address { $0.base },
            size: .integer { $0.size },
            state: .text { $0.state },
            procState: .text { $0.procState },
            refcount: .integer { $0.refcount },
            usedBy: .text { $0.usedBy?.joined(separator: ",") },
            taint: .text { $0.taintLetters },
            taints: .integer { $0.taints },
            version: .text { $0.version },
            srcversion: .text { $0.srcversion },
            initBase: .address { $0.regions.first(where: \.isInit)?.base },
            initSize: .integer { row in
                let regions = row.regions.filter(\.isInit)
                return regions.isEmpty ? nil : regions.reduce(UInt64(0)) { $0 + $1.size }
            },
            textSize: .integer { $0.regions.first { !$0.isInit && $0.textSize > 0 }?.textSize },
            module: .address { $0.address },
            parameters: .text { row in
                // `name=value` as sysfs shows it, `name=?` where the ops are not standard.
                try row.parameters?.parameters(of: row.address)
                    .map { "\($0.name)=\($0.value ?? "?")" }.joined(separator: " ")
            },
            buildId: .text { row in
                if let known = row.debug?.entries[row.name]?.buildID { return known }
                guard let sections = row.sections else { return nil }
                return try? sections.buildID(sections: sections.sections(of: row.address))
            },
            debugFile: .text { $0.debug?.debugFile(module: $0.name) })
    }
    static var estimatedRows: Double { 100 }

    func bestIndex(_ query: IndexQuery) -> IndexPlan {
        query.defaultPlan(fullScanRows: Self.estimatedRows, equalityIsUnique: ["name"])
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let walker = try session.modules()
        let parameters = try? ModuleParameters(kernel: session.kernel)
        let sections = try? ModuleSections(kernel: session.kernel)
        let debug = session.moduleDebugInfo()
        func row(_ m: ModuleInfo) -> Row { Row(info: m, parameters: parameters, sections: sections, debug: debug) }
        if filter.name.isEmpty { return .empty }
        // Module names are unique on the modules list (load_module refuses a second).
        if let name = filter.name.equal {
            guard let m = try walker.named(name) else { return .empty }
            return Rows([row(m)])
        }
        let addresses = try walker.addresses()
        var i = 0
        return Rows(next: {
            guard i < addresses.count else { return nil }
            defer { i += 1 }
            return row(try walker.info(addresses[i]))
        })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.info.address) }
}
