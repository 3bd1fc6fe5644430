import KdsqlMemory

/// Which tasks a per-task table visits, from what its query pinned down:
/// a thread id, a process, a task_struct address, a CPU, and whether
/// threads, kernel threads and the idle tasks count. Every per-task table
/// (tasks, stack_frames, registers, mm, vmas, files, fs, cmdline, and those
/// built on them) chooses its tasks here, so `WHERE pid = N` is a lookup in
/// the pid IDR everywhere instead of a walk of every task.
///
/// Per-process tables (mm, vmas, files, fs, cmdline) call a process id
/// `pid`: they set `process`, and `threads` only with include_threads,
/// because threads share their leader's mm, files and fs.
public struct TaskSelection {
    /// task_struct.pid (a thread id; 0 names the idle tasks).
    public var thread: Int64?
    /// A thread group: its leader, or all its threads when `threads` is set.
    public var process: Int64?
    /// A task_struct address (accepted only if its pid leads back to it).
    public var task: UInt64?
    /// The task running on this CPU at the crash.
    public var cpu: Int64?
    /// Every thread, not only thread-group leaders.
    public var threads = true
    /// Kernel threads (PF_KTHREAD) count.
    public var kernelThreads = true
    /// The per-CPU idle tasks (pid 0) count.
    public var idleTasks = true
    /// Nothing can match (a constraint no task satisfies).
    public var isEmpty = false

    public init(thread: Int64? = nil, process: Int64? = nil, task: UInt64? = nil, cpu: Int64? = nil,
                threads: Bool = true, kernelThreads: Bool = true, idleTasks: Bool = true, isEmpty: Bool = false) {
        self.thread = thread
        self.process = process
        self.task = task
        self.cpu = cpu
        self.threads = threads
        self.kernelThreads = kernelThreads
        self.idleTasks = idleTasks
        self.isEmpty = isEmpty
    }

    /// The processes with an mm, files and fs of their own: thread-group
    /// leaders of user space (threads too with `includeThreads`).
    public static func processes(pid: Int64? = nil, includeThreads: Bool = false) -> TaskSelection {
        TaskSelection(process: pid, threads: includeThreads, kernelThreads: false, idleTasks: false)
    }

    /// Pull-based: one task at a time, so LIMIT stops the walk early.
    public struct Iterator {
        let selection: TaskSelection
        let tasks: Tasks
        let active: [UInt64: Int]?
        var walk: Tasks.Iterator?
        var pending: [UInt64]

        public mutating func next() throws -> UInt64? {
            while true {
                let candidate: UInt64
                if !pending.isEmpty {
                    candidate = pending.removeFirst()
                } else if let t = try walk?.next() {
                    // Advanced in place: a copy of the walk would share its
                    // visited set, and each insert would then copy the set.
                    candidate = t
                } else {
                    return nil
                }
                if try accepts(candidate) { return candidate }
            }
        }

        func accepts(_ t: UInt64) throws -> Bool {
            let s = selection
            if let task = s.task, t != task { return false }
            let pid = try tasks.pid(t)
            if let thread = s.thread, pid != thread { return false }
            if pid == 0 && !s.idleTasks { return false }
            if !s.kernelThreads, try tasks.isKernelThread(t) { return false }
            if s.process != nil || !s.threads {
                let tgid = try tasks.tgid(t)
                if let p = s.process, tgid != p { return false }
                if !s.threads && tgid != pid { return false }
            }
            if let cpu = s.cpu, active?[t].map(Int64.init) != cpu { return false }
            return true
        }

        public mutating func all() throws -> [UInt64] {
            var out: [UInt64] = []
            while let t = try next() { out.append(t) }
            return out
        }
    }

    func makeIterator(session: KernelSession) throws -> Iterator {
        let tasks = try session.tasks()
        let active: [UInt64: Int]? = cpu == nil ? nil
            : Dictionary(try tasks.activeTasks().map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        func only(_ candidates: [UInt64]) -> Iterator {
            Iterator(selection: self, tasks: tasks, active: active, walk: nil, pending: candidates)
        }
        if isEmpty { return only([]) }
        if let task {
            // An address is a task only if the pid IDR leads back to it.
            guard let pid = try? tasks.pid(task), (try? tasks.lookup(pid: pid).contains(task)) == true else { return only([]) }
            return only([task])
        }
        if let thread { return only(try tasks.lookup(pid: thread)) }
        if let process {
            // The idle tasks are the only thread group 0.
            if process == 0 { return only(threads ? try tasks.idleTasks().map(\.task) : []) }
            guard let leader = try session.pidIndex().task(pid: process),
                  try tasks.tgid(leader) == process else { return only([]) }
            return only(threads ? try tasks.threads(ofLeader: leader) : [leader])
        }
        if let cpu, let active {
            return only(active.filter { Int64($0.value) == cpu }.map(\.key))
        }
        return Iterator(selection: self, tasks: tasks, active: active, walk: try tasks.makeIterator(), pending: [])
    }
}
