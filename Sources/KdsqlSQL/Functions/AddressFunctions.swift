import KdsqlMemory

/// crash's address conversions: `ptov`, `btop`, `ptob`. (The page-table walk
/// of `vtop` is the kd_pte table; kd_vtop is in KernelFunctions.)
enum AddressFunctions {
    static var all: [ScalarFunction] { [ptov, btop, ptob] }

    static let ptov = ScalarFunction("kd_ptov", arguments: 1,
                                     description: "Kernel virtual address of a physical address, in the direct map (page_offset_base + physical)") { args, context in
        if args[0].isNull { return .null }
        guard let pa = args[0].uint64 else { throw FunctionArgumentError("kd_ptov", "expected a physical address, got \(args[0])") }
        let kernel = try context.kernel(neededBy: "kd_ptov()")
        guard let translator = kernel.translator as? X86_64Translator, let base = translator.pageOffsetBase else {
            throw FunctionArgumentError("kd_ptov", "the direct map's base (page_offset_base) is unknown for this dump")
        }
        guard pa < translator.directMapSize else {
            throw FunctionArgumentError("kd_ptov", "\(HexFunction.hex(pa)) is beyond the direct map (\(HexFunction.hex(translator.directMapSize)) bytes)")
        }
        return .address(base + pa)
    }

    static let btop = ScalarFunction("kd_btop", arguments: 1,
                                     description: "Page frame number of a byte address or count (bytes / page size, rounded down)") { args, context in
        if args[0].isNull { return .null }
        guard let bytes = args[0].uint64 else { throw FunctionArgumentError("kd_btop", "expected an integer, got \(args[0])") }
        let size = try context.kernel(neededBy: "kd_btop()").pageSize
        return .integer(Int64(bytes / size))
    }

    static let ptob = ScalarFunction("kd_ptob", arguments: 1,
                                     description: "Byte address of a page frame number, or bytes in a page count (pages * page size)") { args, context in
        if args[0].isNull { return .null }
        guard let pages = args[0].int64, pages >= 0 else { throw FunctionArgumentError("kd_ptob", "expected a non-negative integer, got \(args[0])") }
        let size = try context.kernel(neededBy: "kd_ptob()").pageSize
        let (bytes, overflow) = UInt64(pages).multipliedReportingOverflow(by: size)
        guard !overflow else { throw FunctionArgumentError("kd_ptob", "\(pages) pages overflow 64 bits") }
        return .address(bytes)
    }
}
