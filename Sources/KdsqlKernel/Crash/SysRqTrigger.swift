import KdsqlMemory
import KdsqlDebugInfo

/// Which SysRq key brought the kernel down, for dumps crashed through SysRq
/// (`echo c > /proc/sysrq-trigger`, Alt-SysRq-c).
///
/// First from memory: the panicking task's stack holds the key's handler
/// (`sysrq_handle_crash` under `__handle_sysrq`, drivers/tty/sysrq.c).
/// Else from the log: __handle_sysrq() prints the op's action_msg
/// (`sysrq: Trigger a crash`, pr_fmt "sysrq: ") just before calling the
/// handler, and sysrq_handle_crash() panics with "sysrq triggered crash";
/// the key is taken from the last such record before the panic, and only
/// when the panic message is that one or the record is the one right
/// before the panic (a key logged earlier in the boot did not cause it).
public enum SysRqTrigger {
    public static let panicMessage = "sysrq triggered crash"

    /// The key and where it came from ("stack: sysrq_handle_crash", "log").
    public static func key(sysrq: SysRq, panicFunctions: [String]?, records: [LogRecord], panicSeq: UInt64?,
                           panicMessage: String?, symbols: any SymbolTable) -> (key: String, source: String)? {
        for function in panicFunctions ?? [] {
            if let k = sysrq.key(handledBy: function, symbols: symbols) { return (k.key, "stack: \(function)") }
        }
        guard let panicSeq, let pi = records.lastIndex(where: { $0.seq == panicSeq }) else { return nil }
        let prefix = "sysrq: "
        for i in stride(from: pi - 1, through: 0, by: -1) {
            guard let text = records[i].text, text.hasPrefix(prefix) else { continue }
            let action = String(text.dropFirst(prefix.count))
            guard let k = sysrq.key(action: action) else { continue }
            let adjacent = i == pi - 1
            if panicMessage?.trimmingCharacters(in: "\n ") == Self.panicMessage || adjacent { return (k.key, "log: \(text)") }
            return nil
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let c = s.first, chars.contains(c) { s = s.dropFirst() }
        while let c = s.last, chars.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
