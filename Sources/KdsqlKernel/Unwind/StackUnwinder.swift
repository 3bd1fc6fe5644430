/// Walks one kernel stack from a starting register state to its outermost
/// frame. x86_64 unwinds with the kernel's ORC tables (`OrcUnwinder`,
/// falling back to frame pointers); another architecture brings its own
/// (arm64: frame records), chosen where `StackTraces` is made.
public protocol StackUnwinder {
    /// The most frames one walk yields before it stops, marked, as a runaway.
    var maxFrames: Int { get }
    /// Frames innermost first; an unwinding failure ends the list with a
    /// frame whose `error` says why, never a trap.
    func unwind(from start: UnwindStart, stacks: [StackRange]) -> [UnwoundFrame]
}
