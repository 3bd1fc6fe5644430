import Benchmark
import BenchmarkFixtures
import KdsqlMemory
import KdsqlKernel
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

// Backtrace benchmarks over the real sysrq fixture: unwinding every task
// (what `SELECT count(*) FROM stack_frames` does), reported as frames per
// second, cold (first pass: ORC lookups and page reads) and warm (a second
// pass over the same StackTraces, whose ORC cache is filled).

let formats = ["vmcore-mdf-d31.elf", "vmcore-mdf-d31-zlib.kdump"]

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident, .custom("frames/s", polarity: .prefersLarger)],
        maxDuration: .seconds(5), maxIterations: 20)

    for format in formats {
        let path = fixtureDir + "/" + format
        Benchmark("unwind all tasks, cold (\(format))") { benchmark in
            let kernel = try Kernel.open(path: path)
            let tasks = try Tasks(kernel: kernel)
            let all = try tasks.all()
            benchmark.startMeasurement()
            let clock = ContinuousClock()
            let start = clock.now
            let traces = try StackTraces(kernel: kernel, tasks: tasks)
            var frames = 0
            for t in all { frames += traces.trace(task: t).frames.count }
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            benchmark.measurement(.custom("frames/s", polarity: .prefersLarger), Int(Double(frames) / seconds(elapsed)))
        }

        Benchmark("unwind all tasks, warm (\(format))") { benchmark in
            let kernel = try Kernel.open(path: path)
            let traces = try StackTraces(kernel: kernel)
            let all = try traces.tasks.all()
            for t in all { blackHole(traces.trace(task: t)) }
            benchmark.startMeasurement()
            let clock = ContinuousClock()
            let start = clock.now
            var frames = 0
            for t in all { frames += traces.trace(task: t).frames.count }
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            benchmark.measurement(.custom("frames/s", polarity: .prefersLarger), Int(Double(frames) / seconds(elapsed)))
        }
    }
}
