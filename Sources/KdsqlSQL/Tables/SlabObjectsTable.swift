import KdsqlMemory
import KdsqlKernel

/// `slab_objects`: every object slot of the chosen caches (crash's `kmem -S`).
/// The memory map is scanned once for the slabs of the caches asked for;
/// each cache's objects are listed when the scan reaches it.
struct SlabObjectsTable: VirtualTable {
    typealias Row = SlabObject

    static var columns: Columns {
        Columns(
            cache: .text { $0.cache },
            slab: .address { $0.slab },
            address: .address { $0.address },
            allocated: .bool { $0.allocated },
            cacheAddress: .address { $0.cacheAddress })
    }
    static var estimatedRows: Double { 200_000 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        if filter.cache.isEmpty { return .empty }
        let session = try context.session(neededBy: Self.name)
        let caches = try session.slabCaches()
        let walker = try session.slabObjects()
        var wanted: [UInt64] = []
        for c in try caches.addresses() {
            if !filter.cache.isUnrestricted, !filter.cache.contains(try caches.name(of: c)) { continue }
            wanted.append(c)
        }
        let slabs = try walker.slabs(of: Set(wanted))
        var pending = wanted[...]
        return Rows(flattening: { pending.popFirst() }) { (c: UInt64) -> [Row] in
            do { return try walker.objects(cache: c, slabs: slabs[c] ?? []) } catch {
                context.warn("slab_objects: cache 0x\(String(c, radix: 16)) skipped: \(error)")
                return []
            }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address, row.slab) }
}
