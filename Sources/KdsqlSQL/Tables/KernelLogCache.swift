import KdsqlMemory
import KdsqlKernel

/// The kernel log and the panic analysis, read once per connection and
/// shared by the log, panic and oops tables (the log is a few thousand
/// records at most; reading it takes milliseconds).
final class KernelLogCache {
    let kernel: Kernel
    let log: KernelLog
    private(set) lazy var panic: Result<PanicInfo, any Error> = Result { try PanicInfo(kernel: kernel, log: log) }
    private(set) lazy var oopses: [OopsReport] = OopsReport.find(in: log.records)

    init(kernel: Kernel) throws {
        self.kernel = kernel
        self.log = try KernelLog(kernel: kernel)
    }

    static func get(_ context: ConnectionContext, neededBy table: String) throws -> KernelLogCache {
        let kernel = try context.kernel(neededBy: table)
        return try context.cached("log.records") { try KernelLogCache(kernel: kernel) }
    }
}
