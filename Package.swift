// swift-tools-version:6.1
// kdsql — SQL over Linux kernel crash dumps.
//
// Layers (each imports only those below it):
//   1. KdsqlDump       dump file formats, physical memory, page cache
//   2. KdsqlDebugInfo  VMCOREINFO, System.map, kallsyms, BTF types, DWARF (vmlinux)
//   3. KdsqlMemory     x86_64 translation, the opened Kernel, typed objects
//   4. KdsqlKernel     walkers over kernel data structures
//   5. KdsqlSQL        SQLite virtual tables and scalar functions, bound to
//                      their definitions (Grammar/tables) at build time
//   6. KdsqlCLI/kdsql  the command and its shell
import PackageDescription

let sqliteLink: [LinkerSetting] = [.linkedLibrary("sqlite3")]

let package = Package(
    name: "kdsql",
    products: [
        .executable(name: "kdsql", targets: ["kdsql"]),
        .library(name: "KdsqlSQL", targets: ["KdsqlSQL"]),
        // The loadable SQLite extension: libkdsqlext.so, entry sqlite3_kdsqlext_init.
        .library(name: "kdsqlext", type: .dynamic, targets: ["KdsqlExtension"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian (docs/c-libraries.md says how each is used).
        .systemLibrary(name: "CElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Whole-buffer DEFLATE: zlib-compressed kdump pages (zlib stays the fallback).
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CLzo", pkgConfig: "lzo2", providers: [.apt(["liblzo2-dev"])]),
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // No link line: the SQL layer calls SQLite through sqlite3_api_routines so
        // that it can also be built as a loadable extension.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // libedit and capstone are C targets that load their library on first
        // use (dlopen), not at start-up: only the shell edits lines and only
        // kd_disasm disassembles, and mapping both cost every run 1.8 ms.
        .target(name: "CEdit"),
        // DWARF of a debug vmlinux (elfutils).
        .systemLibrary(name: "CDw", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),
        // x86-64 disassembly for kd_disasm (crash's `dis`).
        .target(name: "CCapstone"),

        // Layer 1
        .target(name: "KdsqlDump", dependencies: ["CElf", "CZlib", "CDeflate", "CLzo", "CSnappy", "CZstd"]),
        // Layer 2
        .target(name: "KdsqlDebugInfo", dependencies: ["KdsqlDump", "CDw"]),
        // Layer 3
        .target(name: "KdsqlMemory", dependencies: ["KdsqlDump", "KdsqlDebugInfo"]),
        // Layer 4
        .target(name: "KdsqlKernel", dependencies: ["KdsqlMemory", "CCapstone"]),
        // Layer 5. The table definitions (Grammar/tables/*.kdt) are compiled into
        // the binary so that kdsql needs no data files at run time.
        // The table-definition language, shared by the SQL layer (at run time)
        // and kdsql-bindgen (at build time), which turns Grammar/tables/*.kdt
        // into each table's typed binding; no generated source is committed.
        .target(name: "KdsqlDefinitions"),
        .executableTarget(name: "kdsql-bindgen", dependencies: ["KdsqlDefinitions"]),
        .plugin(name: "KdsqlBindgen", capability: .buildTool(), dependencies: ["kdsql-bindgen"]),
        .target(name: "KdsqlSQL", dependencies: ["KdsqlKernel", "KdsqlDefinitions", "CSQLite"], plugins: ["KdsqlBindgen"]),
        // The extension calls SQLite only through the api table SQLite hands
        // it; it links libsqlite3 for the few direct calls that KdsqlDatabase
        // (unused when loaded as an extension) makes, so that hosts which
        // load their own libsqlite3 privately (Python) can still resolve them.
        .target(name: "KdsqlExtension", dependencies: ["KdsqlSQL", "CSQLite"], linkerSettings: sqliteLink),
        // Layer 6. The saved queries (Queries/*.sql) are embedded by the same plugin.
        .target(
            name: "KdsqlCLI",
            dependencies: [
                "KdsqlSQL", "CEdit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: sqliteLink,
            plugins: ["KdsqlBindgen"]),
        .executableTarget(name: "kdsql", dependencies: ["KdsqlCLI"], linkerSettings: sqliteLink),

        // Tests. FixtureSupport finds ../shared/fixtures (or $KDSQL_FIXTURES) and parses truth files.
        .target(name: "FixtureSupport", path: "Tests/FixtureSupport"),
        .testTarget(name: "KdsqlDumpTests", dependencies: ["KdsqlDump", "FixtureSupport"]),
        .testTarget(name: "KdsqlDebugInfoTests", dependencies: ["KdsqlDebugInfo", "FixtureSupport"]),
        .testTarget(name: "KdsqlMemoryTests", dependencies: ["KdsqlMemory", "KdsqlKernel", "FixtureSupport"]),
        .testTarget(name: "KdsqlKernelTests", dependencies: ["KdsqlKernel", "FixtureSupport"]),
        .testTarget(name: "KdsqlSQLTests", dependencies: ["KdsqlSQL", "FixtureSupport"], linkerSettings: sqliteLink),
        .testTarget(name: "KdsqlCLITests", dependencies: ["KdsqlCLI", "FixtureSupport"], linkerSettings: sqliteLink),
    ]
)
