import KdsqlMemory
import KdsqlKernel

/// Arguments and endings shared by the generic walkers (kd_list, kd_rbtree,
/// kd_xarray, kd_maple, kd_percpu, kd_array, kd_mem, kd_disasm).
enum WalkerArguments {
    /// An address argument: an integer, or text naming a number, a symbol
    /// or a symbol path (`init_task.tasks`, through the member-path
    /// evaluator, so `->` is followed too). nil when the argument is NULL
    /// or absent (the table then has no rows).
    static func address(_ value: SQLValue?, _ table: String, kernel: Kernel) throws -> UInt64? {
        guard let value, !value.isNull else { return nil }
        switch value {
        case .integer(let i): return UInt64(bitPattern: i)
        case .text(let s):
            if let n = number(s) { return n }
            guard let address = try kernel.address(ofSymbolPath: s) else {
                throw FunctionArgumentError(table, "'\(s)' follows a NULL pointer; it names no address")
            }
            return address
        default: throw FunctionArgumentError(table, "expected an address or a symbol path, got \(value)")
        }
    }

    /// A decimal or 0x-hexadecimal integer spelled as text, or nil.
    static func number(_ text: String) -> UInt64? {
        let s = text.split(separator: " ").joined(separator: " ")
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
        if s.hasPrefix("-"), let v = Int64(s) { return UInt64(bitPattern: v) }
        return UInt64(s)
    }

    /// A text argument (a type or member name); nil when NULL or absent.
    static func text(_ value: SQLValue?, _ table: String, _ what: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .text(let s) = value, !s.isEmpty else {
            throw FunctionArgumentError(table, "expected \(what) as text, got \(value)")
        }
        return s
    }

    /// A count argument in 0...maximum; nil when NULL or absent.
    static func count(_ value: SQLValue?, _ table: String, _ what: String, maximum: Int) throws -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let n = value.int64, n >= 0, n <= Int64(maximum) else {
            throw FunctionArgumentError(table, "\(what) must be an integer from 0 to \(maximum), got \(value)")
        }
        return Int(n)
    }

    /// A walk that damage ended early: a warning (the rows so far stand),
    /// kept in kdsql_warnings too, or under --strict the error itself.
    static func stopped(_ table: String, _ error: any Error, in context: ConnectionContext) throws {
        if context.options.strict { throw error }
        context.warn("\(table): \(errorText(error)); rows before it are shown")
        var address: UInt64?
        if case MemoryError.cycle(_, let at)? = error as? MemoryError { address = at }
        record("\(table): walk stopped: \(errorText(error))", at: address, because: error, in: context)
    }

    /// Records a problem in the session's warnings (kdsql_warnings).
    static func record(_ message: String, at address: UInt64?, because error: any Error, in context: ConnectionContext) {
        guard let warnings = context.kernel?.warnings else { return }
        let table = message.prefix { $0 != ":" }
        warnings.scope = String(table)
        warnings.note(message, at: address, cause: KernelWarnings.unreadableCause(error) ?? "broken links")
    }
}
