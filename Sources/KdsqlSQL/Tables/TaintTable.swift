import KdsqlKernel

/// `taint`: one row per taint flag of the kernel in the dump.
struct TaintTable: VirtualTable {
    static let name = "taint"
    static var columns: [String: Column<TaintFlag>] {
        [
            "bit": .integer { $0.bit },
            "letter": .text { $0.letter },
            "letter_unset": .text { $0.letterUnset },
            "name": .text { $0.name },
            "description": .text { $0.description },
            "is_set": .bool { $0.isSet },
            "module": .bool { $0.module },
        ]
    }
    static var estimatedRows: Double { 20 }

    let context: ConnectionContext
    init(context: ConnectionContext) { self.context = context }

    func open(_ scan: Scan) throws -> Rows<TaintFlag> {
        Rows(try Taint(kernel: try context.kernel(neededBy: Self.name)).flags)
    }
}
