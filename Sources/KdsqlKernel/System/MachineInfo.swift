import KdsqlMemory
import KdsqlDebugInfo

/// crash's `mach`: the machine and the kernel's x86_64 memory layout.
///
/// Layout (Documentation/arch/x86/x86_64/mm.rst, arch/x86/include/asm/page_64_types.h,
/// pgtable_64_types.h): the direct map, vmalloc and vmemmap bases are
/// randomized under CONFIG_RANDOMIZE_MEMORY and kept in `page_offset_base`,
/// `vmalloc_base` and `vmemmap_base` (arch/x86/mm/kaslr.c); without them the
/// fixed 4- or 5-level defaults apply. The kernel image map starts at
/// __START_KERNEL_map (0xffffffff80000000), modules at MODULES_VADDR =
/// __START_KERNEL_map + KERNEL_IMAGE_SIZE.
public struct MachineInfo {
    public var machine: String
    public var cpus: Int
    /// Physical memory present: the zones' present_pages (crash's MEMORY SIZE).
    public var memoryBytes: UInt64?
    public var pageSize: UInt64
    public var directMapBase: UInt64
    public var vmallocStart: UInt64
    public var vmemmapStart: UInt64
    public var kernelMapBase: UInt64
    /// The kernel image's first address (`_text`, KASLR slide included).
    public var kernelStart: UInt64?
    public var modulesBase: UInt64
    public var kaslrOffset: UInt64
    public var physBase: UInt64
    /// Cache line size the boot CPU reports (boot_cpu_data.x86_clflush_size).
    public var l1CacheBytes: Int?
    public var hz: Int?
    /// Where `hz` came from.
    public var hzSource: String?
    public var commandLine: String?
    public var fiveLevelPaging: Bool
    public var stackBytes: UInt64
    /// cpu_khz (arch/x86/kernel/tsc.c): what tsc_init() printed as "tsc: Detected N MHz processor".
    public var cpuKHz: Int64?

    /// The tick rates Kconfig offers (kernel/Kconfig.hz).
    static let hzChoices = [100, 250, 300, 1000]

    public init(kernel: Kernel, system: SystemInfo, zones: [MemoryZone]?, threadSize: UInt64) {
        let info = kernel.vmcoreinfo
        machine = system.machine
        cpus = system.cpus
        pageSize = kernel.pageSize
        // Damaged zone counts give NULL rather than trap on the arithmetic.
        let present = zones?.reduce(UInt64?(0)) { sum, zone in
            sum.flatMap { let (s, o) = $0.addingReportingOverflow(zone.present); return o ? nil : s }
        } ?? nil
        memoryBytes = present.flatMap { let (b, o) = $0.multipliedReportingOverflow(by: kernel.pageSize); return o ? nil : b }
        fiveLevelPaging = (info.number("pgtable_l5_enabled") ?? 0) != 0
        func variable(_ name: String) -> UInt64? {
            guard let a = try? kernel.address(of: name), let v = try? kernel.readU64(a), v >= 0xff00_0000_0000_0000 else { return nil }
            return v
        }
        // __PAGE_OFFSET_BASE_L4/L5, VMALLOC_BASE_L4/L5, VMEMMAP_BASE_L4/L5.
        directMapBase = variable("page_offset_base") ?? (fiveLevelPaging ? 0xff11_0000_0000_0000 : 0xffff_8880_0000_0000)
        vmallocStart = variable("vmalloc_base") ?? (fiveLevelPaging ? 0xffa0_0000_0000_0000 : 0xffff_c900_0000_0000)
        vmemmapStart = variable("vmemmap_base") ?? (fiveLevelPaging ? 0xffd4_0000_0000_0000 : 0xffff_ea00_0000_0000)
        kernelMapBase = X86_64Translator.startKernelMap
        kernelStart = (try? kernel.address(of: "_text")) ?? info.symbol("_stext")
        let imageSize = info.number("KERNEL_IMAGE_SIZE").flatMap { $0 > 0 && $0 <= 1 << 31 ? UInt64($0) : nil } ?? 1 << 30
        modulesBase = kernelMapBase + imageSize
        kaslrOffset = kernel.kaslrOffset
        physBase = UInt64(bitPattern: info.number("phys_base") ?? 0)
        stackBytes = threadSize
        if let cpu = try? kernel.address(of: "boot_cpu_data"),
           let f = try? kernel.field("struct cpuinfo_x86", "x86_clflush_size"),
           let v = try? kernel.readUnsigned(cpu, f), v > 0, v <= 4096 {
            l1CacheBytes = Int(v)
        }
        // The saved copy: boot_command_line itself is __initdata, freed after boot.
        if let p = variable("saved_command_line") {
            commandLine = try? kernel.readCString(p, maxLength: 4096)
        }
        (hz, hzSource) = Self.hz(kernel: kernel, system: system)
        if let a = try? kernel.address(of: "cpu_khz"), let khz = try? kernel.readU32(a), khz > 0 { cpuKHz = Int64(khz) }
    }

    /// HZ is a build constant the kernel does not record. tick_nsec (kernel/time/ntp.c,
    /// up to 6.x) is NSEC_PER_SEC / HZ, adjusted by NTP by far less than
    /// the distance between Kconfig's choices; kernels without it are
    /// measured: jiffies_64 starts at INITIAL_JIFFIES = (u32)(-300 * HZ)
    /// (include/linux/jiffies.h) and advances HZ per second of uptime.
    static func hz(kernel: Kernel, system: SystemInfo) -> (Int?, String?) {
        func nearest(_ x: Double) -> Int? {
            let best = hzChoices.min { abs(Double($0) - x) < abs(Double($1) - x) }!
            return abs(Double(best) - x) / Double(best) < 0.05 ? best : nil
        }
        if let a = try? kernel.address(of: "tick_nsec"), let tick = try? kernel.readU64(a), tick > 0,
           let hz = nearest(1e9 / Double(tick)) {
            return (hz, "tick_nsec")
        }
        guard let jiffies = system.jiffies, let uptime = system.uptimeNs else { return (nil, nil) }
        let seconds = Double(uptime) / 1e9
        var best: (hz: Int, error: Double)?
        for h in hzChoices {
            let initial = UInt64(UInt32(truncatingIfNeeded: -300 * h))
            let elapsed = Double(Int64(bitPattern: jiffies &- initial)) / Double(h)
            let error = abs(elapsed - seconds)
            if best == nil || error < best!.error { best = (h, error) }
        }
        guard let best, best.error < 2 else { return (nil, nil) }
        return (best.hz, "jiffies_64 and uptime")
    }
}
