import KdsqlMemory

/// Which tasks a per-process table (vmas, files, mm, fs, cmdline) visits.
/// Threads share their leader's mm, files and fs, so by default only
/// thread-group leaders with an address space give rows; `includeThreads`
/// adds every thread (rows repeat, distinguished by tid). A pid constraint
/// goes straight to `Tasks.lookup(pid:)` (the IDR) instead of walking the
/// task list.
public struct ProcessScope {
    public let tasks: Tasks
    /// Answers a pid constraint; made once per session (see PidIndex).
    public let index: PidIndex?
    public var pid: Int64?
    public var includeThreads: Bool
    /// Kernel threads have no mm/files of their own; skip them unless asked.
    public var includeKernelThreads: Bool

    public init(tasks: Tasks, index: PidIndex? = nil, pid: Int64? = nil, includeThreads: Bool = false, includeKernelThreads: Bool = false) {
        self.tasks = tasks
        self.index = index
        self.pid = pid
        self.includeThreads = includeThreads
        self.includeKernelThreads = includeKernelThreads
    }

    /// Pull-based: one task at a time, so LIMIT stops the walk early.
    public struct Iterator {
        let scope: ProcessScope
        var walk: Tasks.Iterator?
        var pending: [UInt64]

        public mutating func next() throws -> UInt64? {
            while true {
                let candidate: UInt64
                if !pending.isEmpty {
                    candidate = pending.removeFirst()
                } else if var w = walk, let t = try w.next() {
                    walk = w
                    candidate = t
                } else {
                    return nil
                }
                if try scope.accepts(candidate) { return candidate }
            }
        }
    }

    func accepts(_ t: UInt64) throws -> Bool {
        let pid = try tasks.pid(t)
        if pid == 0 { return false } // idle tasks
        if !includeKernelThreads, try tasks.isKernelThread(t) { return false }
        if !includeThreads, try tasks.tgid(t) != pid { return false }
        return true
    }

    public func makeIterator() throws -> Iterator {
        guard let pid else { return Iterator(scope: self, walk: try tasks.makeIterator(), pending: []) }
        // WHERE pid = N: the process N (its leader), plus its threads when asked.
        let found = try index.map { try $0.task(pid: pid) } ?? tasks.lookup(pid: pid).first
        guard let task = found, try tasks.tgid(task) == pid else {
            return Iterator(scope: self, walk: nil, pending: [])
        }
        return Iterator(scope: self, walk: nil, pending: includeThreads ? try tasks.threads(ofLeader: task) : [task])
    }

    public func all() throws -> [UInt64] {
        var it = try makeIterator()
        var out: [UInt64] = []
        while let t = try it.next() { out.append(t) }
        return out
    }
}
