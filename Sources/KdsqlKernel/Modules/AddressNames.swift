import KdsqlMemory
import KdsqlDebugInfo

/// Names for kernel addresses wherever they point, the way the kernel's own
/// %pS / %ps do it (kernel/kallsyms.c kallsyms_lookup: the kernel image's
/// kallsyms, else the module's, kernel/module/kallsyms.c):
/// - inside a loaded module (any of its regions): the module's own symbols,
///   `name+0xoff [module]`;
/// - inside the kernel image [_text, _end): vmlinux's symbols;
/// - anywhere else (vmalloc space past vmlinux's last symbol, per-CPU
///   offsets, small numbers such as 0): nil. vmlinux's last symbol
///   (`__init_scratch_end`) must not claim module or vmalloc addresses.
///
/// The module list is read once, on first need; a dump whose module list
/// cannot be read still names kernel-image addresses.
public final class AddressNames {
    public let kernel: Kernel
    private var loaded = false
    private var _modules: ModuleSymbols?

    public init(kernel: Kernel, modules: ModuleSymbols? = nil) {
        self.kernel = kernel
        if let modules { _modules = modules; loaded = true }
    }

    /// The loaded modules' symbols; nil when the module list cannot be read.
    public var modules: ModuleSymbols? {
        if !loaded {
            loaded = true
            _modules = try? ModuleSymbols(kernel: kernel)
        }
        return _modules
    }

    /// Whether `address` lies in the kernel image (when the image's bounds are known).
    func inKernelImage(_ address: UInt64) -> Bool {
        guard let start = kernel.symbols.address(of: "_text"), let end = kernel.symbols.address(of: "_end") else { return true }
        return address >= start && address < end
    }

    /// `name+0xoff` (`name` at offset 0), with ` [module]` for module
    /// addresses: timer callbacks, ops tables.
    public func describe(_ address: UInt64) -> String? {
        if let m = modules?.symbolize(address) {
            return (m.offset == 0 ? m.name : "\(m.name)+0x\(String(m.offset, radix: 16))") + " [\(m.module)]"
        }
        guard inKernelImage(address) else { return nil }
        return kernel.symbols.describe(address)
    }

    /// `name+0xoff/0xsize [module]`, as an Oops prints a module's frame.
    public func describeWithSize(_ address: UInt64) -> String? {
        if let text = modules?.describe(address) { return text }
        guard inKernelImage(address) else { return nil }
        return kernel.symbols.describeWithSize(address)
    }

    /// The symbol starting exactly at `address` (an ops table, a function),
    /// `name [module]` for a module's; nil inside or outside every symbol.
    public func exactName(_ address: UInt64) -> String? {
        if let m = modules?.symbolize(address) { return m.offset == 0 ? "\(m.name) [\(m.module)]" : nil }
        guard inKernelImage(address), let s = kernel.symbols.symbolize(address), s.offset == 0 else { return nil }
        return s.symbol.name
    }
}
