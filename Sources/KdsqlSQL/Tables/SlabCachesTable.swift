import KdsqlMemory
import KdsqlKernel

/// `slab_caches`: every SLUB cache (/proc/slabinfo, crash's `kmem -s`).
/// Each cache's partial lists are walked when SQLite reaches its row.
struct SlabCachesTable: VirtualTable {
    typealias Row = SlabCache

    static var columns: Columns {
        Columns(
            name: .text { $0.name },
            objectSize: .integer { $0.objectSize },
            size: .integer { $0.size },
            objectsPerSlab: .integer { $0.objectsPerSlab },
            order: .integer { $0.order },
            activeObjects: .integer { $0.activeObjects },
            totalObjects: .integer { $0.totalObjects },
            slabs: .integer { $0.slabs },
            partialSlabs: .integer { $0.partialSlabs },
            cpuSlabs: .integer { $0.cpuSlabs },
            flags: .integer { $0.flags },
            refcount: .integer { $0.refcount },
            address: .address { $0.address })
    }
    static var estimatedRows: Double { 150 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let walker = try context.session(neededBy: Self.name).slabCaches()
        var pending = try walker.addresses()[...]
        return Rows(next: {
            while let c = pending.popFirst() {
                // A cache whose node or partial lists cannot be read is left out with a warning.
                do { return try walker.cache(at: c) } catch {
                    context.warn("slab_caches: cache 0x\(String(c, radix: 16)) skipped: \(error)")
                }
            }
            return nil
        })
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
