import KdsqlMemory

/// Where the kernel keeps its core `struct timekeeper` (kernel/time/timekeeping.c).
///
/// - up to 6.12: `static struct { seqcount_raw_spinlock_t seq; struct
///   timekeeper timekeeper; } tk_core` — an anonymous wrapper without a BTF
///   name, so the timekeeper's offset is the seqcount's size rounded up to the
///   timekeeper's 8-byte alignment;
/// - later (7.x here): `static struct tk_data timekeeper_data[TIMEKEEPERS_MAX]`,
///   entry TIMEKEEPER_CORE (0) the core one, `struct tk_data` named in BTF
///   (seq, timekeeper, shadow_timekeeper, lock).
public enum CoreTimekeeper {
    /// Address of the core `struct timekeeper`, nil when neither layout is found.
    public static func address(_ kernel: Kernel) -> UInt64? {
        if let tkCore = try? kernel.address(of: "tk_core"),
           let seqSize = try? kernel.size(of: "seqcount_raw_spinlock_t") {
            return tkCore + UInt64((seqSize + 7) & ~7)
        }
        if let data = try? kernel.address(of: "timekeeper_data"),
           let tk = try? kernel.field("struct tk_data", "timekeeper") {
            return data + tk.offset
        }
        return nil
    }
}
