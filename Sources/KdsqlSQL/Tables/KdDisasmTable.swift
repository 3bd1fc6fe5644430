import KdsqlMemory
import KdsqlDebugInfo
import KdsqlKernel

/// `kd_disasm(start [, count])`: the instructions at a function or address
/// (crash's `dis`), decoded by capstone from the text as the dump holds it
/// (alternatives and static calls already patched, as crash shows them).
struct KdDisasmTable: VirtualTable {
    typealias Row = (instruction: Disassembler.Instruction, function: UInt64, symbol: String?)
    /// No kernel function is bigger; a larger span is a wrong extent.
    static let maximumBytes = 1 << 20
    static let maximumCount = 1 << 18
    /// The longest x86 instruction.
    static let longestInstruction = 15
    /// How far past a symbol an immediate may point and still be named by it.
    static let immediateReach: UInt64 = 4096

    static var columns: Columns {
        Columns(
            address: .address { $0.instruction.address },
            offset: .integer { Int64(bitPattern: $0.instruction.address &- $0.function) },
            bytes: .text { $0.instruction.bytes.map(KdMemTable.hexByte).joined(separator: " ") },
            mnemonic: .text { $0.instruction.mnemonic },
            operands: .text { $0.instruction.operands },
            symbol: .text { $0.symbol })
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let start = try startAddress(filter.start, kernel: kernel, context: context) else { return .empty }
        let count = try WalkerArguments.count(filter.count, Self.name, "count", maximum: Self.maximumCount)
        let extent = functionExtent(start, kernel: kernel, context: context)
        let function = extent?.start ?? start
        let byteCount: Int
        if let count {
            byteCount = min(count * Self.longestInstruction, Self.maximumBytes)
        } else {
            guard let extent else {
                throw FunctionArgumentError(Self.name, "no symbol contains 0x\(String(start, radix: 16)), so the function's end is unknown; give a count")
            }
            byteCount = Int(min(extent.end &- start, UInt64(Self.maximumBytes)))
        }
        let code = readable(start, count: byteCount, kernel: kernel)
        if code.count < byteCount {
            let at = start &+ UInt64(code.count)
            let message = "0x\(String(at, radix: 16)) is not in the dump"
            if code.isEmpty || context.options.strict { throw FunctionArgumentError(Self.name, message) }
            context.warn("\(Self.name): \(message); the instructions stop before it")
        }
        let instructions = try Disassembler().decode(code, at: start, count: count ?? Self.maximumCount)
        let symbols = kernel.symbols
        return Rows(instructions.lazy.map { insn in
            (insn, function, insn.target.flatMap { target in
                // An immediate is named only near a symbol: string literals
                // in .rodata have none, and the nearest one says nothing.
                if insn.targetIsImmediate, (symbols.symbolize(target)?.offset ?? .max) >= Self.immediateReach { return nil }
                return KernelFunctions.describe(target, symbols: symbols, context: context)
            })
        })
    }

    /// The start argument: an address or symbol path, or else the name of
    /// a function in a loaded module (from the module's own kallsyms).
    func startAddress(_ value: SQLValue?, kernel: Kernel, context: ConnectionContext) throws -> UInt64? {
        do {
            return try WalkerArguments.address(value, Self.name, kernel: kernel)
        } catch {
            guard case .text(let name)? = value,
                  let symbol = try? context.session?.moduleSymbols().all().first(where: { $0.name == name && $0.isDefined })
            else { throw error }
            return symbol.address
        }
    }

    /// [start, end) of the function holding `address`: from the module's
    /// kallsyms for module text (st_size when recorded), else the kernel's
    /// symbol table (its size is the distance to the next symbol, padding
    /// included).
    func functionExtent(_ address: UInt64, kernel: Kernel, context: ConnectionContext) -> (start: UInt64, end: UInt64)? {
        if let modules = try? context.session?.moduleSymbols(), let s = modules.symbolize(address) {
            let start = address &- s.offset
            // The ELF st_size where the module recorded it, so the padding
            // to the end of the module's text is not disassembled.
            let recorded = (try? modules.all())?.first { $0.address == start && $0.name == s.name && $0.size > 0 }?.size
            return (start, start &+ min(recorded ?? s.size, s.size))
        }
        if let text = kernel.symbols.address(of: "_stext"), let end = kernel.symbols.address(of: "_etext"),
           address < text || address >= end { return nil }
        guard let s = kernel.symbols.symbolize(address), let size = s.size else { return nil }
        return (s.symbol.address, s.symbol.address &+ size)
    }

    /// The bytes at `address` up to the first page the dump lacks.
    func readable(_ address: UInt64, count: Int, kernel: Kernel) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let va = address &+ UInt64(out.count)
            let n = min(kernel.translator.bytesToPageEnd(va), count - out.count)
            guard let chunk = try? kernel.read(va, count: n) else { break }
            out.append(contentsOf: chunk)
        }
        return out
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.instruction.address) }
}
