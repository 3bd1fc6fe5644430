import KdsqlMemory
import KdsqlDebugInfo

/// What one task does with one signal, as crash's `sig` shows it.
public struct SignalDisposition: Sendable, Equatable {
    public var signal: Int
    public var name: String
    /// `default`, `ignore` or `handler`.
    public var disposition: String
    /// sa_handler: 0 SIG_DFL, 1 SIG_IGN, else the handler's (user) address.
    public var handler: UInt64
    public var flags: UInt64
    /// Signals blocked while the handler runs (sa_mask).
    public var mask: UInt64
    public var blocked: Bool
    public var pending: Bool
    public var sharedPending: Bool
}

/// The signal state of one task: the masks /proc/PID/status prints.
public struct TaskSignals: Sendable, Equatable {
    /// SigBlk: task->blocked.
    public var blocked: UInt64
    /// SigPnd: task->pending.signal (signals sent to this thread).
    public var pending: UInt64
    /// ShdPnd: task->signal->shared_pending.signal (sent to the process).
    public var sharedPending: UInt64
    /// SigIgn / SigCgt: collect_sigign_sigcatch() over sighand->action[].
    public var ignored: UInt64
    public var caught: UInt64
    /// The 64 actions, signal 1 first; empty when the task has no sighand (exited).
    public var actions: [SignalDisposition]
}

/// Signal state of tasks (kernel/signal.c, include/linux/sched/signal.h):
/// `task->blocked` and `task->pending` (struct sigpending) per thread,
/// `task->signal->shared_pending` per process, and the handlers in
/// `task->sighand->action[_NSIG]` (struct k_sigaction wrapping struct
/// sigaction; the x86_64 layout has sa_handler, sa_flags, sa_restorer,
/// sa_mask). Signal n is bit n-1 of a sigset_t word (sigmask(), _NSIG 64 on
/// every 64-bit architecture, so one word).
public final class Signals {
    public let kernel: Kernel
    let blocked: FieldRef, pending: FieldRef, signal: FieldRef, sighand: FieldRef
    let sharedPending: FieldRef, pendingSignal: FieldRef
    let action: FieldRef, saHandler: FieldRef, saFlags: FieldRef, saMask: FieldRef
    let actionSize: UInt64, count: Int

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let t = "struct task_struct"
        blocked = try kernel.field(t, "blocked")
        pending = try kernel.field(t, "pending")
        signal = try kernel.field(t, "signal")
        sighand = try kernel.field(t, "sighand")
        sharedPending = try kernel.field("struct signal_struct", "shared_pending")
        pendingSignal = try kernel.field("struct sigpending", "signal")
        action = try kernel.field("struct sighand_struct", "action")
        saHandler = try kernel.field("struct k_sigaction", "sa.sa_handler")
        saFlags = try kernel.field("struct k_sigaction", "sa.sa_flags")
        saMask = try kernel.field("struct k_sigaction", "sa.sa_mask")
        actionSize = UInt64(try kernel.size(of: "struct k_sigaction"))
        count = min(64, action.size / Int(actionSize))
    }

    /// Names as the kernel's uapi asm/signal.h gives them on x86_64; 32..64
    /// are the real-time signals (SIGRTMIN = 32 in the kernel; glibc reserves
    /// 32 and 33 and calls 34 its SIGRTMIN).
    public static func name(_ n: Int) -> String {
        let classic = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
                       "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
                       "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
                       "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"]
        if n >= 1 && n <= 31 { return classic[n - 1] }
        if n == 32 { return "SIGRTMIN" }
        if n == 64 { return "SIGRTMAX" }
        return "SIGRTMIN+\(n - 32)"
    }

    public func state(task: UInt64) throws -> TaskSignals {
        let blockedMask = try kernel.readU64(task + blocked.offset)
        let pendingMask = try kernel.readU64(task + pending.offset + pendingSignal.offset)
        let sig = try kernel.readPointer(task, signal)
        let shared = sig == 0 ? 0 : try kernel.readU64(sig + sharedPending.offset + pendingSignal.offset)
        var state = TaskSignals(blocked: blockedMask, pending: pendingMask, sharedPending: shared,
                                ignored: 0, caught: 0, actions: [])
        let hand = try kernel.readPointer(task, sighand)
        guard hand != 0 else { return state }
        for i in 0..<count {
            let n = i + 1, bit: UInt64 = 1 << UInt64(i)
            let a = hand + action.offset + UInt64(i) * actionSize
            let handler = try kernel.readU64(a + saHandler.offset)
            // SIG_DFL 0, SIG_IGN 1 (include/uapi/asm-generic/signal-defs.h).
            let disposition = handler == 0 ? "default" : handler == 1 ? "ignore" : "handler"
            if handler == 1 { state.ignored |= bit } else if handler != 0 { state.caught |= bit }
            state.actions.append(SignalDisposition(
                signal: n, name: Self.name(n), disposition: disposition, handler: handler,
                flags: try kernel.readU64(a + saFlags.offset), mask: try kernel.readU64(a + saMask.offset),
                blocked: blockedMask & bit != 0, pending: pendingMask & bit != 0, sharedPending: shared & bit != 0))
        }
        return state
    }
}
