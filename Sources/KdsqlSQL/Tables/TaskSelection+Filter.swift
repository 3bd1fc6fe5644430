import KdsqlKernel

/// The per-task tables' constraints as a `TaskSelection`: an equality on a
/// thread id, process id, task address or CPU becomes a lookup; anything
/// else (ranges, values no row can have) is left to SQLite's own check.
extension TaskSelection {
    init(thread: IntegerConstraint = IntegerConstraint(), process: IntegerConstraint = IntegerConstraint(),
         task: IntegerConstraint = IntegerConstraint(), cpu: IntegerConstraint = IntegerConstraint()) {
        self.init(thread: thread.equal, process: process.equal, task: task.equalAddress, cpu: cpu.equal,
                  isEmpty: thread.isEmpty || process.isEmpty || task.isEmpty || cpu.isEmpty)
    }

    /// A per-process table (mm, vmas, files, fs, cmdline): its `pid` column
    /// is the process id, and `include_threads = 1` repeats rows per thread.
    static func processes(pid: IntegerConstraint, includeThreads argument: SQLValue?) -> TaskSelection {
        var includeThreads = false
        var invalid = pid.isEmpty
        if let argument {
            if let v = argument.int64 { includeThreads = v != 0 } else { invalid = true }
        }
        var selection = TaskSelection.processes(pid: pid.equal, includeThreads: includeThreads)
        selection.isEmpty = invalid
        return selection
    }
}
