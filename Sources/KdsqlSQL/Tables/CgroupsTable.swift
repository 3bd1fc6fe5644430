import KdsqlMemory
import KdsqlKernel

/// `cgroups`: the cgroup v2 tree with memory and pids limits and usage.
/// Task counts come from one pass over every task's css_set.
struct CgroupsTable: VirtualTable {
    struct Row {
        var cgroup: Cgroup
        var tasks: Int64
        var procs: Int64
    }

    static var columns: Columns {
        Columns(
            id: .integer { $0.cgroup.id },
            path: .text { $0.cgroup.path },
            level: .integer { $0.cgroup.level },
            controllers: .text { $0.cgroup.controllers.joined(separator: " ") },
            subtreeControl: .text { $0.cgroup.subtreeControl.joined(separator: " ") },
            memoryMax: .integer { $0.cgroup.memoryMax },
            memoryCurrent: .integer { $0.cgroup.memoryCurrent },
            swapCurrent: .integer { $0.cgroup.swapCurrent },
            pidsMax: .integer { $0.cgroup.pidsMax },
            pidsCurrent: .integer { $0.cgroup.pidsCurrent },
            nrTasks: .integer { $0.tasks },
            nrProcs: .integer { $0.procs },
            address: .address { $0.cgroup.address })
    }
    static var estimatedRows: Double { 20 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let walker = try session.cgroups()
        if let v1 = try? walker.v1Hierarchies(), !v1.isEmpty {
            context.warn("\(Self.name): cgroup v1 \(v1.joined(separator: ", ")) mounted and not read; paths are those of the v2 hierarchy")
        }
        let tasks = try session.tasks()
        var taskCount: [UInt64: Int64] = [:], procCount: [UInt64: Int64] = [:]
        var it = try tasks.makeIterator()
        while let t = try it.next() {
            guard try tasks.pid(t) != 0, let cg = try walker.cgroup(ofTask: t) else { continue }
            taskCount[cg, default: 0] += 1
            if try tasks.pid(t) == tasks.tgid(t) { procCount[cg, default: 0] += 1 }
        }
        return Rows(try walker.all().map { Row(cgroup: $0, tasks: taskCount[$0.address] ?? 0, procs: procCount[$0.address] ?? 0) })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.cgroup.address) }
}
