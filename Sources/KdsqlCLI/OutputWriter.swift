@preconcurrency import Glibc

/// A buffered writer over a file descriptor (fd 1 or an `-o`/`.output` file).
///
/// A class because one buffer is shared by the formatter, the timer and the
/// dot commands, and the shell swaps it when `.output` changes. Glibc
/// `write(2)` instead of `print` keeps start-up cheap and lets the runner
/// decide exactly when bytes reach the reader (streaming).
public final class OutputWriter {
    public let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    /// Past this many buffered bytes a write goes out on its own.
    private let capacity = 64 * 1024
    /// The errno of the first failed write, if any (a closed pipe, a full disk).
    public private(set) var writeError: Int32?

    public init(fd: Int32, ownsDescriptor: Bool = false) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        buffer.reserveCapacity(capacity)
    }

    public static func standardOutput() -> OutputWriter { OutputWriter(fd: STDOUT_FILENO) }

    /// Creates or truncates `path` for writing.
    public static func file(_ path: String) throws(CLIError) -> OutputWriter {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotWriteOutput(path: path, reason: SystemError.describe(errno)) }
        return OutputWriter(fd: fd, ownsDescriptor: true)
    }

    /// True when this writes to a terminal (decides the default format).
    public var isTerminal: Bool { isatty(fd) == 1 }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write(bytes: $0) }
    }

    public func write(byte: UInt8) {
        buffer.append(byte)
        if buffer.count >= capacity { flush() }
    }

    public func write(bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    public func write(repeating byte: UInt8, count: Int) {
        guard count > 0 else { return }
        buffer.append(contentsOf: repeatElement(byte, count: count))
        if buffer.count >= capacity { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        guard writeError == nil else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    writeError = errno
                    return
                }
                offset += n
            }
        }
    }

    deinit {
        flush()
        if ownsDescriptor { close(fd) }
    }
}

/// Writes one line to stderr straight away (errors and warnings are never buffered).
public func writeStandardError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
    }
}
