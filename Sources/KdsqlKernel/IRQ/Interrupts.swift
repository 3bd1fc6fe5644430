import KdsqlMemory
import KdsqlDebugInfo

/// One interrupt line with a descriptor, as /proc/interrupts and crash's `irq` show it.
public struct Interrupt: Sendable, Equatable {
    public var irq: Int64
    public var descriptor: UInt64
    /// irq_chip name (IO-APIC, PCI-MSI, ...), nil without a chip.
    public var chip: String?
    /// Hardware irq number in its domain; nil when the irq has no domain.
    public var hwirq: Int64?
    /// The flow handler's name (`desc->name`: edge, fasteoi, ...).
    public var trigger: String?
    /// The actions' names joined with ", " as /proc/interrupts prints them.
    public var name: String?
    /// First action's handler, and that of the flow (`desc->handle_irq`).
    public var handler: UInt64?
    public var handlerSymbol: String?
    public var flowHandlerSymbol: String?
    /// Per-CPU counts (kstat_irqs), indexed by possible CPU.
    public var counts: [(cpu: Int, count: UInt64)]

    public static func == (a: Interrupt, b: Interrupt) -> Bool {
        a.irq == b.irq && a.descriptor == b.descriptor && a.counts.map(\.count) == b.counts.map(\.count)
    }
}

/// Interrupt descriptors (kernel/irq/irqdesc.c, include/linux/irqdesc.h).
/// With CONFIG_SPARSE_IRQ the descriptors live in the radix tree
/// `irq_desc_tree` up to 6.4 and in the maple tree `sparse_irqs` from 6.5
/// (commit 721255b9826b "genirq: Use a maple tree for interrupt descriptor
/// management"); without it in the array `irq_desc[NR_IRQS]`. A descriptor
/// holds the chip and hwirq in `irq_data`, the per-CPU counts in
/// `kstat_irqs` (an `unsigned int __percpu *` up to 6.9, a per-CPU
/// `struct irqstat { cnt; ref; }` since 6.10), and its handlers on the
/// `action` chain (struct irqaction, `next`).
public final class Interrupts {
    public let kernel: Kernel
    let chip: FieldRef, chipName: FieldRef, hwirq: FieldRef, domain: FieldRef, descName: FieldRef, handleIRQ: FieldRef
    let action: FieldRef, actionName: FieldRef, actionHandler: FieldRef, actionNext: FieldRef, kstat: FieldRef
    let statCount: FieldRef?

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let d = "struct irq_desc"
        chip = try kernel.field(d, "irq_data.chip")
        chipName = try kernel.field("struct irq_chip", "name")
        hwirq = try kernel.field(d, "irq_data.hwirq")
        domain = try kernel.field(d, "irq_data.domain")
        descName = try kernel.field(d, "name")
        handleIRQ = try kernel.field(d, "handle_irq")
        action = try kernel.field(d, "action")
        kstat = try kernel.field(d, "kstat_irqs")
        let a = "struct irqaction"
        actionName = try kernel.field(a, "name")
        actionHandler = try kernel.field(a, "handler")
        actionNext = try kernel.field(a, "next")
        statCount = try? kernel.field("struct irqstat", "cnt")
    }

    /// (irq number, descriptor) of every allocated descriptor, in irq order.
    public func descriptors() throws -> [(irq: Int64, desc: UInt64)] {
        if let tree = try? kernel.address(of: "sparse_irqs") {
            let root = try kernel.readU64(tree + (try kernel.field("struct maple_tree", "ma_root")).offset)
            return try MapleTree(kernel: kernel).entries(root: root, what: "sparse_irqs").map { (Int64($0.first), $0.entry) }
        }
        if let tree = try? kernel.address(of: "irq_desc_tree") {
            // `radix_tree_root` is a #define for `struct xarray` since 4.20; before, its own struct with `rnode`.
            let headField = try (try? kernel.field("struct xarray", "xa_head")) ?? kernel.field("struct radix_tree_root", "rnode")
            let head = try kernel.readU64(tree + headField.offset)
            return try XArray(kernel: kernel).entries(head: head, limit: 1 << 20).map { (Int64($0.index), $0.entry) }
        }
        // !CONFIG_SPARSE_IRQ: struct irq_desc irq_desc[NR_IRQS], bounded by nr_irqs.
        let base = try kernel.address(of: "irq_desc")
        let size = UInt64(try kernel.size(of: "struct irq_desc"))
        let count = Int64(try kernel.readI32(try kernel.address(of: "nr_irqs")))
        return (0..<max(0, min(count, 1 << 16))).map { ($0, base + UInt64($0) * size) }
    }

    func symbol(_ address: UInt64) -> String? {
        guard address != 0, let hit = kernel.symbols.symbolize(address) else { return nil }
        return hit.offset == 0 ? hit.symbol.name : "\(hit.symbol.name)+0x\(String(hit.offset, radix: 16))"
    }

    public func interrupt(irq: Int64, desc: UInt64) throws -> Interrupt {
        let chipPtr = try kernel.readPointer(desc, chip)
        let chipText = chipPtr == 0 ? nil : try? kernel.readCString(try kernel.readPointer(chipPtr, chipName), maxLength: 64)
        let hasDomain = try kernel.readPointer(desc, domain) != 0
        let flowName = try kernel.readPointer(desc, descName)
        var names: [String] = []
        var firstHandler: UInt64? = nil
        var a = try kernel.readPointer(desc, action)
        var steps = 0
        while a != 0 && steps < 1000 {
            let n = try kernel.readPointer(a, actionName)
            if n != 0, let s = try? kernel.readCString(n, maxLength: 128) { names.append(s) }
            if firstHandler == nil { firstHandler = try kernel.readPointer(a, actionHandler) }
            a = try kernel.readPointer(a, actionNext)
            steps += 1
        }
        var counts: [(Int, UInt64)] = []
        let percpu = try kernel.readPointer(desc, kstat)
        if percpu != 0 {
            let offsets = try kernel.address(of: "__per_cpu_offset")
            for cpu in try kernel.possibleCPUs() {
                let p = percpu &+ (try kernel.readU64(offsets + UInt64(cpu) * 8)) &+ (statCount?.offset ?? 0)
                counts.append((cpu, UInt64(try kernel.readU32(p))))
            }
        }
        let flow = try kernel.readPointer(desc, handleIRQ)
        return Interrupt(irq: irq, descriptor: desc, chip: chipText,
                         hwirq: hasDomain ? Int64(try kernel.readUnsigned(desc, hwirq)) : nil,
                         trigger: flowName == 0 ? nil : try? kernel.readCString(flowName, maxLength: 32),
                         name: names.isEmpty ? nil : names.joined(separator: ", "),
                         handler: firstHandler, handlerSymbol: firstHandler.flatMap(symbol),
                         flowHandlerSymbol: symbol(flow), counts: counts)
    }

    /// Every descriptor /proc/interrupts would print: those with an action
    /// or a non-zero count (show_interrupts, kernel/irq/proc.c).
    public func all() throws -> [Interrupt] {
        try descriptors().compactMap { irq, desc in
            let i = try interrupt(irq: irq, desc: desc)
            return i.name != nil || i.counts.contains { $0.count != 0 } ? i : nil
        }
    }
}
