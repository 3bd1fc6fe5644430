/// `kd_hex(n)`: '0x' + lowercase hex. Addresses are stored as Int64 bit
/// patterns, so a negative value is shown as the unsigned 64-bit number it
/// stands for (kd_hex(-1) = '0xffffffffffffffff'). NULL gives NULL.
enum HexFunction {
    static let function = ScalarFunction("kd_hex", arguments: 1,
                                         description: "Integer as 0x-prefixed lowercase hex; negative values as unsigned 64-bit") { args, _ in
        let v = args[0]
        if v.isNull { return .null }
        if case .blob = v { throw FunctionArgumentError("kd_hex", "expected an integer, got a blob") }
        guard let n = v.uint64 else { throw FunctionArgumentError("kd_hex", "expected an integer, got \(v)") }
        return .text(hex(n))
    }

    static func hex(_ n: UInt64) -> String { "0x" + String(n, radix: 16) }
}
