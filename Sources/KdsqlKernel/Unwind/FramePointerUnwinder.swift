import KdsqlMemory

/// The frame-pointer fallback: with `push %rbp; mov %rsp,%rbp` prologues,
/// `[bp]` holds the caller's bp and `[bp+8]` the return address
/// (arch/x86/kernel/unwind_frame.c). Used for a single step where no ORC rule
/// covers the pc; the result is accepted only if bp lies on a known stack
/// above sp and the return address is kernel text.
public enum FramePointerUnwinder {
    public static func step(ip: UInt64, sp: UInt64, bp: UInt64, kernel: Kernel, stacks: [StackRange],
                            isText: (UInt64) -> Bool) -> (ip: UInt64, sp: UInt64, bp: UInt64)? {
        guard bp & 7 == 0, bp >= sp,
              let stack = stacks.first(where: { $0.contains(bp, length: 16) }),
              stack.contains(sp) || sp == stack.high,
              let savedBP = try? kernel.readU64(bp),
              let ret = try? kernel.readU64(bp &+ 8),
              isText(ret) else { return nil }
        return (ret, bp &+ 16, savedBP)
    }
}
