import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Interface addresses against `ip -o addr` and /proc/net/if_inet6 from the guest.
@Suite struct NetAddressesTests {
    static func addresses(_ file: String) throws -> [NetAddress] {
        try NetAddresses(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))).all()
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func everyAddressMatchesIpAddrInOrder(file: String) throws {
        let got = try Self.addresses(file).map {
            NetTruth.Address(ifname: $0.ifname, family: $0.family, address: $0.text, prefix: $0.prefixLength, scope: $0.scope)
        }
        let truth = try NetTruth.addresses()
        #expect(truth.count == 7)
        #expect(got == truth)
    }

    @Test func ipv6AddressesMatchProcIfInet6WithFlags() throws {
        let got = Set(try Self.addresses("vmcore-mdf-d31-zlib.kdump").filter { $0.family == "inet6" }.map { a in
            // if_inet6 prints the address as 32 hex digits; rebuild them from the text form.
            NetTruth.Inet6(hex: Self.hexDigits(ipv6: a.text), ifindex: UInt64(a.ifindex), prefix: a.prefixLength,
                           scope: a.scopeRaw, flags: a.flags & 0xff, ifname: a.ifname)
        })
        let truth = try NetTruth.ifInet6()
        #expect(truth.count == 4)
        #expect(got == truth)
    }

    @Test func ipv4ColumnsOfNetdevsCsvMatch() throws {
        let got = try Self.addresses("vmcore-mdf-d31-zlib.kdump")
        for r in try Fixtures.truthCSV(Fixtures.sysrq, "netdevs.csv") {
            let mine = got.filter { $0.ifname == r["name"]! && $0.family == "inet" }.map { "\($0.text)/\($0.prefixLength)" }
            #expect(mine.joined(separator: ";") == r["ipv4"]!, "\(r["name"]!)")
            #expect(got.filter { $0.ifname == r["name"]! && $0.family == "inet" }.allSatisfy { $0.label == r["name"]! })
        }
    }

    /// Expands RFC 5952 text back to 32 hex digits (test helper, independent of InetFormat).
    static func hexDigits(ipv6 text: String) -> String {
        let chars = Array(text)
        let gap = (0..<max(chars.count - 1, 0)).first { chars[$0] == ":" && chars[$0 + 1] == ":" }
        let left = gap.map { String(chars[..<$0]) } ?? text
        let right = gap.map { String(chars[($0 + 2)...]) } ?? ""
        let head = left.split(separator: ":").map(String.init)
        let tail = right.split(separator: ":").map(String.init)
        let groups = head + Array(repeating: "0", count: 8 - head.count - tail.count) + tail
        return groups.map { String(repeating: "0", count: 4 - $0.count) + $0 }.joined()
    }
}
