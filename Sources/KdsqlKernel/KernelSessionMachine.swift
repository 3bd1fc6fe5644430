import KdsqlMemory

/// The walkers behind crash's `mach`, the SysRq key table and `waitq`, one per session.
extension KernelSession {
    public func sysrq() throws -> SysRq { try shared(SysRq.self) { try SysRq(kernel: kernel) } }

    /// The SysRq key that crashed the machine and where it was found (see
    /// SysRqTrigger); nil when SysRq did not cause the crash.
    public func panicSysRqKey() throws -> (key: String, source: String)? {
        guard SysRq.isPresent(kernel: kernel) else { return nil }
        let panic = try log().panic.get()
        let sysrq = try sysrq()
        var functions: [String]?
        if let task = panic.task, task != 0, let traces = try? stackTraces() {
            functions = traces.trace(task: task).functions
        }
        return SysRqTrigger.key(sysrq: sysrq, panicFunctions: functions, records: try log().log.records,
                                panicSeq: panic.seq, panicMessage: panic.message, symbols: kernel.symbols)
    }
}

extension KernelSession {
    public func waitQueues() throws -> WaitQueues { try shared(WaitQueues.self) { try WaitQueues(kernel: kernel, tasks: tasks()) } }
}
