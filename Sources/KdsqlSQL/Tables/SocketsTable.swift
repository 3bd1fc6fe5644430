import KdsqlMemory
import KdsqlKernel

/// `sockets`: sockets held through descriptors plus those only the TCP/UDP
/// hash tables hold (crash's `net -s`, /proc/net/tcp). A row carries the
/// addresses found by the walk; the sock is decoded on the first column
/// that needs it, and a sock that cannot be read makes those columns NULL
/// with a warning.
struct SocketsTable: ProcessTable {
    final class Row {
        let entry: SocketEntry
        let scan: SocketScan
        init(entry: SocketEntry, scan: SocketScan) {
            self.entry = entry
            self.scan = scan
        }
        private var decoded: Result<SocketInfo?, any Error>?
        /// The decoded sock, nil for a socket file without one.
        func info() throws -> SocketInfo? {
            if let decoded { return try decoded.get() }
            let r = Result { entry.sock == 0 ? nil : try scan.listing.sockets.describe(sock: entry.sock) }
            decoded = r
            return try r.get()
        }
    }

    /// Per-scan state: the walkers, and which hash table holds each sock
    /// (read at most once per scan, only if the hash_table column is asked
    /// for on a pid-pushed scan).
    final class SocketScan {
        let listing: SocketListing
        let tasks: Tasks
        init(listing: SocketListing, tasks: Tasks) {
            self.listing = listing
            self.tasks = tasks
        }
        lazy var tables: Result<[UInt64: SocketHashTables.Table], any Error> = Result { try listing.hashTables() }
    }

    static var columns: Columns {
        Columns(
            source: .text { $0.entry.source },
            pid: .integer { $0.entry.pid },
            comm: .text { row in
                guard let pid = row.entry.pid, let task = try row.scan.tasks.lookup(pid: pid).first else { return nil }
                return try row.scan.tasks.comm(task)
            },
            fd: .integer { $0.entry.fd },
            sock: .address { $0.entry.sock == 0 ? nil : $0.entry.sock },
            socket: .address { $0.entry.socket },
            file: .address { $0.entry.file },
            netns: .address { try $0.info()?.netns },
            family: .text { try $0.info()?.family },
            type: .text { try $0.info()?.type },
            protocol: .text { try $0.info()?.protocol },
            state: .text { try $0.info()?.state },
            stateRaw: .integer { try $0.info()?.stateRaw },
            localAddr: .text { try $0.info()?.localAddress },
            localPort: .integer { try $0.info()?.localPort },
            remoteAddr: .text { try $0.info()?.remoteAddress },
            remotePort: .integer { try $0.info()?.remotePort },
            inode: .integer { try $0.info()?.inode },
            uid: .integer { try $0.info()?.uid },
            rxQueue: .integer { try $0.info()?.rxQueue },
            txQueue: .integer { try $0.info()?.txQueue },
            hashTable: .text { row in
                if let t = row.entry.hashTable { return t }
                return try row.scan.tables.get()[row.entry.sock]?.rawValue
            })
    }
    static var rowsPerProcess: Double { 4 }
    static var estimatedRows: Double { 200 }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let session = try context.session(neededBy: Self.name)
        let tasks = try session.tasks()
        let listing = try session.sockets()
        let socketScan = SocketScan(listing: listing, tasks: tasks)
        if filter.pid.isEmpty { return .empty }
        guard let pid = filter.pid.equal else {
            return Rows(try listing.all(describe: false).lazy.map { Row(entry: $0, scan: socketScan) })
        }
        // pid = N: that process's descriptors only (hash rows have no pid).
        let leaders = try tasks.lookup(pid: pid).filter { try tasks.tgid($0) == pid }
        let entries = try leaders.flatMap { try listing.entries(ofLeader: $0, describe: false) }
        return Rows(entries.lazy.map { Row(entry: $0, scan: socketScan) })
    }

    /// A socket appears once per descriptor that holds it, and once if only a hash table does.
    func rowIdentity(_ row: Row) -> RowIdentity {
        RowIdentity(row.entry.sock == 0 ? row.entry.file ?? 0 : row.entry.sock,
                    UInt64(bitPattern: row.entry.pid ?? -1), UInt64(bitPattern: Int64(row.entry.fd ?? -1)))
    }
}
