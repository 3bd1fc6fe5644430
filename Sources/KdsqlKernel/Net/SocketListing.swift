import KdsqlMemory

/// One row of the `sockets` table: a socket, and how it was found.
public struct SocketEntry: Sendable {
    /// `fd` for a socket a process holds, `hash` for one found only in the
    /// kernel's TCP/UDP hash tables.
    public var source: String
    /// Which hash table listed it (`tcp-listen`, `tcp-ehash`, `udp`,
    /// `udplite`), also for file-held sockets that are hashed.
    public var hashTable: String?
    public var pid: Int64?
    public var fd: Int?
    public var file: UInt64?
    public var socket: UInt64?
    /// The struct sock; 0 when a socket file has none (being released).
    public var sock: UInt64
    /// The decoded sock (nil when `sock` is 0, when decoding was not asked
    /// for, or when the sock could not be read).
    public var info: SocketInfo?
}

/// Every socket, crash's `net -s` and /proc/net/{tcp,udp} combined: first
/// each file-held socket (one row per descriptor, so a socket shared after
/// fork() appears once per holder), then the hashed sockets no process holds
/// (TIME_WAIT, not yet accepted, or orphaned).
public final class SocketListing {
    public let sockets: Sockets
    public let files: SocketFiles
    public let hashes: SocketHashTables
    public let devices: NetDevices

    public init(kernel: Kernel, tasks: Tasks? = nil, taskFiles: TaskFiles? = nil) throws {
        sockets = try Sockets(kernel: kernel)
        files = try SocketFiles(kernel: kernel, tasks: tasks, files: taskFiles)
        hashes = try SocketHashTables(kernel: kernel)
        devices = try NetDevices(kernel: kernel)
    }

    /// The `fd` rows of one process (thread-group leader), without touching
    /// the hash tables (`hashTable` stays nil; `hashTables()` answers it).
    public func entries(ofLeader task: UInt64, describe: Bool = true) throws -> [SocketEntry] {
        try files.sockets(ofLeader: task).map { f in
            SocketEntry(source: "fd", hashTable: nil, pid: f.pid, fd: f.fd, file: f.file, socket: f.socket, sock: f.sock,
                        info: f.sock == 0 || !describe ? nil : try? sockets.describe(sock: f.sock))
        }
    }

    /// Hashed socks and the table each is in.
    public func hashTables() throws -> [UInt64: SocketHashTables.Table] {
        var tableOf: [UInt64: SocketHashTables.Table] = [:]
        for (t, s) in try hashes.all(namespaces: try devices.namespaces()) { tableOf[s] = t }
        return tableOf
    }

    /// `describe: false` leaves `info` nil, for callers that decode lazily.
    public func all(describe: Bool = true) throws -> [SocketEntry] {
        let hashed = try hashes.all(namespaces: try devices.namespaces())
        var tableOf: [UInt64: SocketHashTables.Table] = [:]
        for (t, s) in hashed { tableOf[s] = t }
        var out: [SocketEntry] = []
        var held = Set<UInt64>()
        for f in try files.all() {
            held.insert(f.sock)
            out.append(SocketEntry(source: "fd", hashTable: tableOf[f.sock]?.rawValue, pid: f.pid, fd: f.fd,
                                   file: f.file, socket: f.socket, sock: f.sock,
                                   info: f.sock == 0 || !describe ? nil : try? sockets.describe(sock: f.sock)))
        }
        for (t, s) in hashed where !held.contains(s) {
            out.append(SocketEntry(source: "hash", hashTable: t.rawValue, pid: nil, fd: nil, file: nil, socket: nil,
                                   sock: s, info: describe ? try? sockets.describe(sock: s) : nil))
        }
        return out
    }
}
