import KdsqlMemory
import KdsqlDebugInfo

/// The entries of a wait queue, crash's `waitq` (include/linux/wait.h).
///
/// `struct wait_queue_head` holds a spinlock and `head`, a list of
/// `struct wait_queue_entry` linked through `entry`; each entry has `flags`
/// (WQ_FLAG_EXCLUSIVE 0x01, ...), `private` and the wake function `func`.
/// Same names from 4.13 (the rename from __wait_queue) through 7.x. For the
/// wake functions of sleeping tasks (default_wake_function,
/// autoremove_wake_function, woken_wake_function, ...) `private` is the
/// task; for poll/select's pollwake (fs/select.c) it is the caller's
/// `struct poll_wqueues`, whose `polling_task` sleeps; for epoll's
/// ep_poll_callback and other callbacks there is no task.
public final class WaitQueues {
    public struct Entry: Sendable, Equatable {
        /// Address of the struct wait_queue_entry.
        public var address: UInt64
        public var flags: UInt64
        public var privateData: UInt64
        public var function: UInt64
        /// The waiting task, when there is one.
        public var task: UInt64?
    }

    let kernel: Kernel
    let tasks: Tasks
    let head: FieldRef, entryLink: FieldRef, flags: FieldRef, privateField: FieldRef, function: FieldRef
    private var knownTasks: Set<UInt64>?

    public init(kernel: Kernel, tasks: Tasks) throws {
        self.kernel = kernel
        self.tasks = tasks
        head = try kernel.field("struct wait_queue_head", "head")
        entryLink = try kernel.field("struct wait_queue_entry", "entry")
        flags = try kernel.field("struct wait_queue_entry", "flags")
        privateField = try kernel.field("struct wait_queue_entry", "private")
        function = try kernel.field("struct wait_queue_entry", "func")
    }

    /// The entries of the wait_queue_head at `address`, in queue order.
    public func entries(queue address: UInt64) throws -> [Entry] {
        let links = try kernel.listNodes(head: address + head.offset, what: "wait queue at 0x\(String(address, radix: 16))",
                                         limit: 1 << 20)
        return try links.map { link in
            let e = link - entryLink.offset
            let priv = try kernel.readPointer(e, privateField)
            let fn = try kernel.readPointer(e, function)
            return Entry(address: e, flags: try kernel.readUnsigned(e, flags), privateData: priv, function: fn,
                         task: try task(private: priv, function: fn))
        }
    }

    private func isTask(_ p: UInt64) throws -> Bool {
        if knownTasks == nil { knownTasks = Set(try tasks.all()) }
        return knownTasks!.contains(p)
    }

    private func task(private p: UInt64, function fn: UInt64) throws -> UInt64? {
        guard p != 0 else { return nil }
        if try isTask(p) { return p }
        if let s = kernel.symbols.symbolize(fn), s.offset == 0, s.symbol.name == "pollwake",
           let f = try? kernel.field("struct poll_wqueues", "polling_task"),
           let t = try? kernel.readPointer(p, f), try isTask(t) {
            return t
        }
        return nil
    }
}
