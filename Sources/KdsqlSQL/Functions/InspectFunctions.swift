import KdsqlMemory
import KdsqlKernel

/// Typed reads of any kernel object by member path, crash's `struct` and
/// `p`: `kd_member`, `kd_value`, `kd_symbol_address`, `kd_container_of`.
///
/// Values follow the member's type: INTEGER for integers, enums and
/// pointers, TEXT for char arrays (up to the NUL), BLOB for other structs,
/// unions and arrays, NULL when a pointer on the path is NULL. Memory the
/// dump lacks gives NULL and a warning (kdsql_warnings), or an error under
/// --strict; a path the type does not have is an error naming the type and
/// the member.
enum InspectFunctions {
    static var all: [ScalarFunction] { [member, value, symbolAddress, containerOf] }

    static let member = ScalarFunction(
        "kd_member", arguments: 3,
        description: "Value of a member path of the object at an address: kd_member(task, 'task_struct', 'mm->map_count')") { args, context in
        guard let base = try address(args, 0, "kd_member"), let type = args[1].string, let path = args[2].string else { return .null }
        let kernel = try context.kernel(neededBy: "kd_member()")
        let accessor = try kernel.accessor(type, path)
        return try read("kd_member", base, context) { try kernel.value(of: accessor, in: base) }
    }

    static let value = ScalarFunction(
        "kd_value", arguments: 1...2,
        description: "Value of a global or a member path inside it, crash's p: kd_value('jiffies'), kd_value('init_task', 'comm')") { args, context in
        guard let symbol = args[0].string else { return .null }
        var text = symbol
        if args.count > 1 {
            guard let path = args[1].string else { return .null }
            if !path.isEmpty { text += path.hasPrefix("->") || path.hasPrefix("[") ? path : "." + path }
        }
        let kernel = try context.kernel(neededBy: "kd_value()")
        let parsed = try SymbolPath.parse(text)
        let base = try kernel.symbolAddress(parsed.symbol)
        guard let accessor = try kernel.accessor(symbolPath: parsed) else {
            throw MemberPathError.unknownGlobalType(symbol: parsed.symbol)
        }
        return try read("kd_value", base, context) { try kernel.value(of: accessor, in: base) }
    }

    static let symbolAddress = ScalarFunction(
        "kd_symbol_address", arguments: 1,
        description: "Address of a kernel symbol, or of a path inside a global ('init_task.tasks'); NULL when unknown") { args, context in
        guard let name = args[0].string else { return .null }
        let kernel = try context.kernel(neededBy: "kd_symbol_address()")
        if !name.contains(where: { $0 == "." || $0 == "-" || $0 == "[" }) {
            return (try? kernel.address(of: name)).map(SQLValue.address) ?? .null
        }
        do {
            return try kernel.address(ofSymbolPath: name).map(SQLValue.address) ?? .null
        } catch MemberPathError.unknownSymbol {
            return .null
        }
    }

    static let containerOf = ScalarFunction(
        "kd_container_of", arguments: 3,
        description: "Address of the object of a type that holds the member at an address: kd_container_of(node, 'task_struct', 'tasks')") { args, context in
        guard let address = try address(args, 0, "kd_container_of"), let type = args[1].string, let path = args[2].string else { return .null }
        let accessor = try context.kernel(neededBy: "kd_container_of()").accessor(type, path)
        guard let offset = accessor.directOffset else {
            throw FunctionArgumentError("kd_container_of", "'\(path)' follows a pointer; container_of needs a member inside \(type)")
        }
        return .address(address &- offset)
    }

    static func sqlValue(_ value: MemberValue) -> SQLValue {
        switch value {
        case .integer(let i): return .integer(i)
        case .real(let d): return .real(d)
        case .text(let s): return .text(s)
        case .bytes(let b): return .blob(b)
        case .null: return .null
        }
    }

    /// An address argument: integer (or numeric/0x text); NULL stays NULL.
    static func address(_ args: [SQLValue], _ i: Int, _ function: String) throws -> UInt64? {
        if args[i].isNull { return nil }
        guard let a = args[i].uint64 else { throw FunctionArgumentError(function, "expected an address, got \(args[i])") }
        return a
    }

    /// Unreadable memory: NULL plus a warning kept in kdsql_warnings (an
    /// error under --strict). Any other failure is the statement's error.
    static func read(_ function: String, _ address: UInt64, _ context: ConnectionContext,
                     _ body: () throws -> MemberValue) throws -> SQLValue {
        do {
            return sqlValue(try body())
        } catch {
            guard let cause = KernelWarnings.unreadableCause(error), !context.options.strict, let kernel = context.kernel else { throw error }
            kernel.warnings.scope = function
            kernel.warnings.note("\(function)() unreadable: \(KernelWarnings.reason(error))", at: address, cause: cause)
            return .null
        }
    }
}
