/// Task state as crash's `ps` shows it (include/linux/sched.h state bits;
/// crash's task_state_string()).
public enum TaskState {
    // include/linux/sched.h (6.1)
    static let interruptible: UInt64 = 0x1
    static let uninterruptible: UInt64 = 0x2
    static let stopped: UInt64 = 0x4
    static let traced: UInt64 = 0x8
    static let exitDead: UInt64 = 0x10
    static let exitZombie: UInt64 = 0x20
    static let parked: UInt64 = 0x40
    static let dead: UInt64 = 0x80
    static let waking: UInt64 = 0x200
    static let noload: UInt64 = 0x400
    static let new: UInt64 = 0x800

    /// crash's two-letter code: RU IN UN ST TR ZO DE SW ID NE (and PA/WA).
    public static func code(state: UInt64, exitState: UInt64) -> String {
        if exitState & exitZombie != 0 { return "ZO" }
        if exitState & exitDead != 0 { return "DE" }
        if state == 0 { return "RU" }
        if state & (uninterruptible | noload) == (uninterruptible | noload) { return "ID" }
        if state & uninterruptible != 0 { return "UN" }
        if state & interruptible != 0 { return "IN" }
        if state & stopped != 0 { return "ST" }
        if state & traced != 0 { return "TR" }
        if state & parked != 0 { return "PA" }
        if state & dead != 0 { return "DE" }
        if state & waking != 0 { return "WA" }
        if state & new != 0 { return "NE" }
        return "??"
    }

    /// The letter /proc/PID/stat shows (fs/proc/array.c task_state_array),
    /// for comparison with ground truth taken inside the guest.
    public static func procLetter(code: String) -> String {
        switch code {
        case "RU": return "R"
        case "IN": return "S"
        case "UN": return "D"
        case "ST": return "T"
        case "TR": return "t"
        case "ZO": return "Z"
        case "DE": return "X"
        case "ID": return "I"
        case "PA": return "P"
        default: return "?"
        }
    }
}
