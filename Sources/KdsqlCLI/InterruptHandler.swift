import CSQLite
@preconcurrency import Glibc

/// Ctrl-C in the interactive shell stops the running statement (a long
/// walk over a big dump) instead of killing the shell, as in sqlite3.
enum InterruptHandler {
    /// Written once before the handler is installed and only read by it.
    nonisolated(unsafe) private static var database: OpaquePointer?

    static func install(for db: OpaquePointer) {
        database = db
        // sqlite3_interrupt only sets a flag, so it is safe in a signal
        // handler; with no statement running it does nothing.
        signal(SIGINT) { _ in
            if let db = InterruptHandler.database { sqlite3_interrupt(db) }
        }
        // A parent may have left SIGINT blocked (test runners do); unblock it
        // or Ctrl-C would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }
}
