import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Address classification (crash's kmem ADDR) on addresses whose nature the
/// other walkers establish independently.
@Suite struct WhatisTests {
    @Test(arguments: Fixtures.viewsSets) func aTaskStructInsideIsAnAllocatedTaskStructObject(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let task = try #require(try tasks.lookup(pid: try ViewsWorkload(set).signalsPid).first)
        let id = try Whatis(kernel: kernel, tasks: tasks).identify(task + 0x40)
        #expect(id.kind == "slab object" && id.cache == "task_struct" && id.object == task && id.offset == 0x40 && id.allocated == true)
    }

    @Test(arguments: Fixtures.viewsSets) func symbolsStacksUserAndVmallocAddresses(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let tasks = try Tasks(kernel: kernel)
        let whatis = try Whatis(kernel: kernel, tasks: tasks)
        let panic = try kernel.address(of: "panic")
        #expect(try whatis.identify(panic + 4) == AddressIdentity(kind: "kernel text", symbol: "panic+0x4"))
        #expect(try whatis.identify(try kernel.address(of: "init_task")).kind == "kernel data")
        #expect(try whatis.identify(0x401d00).kind == "user")
        let pid = try ViewsWorkload(set).signalsPid
        let task = try #require(try tasks.lookup(pid: pid).first)
        let stack = try kernel.readU64(task + (try kernel.field("struct task_struct", "stack")).offset)
        let id = try whatis.identify(stack + 100)
        #expect(id.kind == "task stack" && id.pid == pid && id.object == task && id.offset == 100)
    }
}
