import KdsqlMemory
import KdsqlDebugInfo

/// The Magic SysRq keys the kernel in the dump knows, and whether they were
/// enabled (drivers/tty/sysrq.c).
///
/// `sysrq_key_table` is an array of `const struct sysrq_key_op *` indexed by
/// key: '0'..'9' at 0..9, 'a'..'z' at 10..35, and since 5.7 'A'..'Z' at
/// 36..61 (sysrq_key_table_key2index(); the table grew from 36 to 62
/// entries then). Entries are NULL for unregistered keys; several keys share
/// one op (the ten loglevel keys). `struct sysrq_key_op` has had the same
/// members from 5.10 to 7.x: `handler`, `help_msg`, `action_msg`,
/// `enable_mask`; only the handler's argument changed (`int key` up to 6.5,
/// `u8 key` from 6.6), which does not change how the pointer is read.
///
/// `sysrq_enabled` is the kernel.sysrq sysctl (CONFIG_MAGIC_SYSRQ_DEFAULT_ENABLE
/// at boot); 1 means every key, another non-zero value is a mask of
/// SYSRQ_ENABLE_* bits (include/linux/sysrq.h), and `sysrq_always_enabled`
/// (the sysrq_always_enabled boot option) overrides it (sysrq_on_mask()).
public final class SysRq {
    public struct Key: Sendable, Equatable {
        /// The key character ("c", "7", "R").
        public var key: String
        /// Index in sysrq_key_table.
        public var index: Int
        /// Address of the struct sysrq_key_op.
        public var op: UInt64
        public var help: String?
        public var action: String?
        public var handler: UInt64?
        public var enableMask: Int64?
        /// sysrq_on_mask(enable_mask) under the dump's settings.
        public var enabled: Bool?
    }

    /// The sysrq_enabled variable (kernel.sysrq); nil when unreadable.
    public let enabledMask: Int64?
    /// sysrq_always_enabled (boot option); false when the symbol is absent.
    public let alwaysEnabled: Bool
    /// Registered keys in table order.
    public let keys: [Key]

    /// The key character of table index `i` (sysrq_key_table_key2index() inverted).
    public static func character(ofIndex i: Int) -> String? {
        switch i {
        case 0..<10: return String(UnicodeScalar(UInt8(48 + i)))
        case 10..<36: return String(UnicodeScalar(UInt8(97 + i - 10)))
        case 36..<62: return String(UnicodeScalar(UInt8(65 + i - 36)))
        default: return nil
        }
    }

    /// What sysrq_on_mask() decides for an op's mask.
    public static func isEnabled(mask: Int64, sysrqEnabled: Int64, alwaysEnabled: Bool) -> Bool {
        alwaysEnabled || sysrqEnabled == 1 || (sysrqEnabled & mask) != 0
    }

    /// The sysrq_enabled variable; nil when the kernel has no SysRq
    /// (CONFIG_MAGIC_SYSRQ=n: no symbol), an error when it cannot be read.
    public static func enabledMask(kernel: Kernel) throws -> Int64? {
        guard let a = kernel.symbols.address(of: "sysrq_enabled") else { return nil }
        return Int64(try kernel.readI32(a))
    }

    /// True when the kernel was built with SysRq support (it has the key table).
    public static func isPresent(kernel: Kernel) -> Bool { kernel.symbols.address(of: "sysrq_key_table") != nil }

    public init(kernel: Kernel) throws {
        enabledMask = try? Self.enabledMask(kernel: kernel)
        alwaysEnabled = ((try? kernel.address(of: "sysrq_always_enabled")).flatMap { try? kernel.readU8($0) } ?? 0) != 0
        let table = try kernel.address(of: "sysrq_key_table")
        // 62 entries on every kernel kdsql reads; a smaller distance to the
        // next symbol (a pre-5.7 table of 36) shortens it.
        var count = 62
        if let size = kernel.symbols.symbolize(table)?.size, size >= 8 { count = min(count, Int(size / 8)) }
        let op = "struct sysrq_key_op"
        let handlerField = try kernel.field(op, "handler")
        let helpField = try kernel.field(op, "help_msg")
        let actionField = try kernel.field(op, "action_msg")
        let maskField = try kernel.field(op, "enable_mask")
        var keys: [Key] = []
        for i in 0..<count {
            let p = try kernel.readU64(table + UInt64(i) * 8)
            guard p != 0, let key = Self.character(ofIndex: i) else { continue }
            func string(_ f: FieldRef) -> String? {
                guard let s = try? kernel.readPointer(p, f), s != 0 else { return nil }
                return try? kernel.readCString(s, maxLength: 256)
            }
            let mask = try? kernel.readSigned(p, maskField)
            var enabled: Bool?
            if let mask, let enabledMask {
                enabled = Self.isEnabled(mask: mask, sysrqEnabled: enabledMask, alwaysEnabled: alwaysEnabled)
            }
            keys.append(Key(key: key, index: i, op: p, help: string(helpField), action: string(actionField),
                            handler: try? kernel.readPointer(p, handlerField), enableMask: mask, enabled: enabled))
        }
        self.keys = keys
    }

    /// The key whose handler is `function` (a frame's function name), e.g.
    /// sysrq_handle_crash -> "c". Keys sharing a handler give the first.
    public func key(handledBy function: String, symbols: any SymbolTable) -> Key? {
        keys.first { k in
            guard let h = k.handler, let s = symbols.symbolize(h), s.offset == 0 else { return false }
            return s.symbol.name == function
        }
    }

    /// The key whose action message __handle_sysrq() logged ("Trigger a
    /// crash" -> "c"); nil when none or several keys print it (the loglevel keys).
    public func key(action: String) -> Key? {
        let matching = keys.filter { $0.action == action }
        guard let first = matching.first, matching.allSatisfy({ $0.op == first.op }) else { return nil }
        return matching.count == 1 ? first : nil
    }
}
