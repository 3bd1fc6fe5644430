@preconcurrency import Glibc
import KdsqlSQL

/// Ctrl-C in the interactive shell, as in sqlite3: it stops the running
/// statement (a long walk over a big dump), or clears the line being typed,
/// and never ends the shell.
///
/// The handler only sets flags and calls SQLite's interrupt, which itself
/// only sets a flag, so it is safe in a signal handler. At the prompt,
/// libedit passes the signal on to this handler and its readline() returns
/// NULL; the reader tells that from end of input by `takePending()`.
enum InterruptHandler {
    /// Written once before the handler is installed and only read by it.
    nonisolated(unsafe) private static var interrupt: (function: @convention(c) (OpaquePointer?) -> Void, handle: OpaquePointer)?
    /// Set by the handler; cleared by `takePending`.
    nonisolated(unsafe) private static var pending: sig_atomic_t = 0

    static func install(for database: KdsqlDatabase) {
        interrupt = database.interruptEntry
        signal(SIGINT) { _ in
            InterruptHandler.pending = 1
            if let (function, handle) = InterruptHandler.interrupt { function(handle) }
        }
        // A parent may have left SIGINT blocked (test runners do); unblock it
        // or Ctrl-C would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// True once for each Ctrl-C since the last call.
    static func takePending() -> Bool {
        defer { pending = 0 }
        return pending != 0
    }
}
