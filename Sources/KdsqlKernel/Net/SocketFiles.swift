import KdsqlMemory
import KdsqlDebugInfo

/// A socket a process holds through a file descriptor.
public struct SocketFile: Sendable {
    public var pid: Int64
    public var fd: Int
    public var file: UInt64
    /// The `struct socket` (file->private_data).
    public var socket: UInt64
    /// `socket->sk`; 0 while the socket is being released.
    public var sock: UInt64
}

/// Sockets reachable from the processes' file tables, like crash's
/// `net -s`: a file is a socket when `file->f_op == &socket_file_ops`
/// (net/socket.c), and then `file->private_data` is its `struct socket`
/// (sock_from_file). File tables are per process, so only thread-group
/// leaders are walked (threads share the leader's files_struct, and
/// /proc/PID/fd is per process too).
public final class SocketFiles {
    public let kernel: Kernel
    public let tasks: Tasks
    public let files: TaskFiles
    let fOp: FieldRef, privateData: FieldRef, socketSk: FieldRef
    let socketFileOps: UInt64

    public init(kernel: Kernel, tasks: Tasks? = nil, files: TaskFiles? = nil) throws {
        self.kernel = kernel
        self.tasks = try tasks ?? Tasks(kernel: kernel)
        self.files = try files ?? TaskFiles(kernel: kernel)
        fOp = try kernel.field("struct file", "f_op")
        privateData = try kernel.field("struct file", "private_data")
        socketSk = try kernel.field("struct socket", "sk")
        socketFileOps = try kernel.address(of: "socket_file_ops")
    }

    /// The socket behind `file`, or nil when the file is not a socket.
    public func socket(ofFile file: UInt64) throws -> UInt64? {
        guard try kernel.readPointer(file, fOp) == socketFileOps else { return nil }
        let s = try kernel.readPointer(file, privateData)
        return s == 0 ? nil : s
    }

    /// Socket descriptors of one process (its thread-group leader).
    public func sockets(ofLeader task: UInt64) throws -> [SocketFile] {
        let pid = try tasks.tgid(task)
        var out: [SocketFile] = []
        try files.forEachOpenFile(task: task) { fd, file in
            if let s = try socket(ofFile: file) {
                out.append(SocketFile(pid: pid, fd: fd, file: file, socket: s, sock: try kernel.readPointer(s, socketSk)))
            }
            return true
        }
        return out
    }

    /// Socket descriptors of every process, in task-list order. A process
    /// whose file table cannot be read is skipped rather than failing the
    /// whole walk (its tasks are still listed by `tasks`).
    public func all() throws -> [SocketFile] {
        var out: [SocketFile] = []
        var iterator = try tasks.makeIterator()
        while let t = try iterator.next() {
            guard let pid = try? tasks.pid(t), pid != 0, (try? tasks.tgid(t)) == pid else { continue }
            do {
                out += try sockets(ofLeader: t)
            } catch {
                try kernel.warnings.skip("open files (socket scan)", at: t, because: error)
            }
        }
        return out
    }
}
