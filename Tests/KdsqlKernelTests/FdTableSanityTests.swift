#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Testing
import FixtureSupport
import KdsqlDump
import KdsqlMemory
@testable import KdsqlKernel

/// fdtable.max_fds equal to NR_OPEN passed the old `<= NR_OPEN` check and
/// gave 96,593 garbage descriptors; it must match the arrays' allocation.
@Suite struct FdTableSanityTests {
    static func fdholder(_ tasks: Tasks) throws -> UInt64 {
        try #require(try tasks.all().first { try tasks.comm($0) == "kdsql-fdholder" })
    }

    @Test func maxFdsBeyondTheTablesAllocationIsImplausible() throws {
        let (path, _) = try BrokenTaskListTests.copy { kernel, tasks, _ in
            let files = TaskFilesProbe(kernel: kernel)
            let table = try files.fdtable(of: try Self.fdholder(tasks))
            return (table + (try kernel.field("struct fdtable", "max_fds")).offset, 1 << 20)
        }
        defer { unlink(path) }
        let kernel = try Kernel.open(path: path)
        let tasks = try Tasks(kernel: kernel)
        let files = try TaskFiles(kernel: kernel)
        do {
            let found = try files.openFiles(task: try Self.fdholder(tasks))
            Issue.record("\(found.count) descriptors from a damaged fdtable")
        } catch MemoryError.implausible(let why) {
            #expect(why.contains("max_fds = 1048576"))
        }
    }

    @Test func everyIntactFdTableIsPlausible() throws {
        for entry in Fixtures.everyKernel {
            let kernel = try Kernel.open(path: try Fixtures.path(entry.set, entry.dump))
            let tasks = try Tasks(kernel: kernel)
            let files = try TaskFiles(kernel: kernel)
            var withFiles = 0
            for t in try tasks.all() where try tasks.pid(t) != 0 {
                if try !files.openFiles(task: t).isEmpty { withFiles += 1 }
            }
            #expect(withFiles > 80, "\(entry.set)")
        }
    }
}

/// task->files->fdt, for patching.
struct TaskFilesProbe {
    let kernel: Kernel
    func fdtable(of task: UInt64) throws -> UInt64 {
        let files = try kernel.readU64(task + (try kernel.field("struct task_struct", "files")).offset)
        return try kernel.readU64(files + (try kernel.field("struct files_struct", "fdt")).offset)
    }
}
