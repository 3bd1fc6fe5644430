import KdsqlMemory
import KdsqlDebugInfo

/// Code addresses to functions (inlined ones included) and source lines,
/// from whichever DWARF covers the address: the debug vmlinux (-k) for the
/// kernel image, a module's matched debug file (--modules-dir) for module
/// code. Used by stack_frames and kd_addr2line.
public final class SourceLocations {
    public let kernel: Kernel
    let vmlinux: DwarfSourceLines?
    public let modules: ModuleSymbols?
    public let moduleDebug: ModuleDebugInfo?

    public init(kernel: Kernel, modules: ModuleSymbols?, moduleDebug: ModuleDebugInfo?) {
        self.kernel = kernel
        self.modules = modules
        self.moduleDebug = moduleDebug
        vmlinux = kernel.vmlinux.flatMap { try? DwarfSourceLines(vmlinux: $0) }
    }

    /// Whether any DWARF is at hand (else every lookup is empty).
    public var isEmpty: Bool { vmlinux == nil && moduleDebug == nil }

    /// The functions at a runtime address, innermost first, each named
    /// (DWARF's name; for code without a DWARF function, the ELF function
    /// symbol that spans it, as drgn names it; nil when neither exists).
    /// `module` is the module whose code it is (nil: the kernel image);
    /// empty when no DWARF covers the address.
    public func frames(at address: UInt64, module: String?) -> [SourceFrame] {
        var frames: [SourceFrame]
        let fallback: () -> String?
        if let module {
            guard let moduleDebug else { return [] }
            frames = moduleDebug.frames(at: address, module: module)
            fallback = { moduleDebug.functionSymbol(containing: address, module: module) }
        } else {
            guard let vmlinux else { return [] }
            let link = address &- kernel.kaslrOffset
            frames = vmlinux.frames(at: link)
            fallback = { vmlinux.vmlinux.functionSymbol(containing: link) }
        }
        for i in frames.indices where frames[i].function == nil { frames[i].function = fallback() }
        // A unit covers the address but says nothing about it (padding past a function's end).
        if frames.count == 1, frames[0].function == nil, frames[0].file == nil, frames[0].line == nil { return [] }
        return frames
    }

    /// The module whose memory holds `address` (nil: not a module's).
    public func module(containing address: UInt64) -> String? { modules?.module(containing: address)?.name }
}
