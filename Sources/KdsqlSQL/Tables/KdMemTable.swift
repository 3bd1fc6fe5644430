import KdsqlMemory
import KdsqlKernel

/// `kd_mem(start, length [, pid])`: raw memory 16 bytes a row (crash's
/// `rd`), through the kernel's page tables, or with `pid` through that
/// process's (`rd -u`). A row whose bytes the dump lacks has NULL contents;
/// one warning names each unreadable run, and the rows go on.
struct KdMemTable: VirtualTable {
    /// `bytes` is nil when the row could not be read.
    typealias Row = (address: UInt64, bytes: [UInt8]?)
    static let maximumLength = 1 << 24
    static let rowBytes = 16

    static var columns: Columns {
        Columns(
            address: .address { $0.address },
            hex: .text { row in row.bytes.map { $0.map(Self.hexByte).joined(separator: " ") } },
            u640: .integer { row in row.bytes.flatMap { Self.word($0, 0) } },
            u641: .integer { row in row.bytes.flatMap { Self.word($0, 8) } },
            ascii: .text { row in
                row.bytes.map { String(decoding: $0.map { $0 >= 0x20 && $0 < 0x7f ? $0 : UInt8(ascii: ".") }, as: UTF8.self) }
            })
    }

    static func hexByte(_ b: UInt8) -> String { (b < 16 ? "0" : "") + String(b, radix: 16) }

    static func word(_ bytes: [UInt8], _ at: Int) -> Int64? {
        guard bytes.count >= at + 8 else { return nil }
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[at + i]) }
        return Int64(bitPattern: v)
    }

    func open(_ filter: Filter, in context: ConnectionContext) throws -> Rows<Row> {
        let kernel = try context.kernel(neededBy: Self.name)
        guard let start = try WalkerArguments.address(filter.start, Self.name, kernel: kernel),
              let length = try WalkerArguments.count(filter.length, Self.name, "length", maximum: Self.maximumLength) else { return .empty }
        var space: UserAddressSpace?
        if let pid = filter.pid, !pid.isNull {
            guard let p = pid.int64 else { throw FunctionArgumentError(Self.name, "pid must be an integer, got \(pid)") }
            space = try UserAddressSpace(session: try context.session(neededBy: Self.name), pid: p)
        }
        let read: (UInt64, Int) throws -> [UInt8] = { [space] address, count in
            if let space { return try space.read(address, count: count, kernel: kernel) }
            return try kernel.read(address, count: count)
        }
        var offset = 0
        var failing = false
        let what = space.map { "pid \($0.pid) " } ?? ""
        return Rows {
            guard offset < length else { return nil }
            let address = start &+ UInt64(offset)
            let count = min(Self.rowBytes, length - offset)
            offset += count
            do {
                let bytes = try read(address, count)
                failing = false
                return (address, bytes)
            } catch {
                if context.options.strict { throw error }
                // One warning per unreadable run, not per row.
                if !failing {
                    let message = "\(Self.name): \(what)0x\(String(address, radix: 16)): \(errorText(error))"
                    context.warn(message)
                    WalkerArguments.record(message, at: address, because: error, in: context)
                }
                failing = true
                return (address, nil)
            }
        }
    }

    func rowIdentity(_ row: Row) -> RowIdentity { RowIdentity(row.address) }
}
