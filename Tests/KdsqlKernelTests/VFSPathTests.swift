import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// d_path semantics: roots, working directories and the mount crossings.
@Suite struct VFSPathTests {
    @Test func everyProcessIsRootedAtTheInitramfsRootWithADirectoryAsCwd() throws {
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let paths = try VFSPath(kernel: kernel)
        let modeField = try kernel.field("struct inode", "i_mode")
        var selection = try KernelSession(kernel: kernel).select(.processes())
        let procs = try selection.all()
        for t in procs {
            let fs = try #require(try paths.rootAndCwd(task: t))
            // The README: one mount namespace, rootfs on / and nobody chroots.
            #expect(try paths.path(fs.root) == "/")
            #expect(fs.root == paths.defaultRoot)
            let inode = try paths.inode(dentry: fs.cwd.dentry)
            #expect(FileDecoder.typeName(mode: try kernel.readUnsigned(inode, modeField)) == "DIR")
        }
        #expect(procs.count == (try TaskTruth(set: Fixtures.sysrq).userProcessesAtCrash))
    }

    @Test func aFileOnAMountedFilesystemCrossesIntoTheParentMount() throws {
        // truth/fds.csv: kdsql-fdholder holds /mnt/scratch/kdsql-scratch.dat (tmpfs mounted on /mnt/scratch).
        let kernel = try Kernel.open(path: try Fixtures.path(Fixtures.sysrq, "vmcore-mdf-d31-zlib.kdump"))
        let tasks = try Tasks(kernel: kernel)
        let files = try TaskFiles(kernel: kernel)
        let row = try #require(try Fixtures.truthCSV(Fixtures.sysrq, "fds.csv").first { $0["target"]!.hasPrefix("/mnt/scratch/") })
        let task = try #require(try tasks.lookup(pid: Int64(row["pid"]!)!).first)
        let file = try #require(try files.openFiles(task: task).first { $0.fd == Int(row["fd"]!)! }?.file)
        let ref = try files.decoder.pathRef(file: file)
        // Within its own mount the dentry is one level below the mount root ...
        let parent = try files.paths.parent(dentry: ref.dentry)
        #expect(try files.paths.parent(dentry: parent) == parent)
        #expect(try files.paths.name(dentry: ref.dentry) == "kdsql-scratch.dat")
        // ... and d_path climbs into the root filesystem through the mountpoint.
        #expect(try files.paths.path(ref) == row["target"]!)
        // Relative to the file's own mount root, the mount prefix disappears.
        #expect(try files.paths.path(ref, root: PathRef(mnt: ref.mnt, dentry: parent)) == "/kdsql-scratch.dat")
    }
}
