import KdsqlDebugInfo

extension StackTraces {
    /// With a debug vmlinux, each unwound frame of vmlinux code becomes one
    /// row per function at its pc, innermost first: the functions inlined
    /// there (`inlined`), then the real one, each with its source file and
    /// line, as drgn's stack traces and crash's `bt -l` show them; code
    /// without a DWARF function (assembly) is named by the ELF function
    /// symbol that spans it, as drgn names it. The
    /// registers, pt_regs and exception mark stay on the group's first row;
    /// every row keeps the ELF symbol (`symbol`, `offset`, `size`) of the
    /// code. Module frames stay as they are (module DWARF is not read yet).
    /// Frames are numbered again, inlined ones included, as drgn numbers them.
    func withInlinedFrames(_ frames: [StackFrame]) -> [StackFrame] {
        guard let sourceLines else { return frames }
        var out: [StackFrame] = []
        out.reserveCapacity(frames.count + frames.count / 2)
        for frame in frames {
            guard frame.error == nil, frame.module == nil, let at = frame.lookupPC else {
                out.append(frame)
                continue
            }
            let functions = sourceLines.frames(at: at &- kernel.kaslrOffset)
            guard !functions.isEmpty else {
                out.append(frame)
                continue
            }
            for (k, f) in functions.enumerated() {
                var row = frame
                if let name = f.function ?? sourceLines.vmlinux.functionSymbol(containing: at &- kernel.kaslrOffset) {
                    row.function = name
                }
                row.inlined = f.inlined
                row.file = f.file
                row.line = f.line
                if k > 0 {
                    row.registers = nil
                    row.regsAddress = nil
                    row.isExceptionFrame = false
                }
                out.append(row)
            }
        }
        for i in out.indices { out[i].frame = i }
        return out
    }
}
