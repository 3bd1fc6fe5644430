import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// The initial mount namespace against the guest's /proc/self/mountinfo (truth/mounts.csv).
@Suite struct MountsTests {
    struct Row: Equatable, CustomStringConvertible {
        var device, mountPoint, fstype, options: String; var id, parent: Int64; var majorMinor: String
        var description: String { "\(id) \(parent) \(device) \(mountPoint) \(fstype) \(options) \(majorMinor)" }
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func mountTableEqualsMountinfoRowByRow(file: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, file))
        let mounts = try Mounts(kernel: kernel)
        let got = try mounts.mounts(namespace: try mounts.initialNamespace()).map { m in
            Row(device: try mounts.deviceName(m), mountPoint: try mounts.mountPoint(m), fstype: try mounts.fsType(m),
                options: try mounts.options(m), id: try mounts.mountID(m), parent: try mounts.parentID(m),
                majorMinor: Mounts.deviceNumbers(try mounts.device(m)))
        }
        let truth = try Fixtures.truthCSV(Fixtures.sysrq, "mounts.csv").map { r in
            Row(device: r["device"]!, mountPoint: r["mountpoint"]!, fstype: r["fstype"]!, options: r["options"]!,
                id: Int64(r["mount_id"]!)!, parent: Int64(r["parent_id"]!)!, majorMinor: r["major_minor"]!)
        }
        #expect(truth.count == 7)
        #expect(got == truth)
    }

    @Test func everyMountBelongsToTheNamespaceItWasFoundIn() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let mounts = try Mounts(kernel: kernel)
        let ns = try mounts.initialNamespace()
        let all = try mounts.mounts(namespace: ns)
        #expect(!all.isEmpty)
        #expect(try all.allSatisfy { try mounts.namespace(mount: $0) == ns })
    }
}
