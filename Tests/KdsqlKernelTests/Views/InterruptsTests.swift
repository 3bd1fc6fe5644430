import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// Interrupt descriptors against /proc/interrupts (truth/interrupts.csv).
@Suite struct InterruptsTests {
    @Test(arguments: Fixtures.viewsSets) func everyNumberedLineOfProcInterruptsIsThere(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let irqs = try Interrupts(kernel: kernel).all()
        let truth = try Fixtures.truthCSV(set, "interrupts.csv").filter { Int64($0["irq"]!) != nil }
        // The guest wrote its record to ttyS1 (irq 3) only after reading
        // /proc/interrupts: then the line had no count and was not listed; in
        // the dump the port is closed again (no action) but its count is not 0,
        // so show_interrupts() would list it.
        let extra = irqs.filter { i in !truth.contains { Int64($0["irq"]!) == i.irq } }
        #expect(extra.map(\.irq) == [3] && extra[0].name == nil && extra[0].counts.contains { $0.count > 0 })
        #expect(irqs.map(\.irq).filter { $0 != 3 } == truth.map { Int64($0["irq"]!)! })
        for r in truth {
            let i = try #require(irqs.first { $0.irq == Int64(r["irq"]!)! })
            #expect(i.chip == r["chip"] && i.hwirq == Int64(r["hwirq"]!) && i.trigger == r["trigger"] && i.name == r["name"],
                    "irq \(i.irq)")
            // Counts only grow; the timer and the disks kept interrupting after the capture.
            for (cpu, key) in [(0, "cpu0"), (1, "cpu1")] {
                let got = i.counts.first { $0.cpu == cpu }?.count ?? 0
                #expect(got >= UInt64(r[key]!)!, "irq \(i.irq) \(key): dump \(got), truth \(r[key]!)")
            }
        }
    }

    @Test(arguments: Fixtures.viewsSets) func handlersResolveToKernelSymbols(set: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.viewsDump(set))
        let irqs = try Interrupts(kernel: kernel).all()
        // i8042 and the serial port: drivers built into the kernel.
        #expect(irqs.first { $0.irq == 4 }?.handlerSymbol == "serial8250_interrupt")
        #expect(irqs.first { $0.irq == 1 }?.handlerSymbol == "i8042_interrupt")
        #expect(irqs.first { $0.irq == 1 }?.flowHandlerSymbol == "handle_edge_irq")
    }

    @Test(arguments: Fixtures.kernelDumps)
    func everyKernelHasTheTimerAndCountsPerCPU(dump: String) throws {
        let kernel = try Kernel.open(path: try Fixtures.path(dump))
        let irqs = try Interrupts(kernel: kernel).all()
        let timer = try #require(irqs.first { $0.irq == 0 })
        #expect(timer.name == "timer")
        #expect(irqs.allSatisfy { $0.counts.count == (try? kernel.possibleCPUs().count) })
    }
}
