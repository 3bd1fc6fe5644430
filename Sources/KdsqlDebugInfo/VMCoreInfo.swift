/// The VMCOREINFO note: `KEY=value` lines written by the kernel
/// (kernel/vmcore_info.c, arch/x86/kernel/machine_kexec_64.c
/// arch_crash_save_vmcoreinfo). SYMBOL values are runtime (KASLR-relocated)
/// addresses in hex; NUMBER values are signed decimal; SIZE/OFFSET/LENGTH are
/// decimal; KERNELOFFSET is hex without a prefix.
public struct VMCoreInfo: Sendable {
    /// Every line, in order, as (key, value).
    public let entries: [(key: String, value: String)]
    private let table: [String: String]

    public init(text: String) {
        var entries: [(String, String)] = []
        var table: [String: String] = [:]
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\0" }) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]), value = String(line[line.index(after: eq)...])
            entries.append((key, value))
            table[key] = value
        }
        self.entries = entries
        self.table = table
    }

    public subscript(key: String) -> String? { table[key] }

    public var osRelease: String? { table["OSRELEASE"] }
    public var buildID: String? { table["BUILD-ID"] }
    public var pageSize: Int? { table["PAGESIZE"].flatMap { Int($0) } }
    /// KASLR slide of the kernel text (0 when KASLR is off or unknown).
    public var kernelOffset: UInt64 { table["KERNELOFFSET"].flatMap { UInt64($0, radix: 16) } ?? 0 }
    /// CRASHTIME: seconds since the epoch, written only by crash_kexec().
    public var crashTime: Int64? { table["CRASHTIME"].flatMap { Int64($0) } }

    /// `SYMBOL(name)` — a runtime address.
    public func symbol(_ name: String) -> UInt64? {
        table["SYMBOL(\(name))"].flatMap { UInt64($0, radix: 16) }
    }
    /// `NUMBER(name)` — a signed decimal number (phys_base is negative under KASLR).
    public func number(_ name: String) -> Int64? { table["NUMBER(\(name))"].flatMap { Int64($0) } }
    public func size(_ name: String) -> Int? { table["SIZE(\(name))"].flatMap { Int($0) } }
    public func offset(_ type: String, _ member: String) -> Int? { table["OFFSET(\(type).\(member))"].flatMap { Int($0) } }
    public func length(_ name: String) -> Int? { table["LENGTH(\(name))"].flatMap { Int($0) } }
}
