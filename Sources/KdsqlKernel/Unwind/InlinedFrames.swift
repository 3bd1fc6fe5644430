import KdsqlDebugInfo

extension StackTraces {
    /// With a debug vmlinux (or a module's debug file, --modules-dir), each
    /// unwound frame of that code becomes one
    /// row per function at its pc, innermost first: the functions inlined
    /// there (`inlined`), then the real one, each with its source file and
    /// line, as drgn's stack traces and crash's `bt -l` show them; code
    /// without a DWARF function (assembly) is named by the ELF function
    /// symbol that spans it, as drgn names it. The
    /// registers, pt_regs and exception mark stay on the group's first row;
    /// every row keeps the ELF symbol (`symbol`, `offset`, `size`) of the
    /// code. Frames of code without DWARF stay as they are.
    /// Frames are numbered again, inlined ones included, as drgn numbers them.
    func withInlinedFrames(_ frames: [StackFrame]) -> [StackFrame] {
        guard !sourceLocations.isEmpty else { return frames }
        var out: [StackFrame] = []
        out.reserveCapacity(frames.count + frames.count / 2)
        for frame in frames {
            guard frame.error == nil, let at = frame.lookupPC else {
                out.append(frame)
                continue
            }
            let functions = sourceLocations.frames(at: at, module: frame.module)
            guard !functions.isEmpty else {
                out.append(frame)
                continue
            }
            for (k, f) in functions.enumerated() {
                var row = frame
                if let name = f.function {
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
