import Benchmark
import BenchmarkFixtures
import KdsqlDump
import CZlib
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

// Layer-1 benchmarks over the real fixtures (see
// shared/fixtures/linux-6.1-cloud-amd64/README.md). Nothing is hard-coded:
// init_task comes from the System.map, shifted by VMCOREINFO KERNELOFFSET and
// translated with NUMBER(phys_base).

let formats = ["vmcore-mdf-d31.elf", "vmcore-mdf-d31-zlib.kdump", "vmcore-mdf-d31-lzo.kdump", "vmcore-mdf-d31-zlib.flat"]

/// init_task's link-time address from the System.map, read once (outside
/// any measurement).
let initTaskSymbol: UInt64 = {
    let map = readText(fixtureDir + "/System.map-6.1.0-56-cloud-amd64")
    guard let line = map.split(separator: "\n").first(where: { $0.hasSuffix(" init_task") }),
          let symbol = UInt64(line.prefix { $0 != " " }, radix: 16) else { fatalError("init_task not in System.map") }
    return symbol
}()

/// Physical address of init_task: System.map address + KERNELOFFSET, minus
/// __START_KERNEL_map (0xffffffff80000000), plus phys_base
/// (arch/x86/include/asm/page_64.h __phys_addr_nodebug).
func initTaskPhysical(_ dump: any DumpFile) -> UInt64 {
    var kaslr: UInt64 = 0, physBase: UInt64 = 0
    for l in (dump.vmcoreinfo ?? "").utf8.split(separator: UInt8(ascii: "\n")) {
        let line = Substring(l)
        if line.hasPrefix("KERNELOFFSET=") { kaslr = UInt64(line.dropFirst(13), radix: 16) ?? 0 }
        if line.hasPrefix("NUMBER(phys_base)=") { physBase = UInt64(bitPattern: Int64(line.dropFirst(18)) ?? 0) }
    }
    return (initTaskSymbol &+ kaslr) &- 0xffff_ffff_8000_0000 &+ physBase
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal],
        maxDuration: .seconds(3), maxIterations: 50)

    for format in formats {
        let path = fixtureDir + "/" + format
        Benchmark("open + read init_task 4 KiB (\(format))") { benchmark in
            blackHole(initTaskSymbol)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let dump = try DumpOpener.open(path: path)
                let page = try dump.read(physical: initTaskPhysical(dump), count: 4096)
                blackHole(page)
            }
        }
    }

    for format in formats {
        let path = fixtureDir + "/" + format
        Benchmark("sequential read of all present pages (\(format))",
                  configuration: .init(metrics: [.wallClock, .peakMemoryResident, .custom("MB/s", polarity: .prefersLarger)],
                                       maxDuration: .seconds(5), maxIterations: 10)) { benchmark in
            let dump = try DumpOpener.open(path: path)
            let pfns = dump.presentPageFrames()
            var page = [UInt8](repeating: 0, count: 4096)
            benchmark.startMeasurement()
            let start = DispatchTimeLike.now()
            try page.withUnsafeMutableBytes { buffer in
                for pfn in pfns { try dump.read(physical: pfn << 12, into: buffer) }
            }
            let seconds = DispatchTimeLike.now() - start
            benchmark.stopMeasurement()
            benchmark.measurement(.custom("MB/s", polarity: .prefersLarger), Int(Double(pfns.count * 4096) / seconds / 1e6))
        }
    }

    Benchmark("cache hit rate of walks 2-4 over the same 8192 pages (zlib kdump)",
              configuration: .init(metrics: [.wallClock, .custom("hit %", polarity: .prefersLarger)], maxIterations: 5)) { benchmark in
        let dump = try DumpOpener.open(path: fixtureDir + "/vmcore-mdf-d31-zlib.kdump")
        let pfns = Array(dump.presentPageFrames().prefix(8192))   // 32 MiB: fits the 64 MiB cache
        var word: UInt64 = 0
        var afterFirst = PageCacheStats()
        for walk in 0..<4 {
            if walk == 1 { afterFirst = dump.cacheStats }
            for pfn in pfns {
                // Two fields per page, like a walker reading a struct.
                try withUnsafeMutableBytes(of: &word) { try dump.read(physical: pfn << 12 | 0x18, into: $0) }
                try withUnsafeMutableBytes(of: &word) { try dump.read(physical: pfn << 12 | 0x40, into: $0) }
            }
        }
        let s = dump.cacheStats
        let hits = s.hits - afterFirst.hits, misses = s.misses - afterFirst.misses
        benchmark.measurement(.custom("hit %", polarity: .prefersLarger), Int(100 * hits / max(1, hits + misses)))
    }

    Benchmark("plain zlib uncompress() of every stored page (zlib kdump), for comparison",
              configuration: .init(metrics: [.wallClock, .custom("MB/s", polarity: .prefersLarger)],
                                   maxDuration: .seconds(5), maxIterations: 10)) { benchmark in
        let path = fixtureDir + "/vmcore-mdf-d31-zlib.kdump"
        guard let dump = try DumpOpener.open(path: path) as? KdumpCompressedFile else { fatalError("not a kdump") }
        let file = try MappedFile(path: path)
        let stored = try dump.presentPageFrames().map { try dump.descriptor(pfn: $0) }.filter { $0.flags & 1 != 0 }
        let out = UnsafeMutablePointer<Bytef>.allocate(capacity: 4096)
        defer { out.deallocate() }
        benchmark.startMeasurement()
        let start = DispatchTimeLike.now()
        for d in stored {
            let src = try file.bytes(at: d.offset, count: d.size, what: "page")
            var length = uLongf(4096)
            let rc = uncompress(out, &length, src.baseAddress!.assumingMemoryBound(to: Bytef.self), uLong(d.size))
            precondition(rc == Z_OK && length == 4096)
        }
        let seconds = DispatchTimeLike.now() - start
        benchmark.stopMeasurement()
        benchmark.measurement(.custom("MB/s", polarity: .prefersLarger), Int(Double(stored.count * 4096) / seconds / 1e6))
    }
}

/// Monotonic seconds (CLOCK_MONOTONIC), without Foundation/Dispatch.
enum DispatchTimeLike {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
