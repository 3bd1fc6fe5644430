import KdsqlMemory
import KdsqlKernel
import Glibc
public enum KdsqlMain {
    static func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
    public static func run() {
        let t0 = now()
        let k = try! Kernel.open(path: CommandLine.arguments[1])
        let t1 = now()
        _ = try! k.types()
        let t2 = now()
        let tasks = try! Tasks(kernel: k)
        let t3 = now()
        let n = try! tasks.all().filter { try tasks.comm($0) == "bash" }.count
        let t4 = now()
        print(n, "open+kallsyms \((t1-t0)*1000) ms, btf \((t2-t1)*1000) ms, fields \((t3-t2)*1000) ms, walk \((t4-t3)*1000) ms", k.dump.cacheStats)
    }
}
