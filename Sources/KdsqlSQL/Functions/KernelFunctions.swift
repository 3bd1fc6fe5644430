import KdsqlMemory
import KdsqlDebugInfo
import KdsqlKernel

/// Scalar functions that read the dumped kernel: symbols, memory, types.
///
/// A read of memory the dump does not have follows the column rule: NULL and
/// a warning, or an error in strict mode. A NULL argument gives NULL.
enum KernelFunctions {
    static var all: [ScalarFunction] {
        [symbol, readU64, readU32, readU16, readU8, readString, vtop, offsetof, sizeof]
    }

    static let symbol = ScalarFunction("kd_symbol", arguments: 1,
                                       description: "Address as symbol+0xoffset ('init_task', 'schedule+0x1c'); NULL if no symbol") { args, context in
        guard let address = try address(args, 0, "kd_symbol") else { return .null }
        guard let symbols = context.symbols else { throw NotAvailable("symbol table", neededBy: "kd_symbol()") }
        return describe(address, symbols: symbols, context: context).map(SQLValue.text) ?? .null
    }

    /// A module address through the module's own kallsyms
    /// (`kdsql_oops_write+0x5/0xff0 [kdsql_oops]`, as an Oops prints it);
    /// a vmlinux address only inside the kernel image [_text, _end): past
    /// vmlinux's last symbol lie modules and vmalloc space, which its last
    /// symbol (`__init_scratch_end`) must not claim; below it, per-CPU
    /// offsets and small numbers (0) are no addresses at all.
    static func describe(_ address: UInt64, symbols: any SymbolTable, context: ConnectionContext) -> String? {
        if let modules = context.session?.addressNames().modules, let text = modules.describe(address) { return text }
        if let start = symbols.address(of: "_text"), let end = symbols.address(of: "_end"), address < start || address >= end {
            return nil
        }
        return symbols.describe(address)
    }

    static let readU64 = reader("kd_read_u64", bytes: 8) { try $0.readU64($1) }
    static let readU32 = reader("kd_read_u32", bytes: 4) { try $0.readU32($1) }
    static let readU16 = reader("kd_read_u16", bytes: 2) { try $0.readU16($1) }
    static let readU8 = reader("kd_read_u8", bytes: 1) { try $0.readU8($1) }

    static let readString = ScalarFunction("kd_read_string", arguments: 1...2,
                                           description: "NUL-terminated string at a kernel address, at most max bytes (default 4096)") { args, context in
        guard let address = try address(args, 0, "kd_read_string") else { return .null }
        var max = 4096
        if args.count > 1 {
            guard let m = args[1].int64, m >= 0, m <= 1 << 20 else {
                throw FunctionArgumentError("kd_read_string", "max must be an integer from 0 to 1048576, got \(args[1])")
            }
            max = Int(m)
        }
        let kernel = try context.kernel(neededBy: "kd_read_string()")
        return try guarded("kd_read_string", address, context) { .text(try kernel.readCString(address, maxLength: max)) }
    }

    /// With a pid, the address is translated through that process's page
    /// table (mm->pgd), as crash's `vtop -c PID` does for user addresses.
    static let vtop = ScalarFunction("kd_vtop", arguments: 1...2,
                                     description: "Physical address a virtual address maps to: kd_vtop(addr) for kernel addresses, kd_vtop(addr, pid) through that process's page tables") { args, context in
        guard let address = try address(args, 0, "kd_vtop") else { return .null }
        let kernel = try context.kernel(neededBy: "kd_vtop()")
        guard args.count > 1 else {
            return try guarded("kd_vtop", address, context) { .address(try kernel.virtualToPhysical(address)) }
        }
        if args[1].isNull { return .null }
        guard let pid = args[1].int64 else { throw FunctionArgumentError("kd_vtop", "pid must be an integer, got \(args[1])") }
        let space = try UserAddressSpace(session: try context.session(neededBy: "kd_vtop()"), pid: pid)
        return try guarded("kd_vtop", address, context) { .address(try space.translate(address, kernel: kernel)) }
    }

    static let offsetof = ScalarFunction("kd_offsetof", arguments: 2,
                                         description: "Byte offset of a member (path) in a type: kd_offsetof('task_struct', 'se.vruntime')") { args, context in
        guard let type = args[0].string, let member = args[1].string else { return .null }
        return .integer(Int64(try context.kernel(neededBy: "kd_offsetof()").offset(of: type, member)))
    }

    static let sizeof = ScalarFunction("kd_sizeof", arguments: 1,
                                       description: "Size of a type in bytes: kd_sizeof('struct task_struct')") { args, context in
        guard let type = args[0].string else { return .null }
        return .integer(Int64(try context.kernel(neededBy: "kd_sizeof()").size(of: type)))
    }

    private static func reader(_ name: String, bytes: Int,
                               _ read: @escaping @Sendable (Kernel, UInt64) throws -> some FixedWidthInteger) -> ScalarFunction {
        ScalarFunction(name, arguments: 1, description: "Unsigned \(bytes * 8)-bit integer at a kernel virtual address") { args, context in
            guard let address = try address(args, 0, name) else { return .null }
            let kernel = try context.kernel(neededBy: "\(name)()")
            return try guarded(name, address, context) { .integer(Int64(truncatingIfNeeded: try read(kernel, address))) }
        }
    }

    /// An address argument: integer (or numeric/0x text); NULL stays NULL.
    private static func address(_ args: [SQLValue], _ i: Int, _ function: String) throws -> UInt64? {
        if args[i].isNull { return nil }
        guard let a = args[i].uint64 else { throw FunctionArgumentError(function, "expected an address, got \(args[i])") }
        return a
    }

    /// Applies the unreadable-memory rule to a read.
    private static func guarded(_ function: String, _ address: UInt64, _ context: ConnectionContext,
                                _ read: () throws -> SQLValue) throws -> SQLValue {
        do {
            return try read()
        } catch {
            let message = "\(function)(\(HexFunction.hex(address))): \(errorText(error))"
            if context.options.strict { throw FunctionArgumentError(function, "\(HexFunction.hex(address)): \(errorText(error))") }
            context.warn(message)
            return .null
        }
    }
}
