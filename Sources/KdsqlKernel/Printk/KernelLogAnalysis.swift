import KdsqlMemory

/// The kernel log and what is read from it: the panic and every Oops. The
/// log is a few thousand records at most and reading it takes
/// milliseconds, so a session reads it once for the log, panic and oops
/// tables.
public final class KernelLogAnalysis {
    public let kernel: Kernel
    public let log: KernelLog
    public private(set) lazy var panic: Result<PanicInfo, any Error> = Result { try PanicInfo(kernel: kernel, log: log) }
    public private(set) lazy var oopses: [OopsReport] = OopsReport.find(in: log.records)

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        self.log = try KernelLog(kernel: kernel)
    }
}
