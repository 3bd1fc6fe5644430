import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Network devices against what the guest reported seconds before the panic
/// (truth/netdevs.csv from /sys/class/net, ip-o-link.txt, net-dev.txt).
@Suite struct NetDevicesTests {
    static func devices(_ file: String) throws -> [NetDevice] {
        try NetDevices(kernel: try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))).all()
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func everyTruthDeviceMatchesSysClassNet(file: String) throws {
        let devices = try Self.devices(file)
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "netdevs.csv")
        #expect(devices.map(\.name) == truth.map { $0["name"]! }, "devices in ifindex order")
        for r in truth {
            let name = r["name"]!
            let d = try #require(devices.first { $0.name == name }, "\(name) missing")
            #expect(d.ifindex == Int64(r["ifindex"]!)!, "ifindex of \(name)")
            #expect(d.mtu == UInt64(r["mtu"]!)!, "mtu of \(name)")
            #expect(d.mac == r["mac"]!, "mac of \(name)")
            #expect(d.operstate == r["operstate"]!, "operstate of \(name)")
            #expect(d.flags == UInt64(r["flags"]!.dropFirst(2), radix: 16)!, "flags of \(name)")
            #expect(d.type == UInt64(r["type"]!)!, "type of \(name)")
        }
    }

    @Test func flagTextIsWhatIpLinkPrinted() throws {
        let devices = try Self.devices("vmcore-mdf-d31-zlib.kdump")
        let truth = try NetTruth.linkFlags()
        #expect(truth.count == 3)
        for (name, text) in truth {
            let d = try #require(devices.first { $0.name == name })
            #expect(d.flagsText == text, "\(name)")
        }
    }

    @Test func allDevicesAreInTheInitialNamespace() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let walker = try NetDevices(kernel: kernel)
        let initNet = try kernel.address(of: "init_net")
        #expect(try walker.namespaces() == [initNet])
        #expect(try walker.all().allSatisfy { $0.netns == initNet && $0.netnsInum != nil })
    }

    /// Counters only grow, and the guest sent nothing between the capture and
    /// the panic but possibly a few packets (IPv6 router solicitations, the
    /// loopback TCP pair is idle): each counter is at least the captured value
    /// and at most 16 packets / 4 KiB above it.
    @Test(arguments: ["lo", "dummy0"])
    func perCPUCountersMatchProcNetDevWithinTheCaptureDelay(name: String) throws {
        let d = try #require(try Self.devices("vmcore-mdf-d31-zlib.kdump").first { $0.name == name })
        let r = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "netdevs.csv").first { $0["name"] == name })
        #expect(d.statsSource == "lstats")
        for (got, key, slack) in [(d.rxPackets, "rx_packets", 16), (d.txPackets, "tx_packets", 16),
                                  (d.rxBytes, "rx_bytes", 4096), (d.txBytes, "tx_bytes", 4096)] as [(UInt64?, String, UInt64)] {
            let expected = UInt64(r[key]!)!
            let value = try #require(got, "\(name) \(key) missing")
            #expect(value >= expected && value <= expected + slack, "\(name) \(key): dump \(value), truth \(expected)")
        }
    }

    @Test func virtioCountersAreNullNotZero() throws {
        // virtio_net keeps its counters in per-queue driver structures, not in
        // dev->stats: reading dev->stats would give a misleading 0.
        let eth0 = try #require(try Self.devices("vmcore-mdf-d31-zlib.kdump").first { $0.name == "eth0" })
        #expect(eth0.statsSource == nil && eth0.rxPackets == nil && eth0.txBytes == nil)
        #expect(eth0.driver == "virtio_net")
    }

    @Test func kindAndDriverNameTheVirtualDevices() throws {
        let devices = try Self.devices("vmcore-mdf-d31-zlib.kdump")
        #expect(devices.first { $0.name == "dummy0" }?.kind == "dummy")
        #expect(devices.first { $0.name == "lo" }?.kind == nil)
        #expect(devices.first { $0.name == "lo" }?.driver == "loopback_ops")
    }
}

@Suite struct NetDeviceFlagsTests {
    @Test func upWithoutRunningIsShownAsNoCarrier() {
        #expect(NetDeviceFlags.ipLinkText(NetDeviceFlags.up | NetDeviceFlags.broadcast) == "NO-CARRIER,BROADCAST,UP")
    }

    @Test func runningIsNeverPrinted() {
        let f = NetDeviceFlags.up | NetDeviceFlags.running | NetDeviceFlags.loopback | NetDeviceFlags.lowerUp
        #expect(NetDeviceFlags.ipLinkText(f) == "LOOPBACK,UP,LOWER_UP")
    }
}
