// swift-tools-version:6.1
// Benchmarks for kdsql, kept out of the main package so that building kdsql
// never pulls in the benchmark framework. Run from this directory:
//   swift package benchmark --target DumpBenchmarks
import PackageDescription

let package = Package(
    name: "kdsql-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "kdsql", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Fixture paths and truth lookups the benchmark executables share.
        .target(name: "BenchmarkFixtures", path: "Benchmarks/BenchmarkFixtures"),
        .executableTarget(
            name: "DumpBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkFixtures",
                // KdsqlDump is reached through the library product that contains it.
                .product(name: "KdsqlSQL", package: "kdsql"),
            ],
            path: "Benchmarks/DumpBenchmarks",
            // KdsqlSQL calls SQLite through its API table; an executable links the library itself.
            linkerSettings: [.linkedLibrary("sqlite3")],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "UnwindBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkFixtures",
                .product(name: "KdsqlSQL", package: "kdsql"),
            ],
            path: "Benchmarks/UnwindBenchmarks",
            // KdsqlSQL calls SQLite through its API table; an executable links the library itself.
            linkerSettings: [.linkedLibrary("sqlite3")],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VMBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkFixtures",
                .product(name: "KdsqlSQL", package: "kdsql"),
            ],
            path: "Benchmarks/VMBenchmarks",
            linkerSettings: [.linkedLibrary("sqlite3")],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
