import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Zones and buddy free lists against /proc/zoneinfo and /proc/buddyinfo.
@Suite struct ZonesTests {
    static func zones(_ dump: String) throws -> Zones {
        try Zones(kernel: try Kernel.open(path: try Fixtures.path(dump)))
    }

    /// zoneinfo.txt: "Node 0, zone DMA32" then indented "key value" lines.
    static func zoneinfo(_ set: String) throws -> [String: [String: Int64]] {
        var out: [String: [String: Int64]] = [:]
        var current = ""
        for line in try Fixtures.viewsLines(set, "zoneinfo.txt") {
            if line.hasPrefix("Node") {
                let parts = line.split(separator: " ")
                current = "\(parts[1].dropLast()) \(parts.last!)"
                out[current] = [:]
                continue
            }
            let words = line.split(separator: " ")
            if words.count == 2, let v = Int64(words[1]), out[current]?[String(words[0])] == nil {
                out[current]![String(words[0])] = v
            } else if words.count == 3, words[0] == "pages", words[1] == "free", let v = Int64(words[2]) {
                out[current]!["free"] = v
            }
        }
        return out
    }

    @Test(arguments: Fixtures.viewsSets) func everyZoneOfZoneinfoIsThereWithItsSizes(set: String) throws {
        let zones = try Self.zones(try Fixtures.viewsEntry(set)).all()
        let truth = try Self.zoneinfo(set)
        #expect(Set(zones.map { "\($0.node) \($0.name)" }) == Set(truth.keys))
        for z in zones {
            let t = try #require(truth["\(z.node) \(z.name)"])
            #expect(Int64(z.spanned) == t["spanned"], "\(z.name) spanned")
            #expect(Int64(z.present) == t["present"], "\(z.name) present")
            #expect(Int64(z.managed) == t["managed"], "\(z.name) managed")
            #expect(Int64(z.min) == t["min"] && Int64(z.low) == t["low"] && Int64(z.high) == t["high"], "\(z.name) watermarks")
        }
    }

    /// Free pages drift with the guest's activity: within 10 % or 512 pages.
    @Test(arguments: Fixtures.viewsSets) func freePagesAreCloseToZoneinfo(set: String) throws {
        let truth = try Self.zoneinfo(set)
        for z in try Self.zones(try Fixtures.viewsEntry(set)).all() where z.populated {
            let want = try #require(truth["\(z.node) \(z.name)"]?["free"])
            #expect(abs(z.freePages - want) <= max(want / 10, 512), "\(z.name): dump \(z.freePages), truth \(want)")
        }
    }

    /// The buddy lists must add up to the zone's free page counter plus the
    /// CPUs' deltas not yet folded into it (both change under zone->lock, so
    /// the dump holds them consistent; 5.10's views dump had 5 pages pending
    /// on a CPU), and the orders are those /proc/buddyinfo prints.
    @Test(arguments: Fixtures.kernelDumps)
    func freeAreasAddUpToFreePages(dump: String) throws {
        let walker = try Self.zones(dump)
        let areas = try walker.freeAreas()
        for z in try walker.all() where z.populated {
            let sum = areas.filter { $0.zone == z.name && $0.node == z.node }.reduce(UInt64(0)) { $0 + $1.freeBlocks << UInt64($1.order) }
            #expect(Int64(sum) == z.freePages + z.freePagesPerCPU, "\(z.name): \(z.freePages) + \(z.freePagesPerCPU) per-CPU")
        }
    }

    @Test(arguments: Fixtures.viewsSets) func freeAreasHaveBuddyinfosZonesAndOrders(set: String) throws {
        let truth = try Fixtures.truthCSV(set, "buddyinfo.csv")
        let areas = try Self.zones(try Fixtures.viewsEntry(set)).freeAreas()
        for row in truth {
            let zone = row["zone"]!
            let orders = row.keys.filter { $0.hasPrefix("order_") }.count
            let mine = areas.filter { $0.zone == zone }
            #expect(mine.count == orders, "\(zone) orders")
            // Blocks of the highest order are the boot-time free memory the
            // workload never split: the counts must agree within a few blocks.
            let top = orders - 1
            let want = Int64(row["order_\(top)"]!)!
            let got = Int64(mine.first { $0.order == top }?.freeBlocks ?? 0)
            #expect(abs(got - want) <= 2, "\(zone) order \(top): dump \(got), truth \(want)")
        }
    }
}
