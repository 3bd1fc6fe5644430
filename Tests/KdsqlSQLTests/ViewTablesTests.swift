import Testing
import FixtureSupport
import KdsqlMemory
import KdsqlSQL

/// The kernel-view tables (crash's kmem, sig, irq, swap, ipcs, dev, cgroup,
/// namespace, neighbour and lock views) through SQL, against the views
/// fixture's truth, and answering on every kernel present.
@Suite struct ViewTablesTests {
    static func database(_ dump: String) throws -> KdsqlDatabase {
        try KdsqlDatabase(context: ConnectionContext(kernel: try Kernel.open(path: try Fixtures.path(dump))))
    }

    static let tables = ["meminfo", "zones", "free_areas", "slab_caches", "swap_devices", "signals", "irqs", "irq_counts",
                         "char_devices", "block_devices", "disks", "ipc_shm", "ipc_sem", "ipc_msg", "cgroups",
                         "task_cgroups", "namespaces", "uts_namespaces", "neighbours", "routes", "file_locks", "slab_objects"]
    /// Tables that have rows on any running kernel.
    static let neverEmpty: Set<String> = ["meminfo", "zones", "free_areas", "slab_caches", "signals", "irqs", "irq_counts",
                                          "char_devices", "cgroups", "task_cgroups", "namespaces", "uts_namespaces", "routes", "slab_objects"]

    @Test(arguments: Fixtures.kernelDumps)
    func everyViewTableAnswersSelectStar(dump: String) throws {
        let db = try Self.database(dump)
        for table in Self.tables {
            let rows = try db.query("SELECT * FROM \(table)")
            if Self.neverEmpty.contains(table) { #expect(!rows.isEmpty, "\(table) on \(dump)") }
        }
        #expect(db.drainWarnings().isEmpty)
    }

    @Test(arguments: Fixtures.kernelDumps)
    func invariantsHoldOnEveryKernel(dump: String) throws {
        let db = try Self.database(dump)
        // 64 signals per task, and the buddy lists add up to the zones' free counters.
        #expect(try db.query("SELECT count(*) FROM signals GROUP BY task HAVING count(*) != 64").isEmpty)
        #expect(try db.query("""
            SELECT z.zone FROM zones z JOIN (SELECT node, zone, sum(free_pages) AS f FROM free_areas GROUP BY node, zone) a
            USING (node, zone) WHERE a.f != z.free_pages + z.free_pages_percpu
            """).isEmpty)
        #expect(try db.query("SELECT name FROM slab_caches WHERE active_objects > total_objects OR total_objects > slabs * objects_per_slab").isEmpty)
        #expect(try db.query("SELECT count(*) FROM task_cgroups")[0][0] == (try db.query("SELECT count(*) FROM tasks WHERE pid != 0")[0][0]))
        #expect(try db.query("SELECT path FROM cgroups WHERE level = 0") == [[.text("/")]])
    }

    @Test(arguments: Fixtures.viewsSets) func meminfoHasTheStaticLinesOfProcMeminfo(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        var truth: [String: Int64] = [:]
        for line in try Fixtures.viewsLines(set, "meminfo.txt") {
            let parts = line.split(separator: ":", maxSplits: 1)
            truth[String(parts[0])] = Int64(parts[1].split(separator: " ")[0])!
        }
        for name in ["MemTotal", "SwapTotal", "SwapFree", "CommitLimit", "VmallocTotal", "Percpu", "DirectMap4k", "DirectMap2M"] {
            #expect(try db.query("SELECT kb FROM meminfo WHERE name = '\(name)'") == [[.integer(truth[name]!)]], "\(name)")
        }
        #expect(try db.query("SELECT count(*) FROM meminfo")[0][0] == .integer(Int64(truth.count)))
    }

    @Test(arguments: Fixtures.viewsSets) func slabCachesHaveSlabinfosNamesAndGeometry(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let got = try db.query("SELECT name, size, objects_per_slab, 1 << \"order\" FROM slab_caches")
        let truth: [[SQLValue]] = try Fixtures.truthCSV(set, "slabinfo.csv").map {
            [.text($0["name"]!), .integer(Int64($0["objsize"]!)!), .integer(Int64($0["objperslab"]!)!), .integer(Int64($0["pagesperslab"]!)!)]
        }
        #expect(got == truth)
    }

    /// WHERE cache = ... reads one cache; its slots are the cache's objects.
    @Test(arguments: Fixtures.kernelDumps)
    func slabObjectsOfACacheAreItsTotalObjects(dump: String) throws {
        let db = try Self.database(dump)
        let got = try db.query("SELECT count(*), sum(allocated) FROM slab_objects WHERE cache = 'task_struct'")
        let want = try db.query("SELECT total_objects, active_objects FROM slab_caches WHERE name = 'task_struct'")
        #expect(got[0][0] == want[0][0])
        let tasks = try db.query("SELECT count(*) FROM tasks WHERE pid != 0")[0][0].int64!
        #expect(got[0][1].int64! <= want[0][1].int64! && got[0][1].int64! >= tasks)
        #expect(try db.query("SELECT count(*) FROM slab_objects WHERE cache = 'no such cache'") == [[.integer(0)]])
    }

    @Test(arguments: Fixtures.viewsSets) func kdWhatisNamesATaskStructObjectAndAKernelSymbol(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let rows = try db.query("SELECT kind, cache, object = (SELECT task FROM tasks WHERE pid = 1), offset, allocated FROM kd_whatis((SELECT task FROM tasks WHERE pid = 1) + 64)")
        #expect(rows == [[.text("slab object"), .text("task_struct"), .integer(1), .integer(64), .integer(1)]])
        #expect(try db.query("SELECT kind, symbol FROM kd_whatis((SELECT address FROM symbols WHERE name = 'panic' LIMIT 1))") == [[.text("kernel text"), .text("panic")]])
        #expect(try db.query("SELECT count(*) FROM kd_whatis(NULL)") == [[.integer(0)]])
    }

    @Test(arguments: Fixtures.viewsSets) func swapDevicesEqualsProcSwaps(set: String) throws {
        let got = try Self.database(try Fixtures.viewsEntry(set)).query("SELECT path, type, size_kb, used_kb, priority FROM swap_devices")
        let truth: [[SQLValue]] = try Fixtures.truthCSV(set, "swaps.csv").map {
            [.text($0["filename"]!), .text($0["type"]!), .integer(Int64($0["size_kb"]!)!), .integer(Int64($0["used_kb"]!)!),
             .integer(Int64($0["priority"]!)!)]
        }
        #expect(got == truth)
    }

    /// SigBlk/SigIgn/SigCgt/ShdPnd rebuilt from the per-signal rows equal
    /// /proc/PID/status for the signals workload's two threads.
    @Test(arguments: Fixtures.viewsSets) func signalRowsRebuildProcStatusMasks(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let w = try ViewsWorkload(set)
        for r in try Fixtures.truthCSV(set, "signals.csv") where ["\(w.signalsPid)", "\(w.signalsThreadPid)"].contains(r["pid"]!) {
            let got = try db.query("""
                SELECT printf('%016x', sum(blocked << (signal - 1))), printf('%016x', sum((disposition = 'ignore') << (signal - 1))),
                       printf('%016x', sum((disposition = 'handler') << (signal - 1))), printf('%016x', sum(shared_pending << (signal - 1))),
                       printf('%016x', sum(pending << (signal - 1)))
                FROM signals WHERE pid = \(r["pid"]!)
                """)
            #expect(got == [[.text(r["SigBlk"]!), .text(r["SigIgn"]!), .text(r["SigCgt"]!), .text(r["ShdPnd"]!), .text(r["SigPnd"]!)]],
                    "pid \(r["pid"]!)")
        }
    }

    /// kdsql-signals' SIGUSR2 handler is its own user-space function: the
    /// address it printed (signal-handlers.txt usr2_handler=), no kernel symbol.
    @Test(arguments: Fixtures.viewsSets) func userSpaceHandlerHasItsAddressAndNoSymbol(set: String) throws {
        let w = try ViewsWorkload(set)
        let line = try #require(try Fixtures.viewsLines(set, "signal-handlers.txt").first)
        let handler = try #require(line.split(separator: " ").first { $0.hasPrefix("usr2_handler=0x") }.flatMap { UInt64($0.dropFirst(15), radix: 16) })
        let got = try Self.database(try Fixtures.viewsEntry(set)).query(
            "SELECT disposition, handler, handler_symbol FROM signals WHERE pid = \(w.signalsPid) AND signal = 12")
        #expect(got == [[.text("handler"), .integer(Int64(handler)), .null]])
    }

    @Test(arguments: Fixtures.viewsSets) func ipcTablesEqualProcSysvipc(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let rootNs = try db.query("SELECT inode FROM namespaces WHERE pid = 1 AND type = 'ipc'")[0][0]
        let shm = try db.query("SELECT key, id, printf('%o', perms), size, creator_pid, last_pid, attached FROM ipc_shm WHERE ipc_ns = \(rootNs.int64!) ORDER BY id")
        let shmTruth: [[SQLValue]] = try Fixtures.truthCSV(set, "ipc_shm.csv").filter { $0["ipc_ns"] == "root" }.map {
            [.integer(Int64($0["key"]!)!), .integer(Int64($0["shmid"]!)!), .text($0["perms"]!), .integer(Int64($0["size"]!)!),
             .integer(Int64($0["cpid"]!)!), .integer(Int64($0["lpid"]!)!), .integer(Int64($0["nattch"]!)!)]
        }
        #expect(shm == shmTruth)
        let sem = try db.query("SELECT key, id, printf('%o', perms), nsems FROM ipc_sem ORDER BY ipc_ns, id")
        #expect(sem == (try Fixtures.truthCSV(set, "ipc_sem.csv").map {
            [.integer(Int64($0["key"]!)!), .integer(Int64($0["semid"]!)!), .text($0["perms"]!), .integer(Int64($0["nsems"]!)!)]
        }))
        let msg = try db.query("SELECT key, id, printf('%o', perms), messages, bytes FROM ipc_msg ORDER BY ipc_ns, id")
        #expect(msg == (try Fixtures.truthCSV(set, "ipc_msg.csv").map {
            [.integer(Int64($0["key"]!)!), .integer(Int64($0["msqid"]!)!), .text($0["perms"]!), .integer(Int64($0["qnum"]!)!),
             .integer(Int64($0["cbytes"]!)!)]
        }))
        // The segment made inside kdsql-utsns is in that namespace, not in the initial one.
        #expect(try db.query("SELECT count(*) FROM ipc_shm WHERE ipc_ns != \(rootNs.int64!)") == [[.integer(1)]])
    }

    @Test(arguments: Fixtures.viewsSets) func devicesAndDisksEqualProcDevicesAndPartitions(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let truth = try Fixtures.truthCSV(set, "devices.csv")
        let chars = try db.query("SELECT DISTINCT major, name FROM char_devices ORDER BY major, name")
        let charPairs: [(Int64, String)] = truth.filter { $0["type"] == "char" }.map { (Int64($0["major"]!)!, $0["name"]!) }
        let charTruth: [[SQLValue]] = charPairs.sorted { $0 < $1 }.map { [.integer($0.0), .text($0.1)] }
        #expect(chars == charTruth)
        #expect(try db.query("SELECT major, name FROM block_devices") == truth.filter { $0["type"] == "block" }.map {
            [.integer(Int64($0["major"]!)!), .text($0["name"]!)]
        })
        #expect(try db.query("SELECT major, minor, size_kb, name FROM disks") == (try Fixtures.truthCSV(set, "partitions.csv").map {
            [.integer(Int64($0["major"]!)!), .integer(Int64($0["minor"]!)!), .integer(Int64($0["blocks_1k"]!)!), .text($0["name"]!)]
        }))
    }

    @Test(arguments: Fixtures.viewsSets) func cgroupsEqualTheCgroupTree(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let got = try db.query("""
            SELECT path, controllers, subtree_control, ifnull(memory_max, 'max'), ifnull(pids_max, 'max'), pids_current, nr_procs
            FROM cgroups WHERE path != '/' ORDER BY path
            """)
        let truth: [[SQLValue]] = try Fixtures.truthCSV(set, "cgroup_tree.csv").filter { $0["path"] != "/" }.map {
            [.text($0["path"]!), .text($0["controllers"]!), .text($0["subtree_control"]!),
             Int64($0["memory.max"]!).map(SQLValue.integer) ?? .text("max"), Int64($0["pids.max"]!).map(SQLValue.integer) ?? .text("max"),
             .integer(Int64($0["pids.current"]!)!), .integer(Int64($0["nprocs"]!)!)]
        }
        #expect(got == truth)
        let members = try db.query("SELECT pid FROM task_cgroups WHERE path = '/kdsql/batch' AND pid = tgid ORDER BY pid")
        let procs = try Fixtures.truthCSV(set, "cgroup_tree.csv").first { $0["path"] == "/kdsql/batch" }!["procs"]!
        #expect(members == procs.split(separator: " ").map { [.integer(Int64($0)!)] })
    }

    @Test(arguments: Fixtures.viewsSets) func namespacesAndUtsNamesOfTheNamespaceHolders(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let w = try ViewsWorkload(set)
        let holders = [w.netnsPid, w.utsnsPid, w.unsharePidnsPid, w.pidnsPid].map { "\($0)" }
        for r in try Fixtures.truthCSV(set, "namespaces.csv") where holders.contains(r["pid"]!) {
            #expect(try db.query("SELECT inode FROM namespaces WHERE pid = \(r["pid"]!) AND type = '\(r["type"]!)'")
                    == [[.integer(Int64(r["inode"]!)!)]], "pid \(r["pid"]!) \(r["type"]!)")
        }
        let uts = try db.query("SELECT u.nodename FROM uts_namespaces u JOIN namespaces n ON n.inode = u.inode WHERE n.pid = \(w.utsnsPid) AND n.type = 'uts'")
        #expect(uts == [[.text(try Fixtures.viewsLines(set, "utsns-hostname.txt")[0])]])
    }

    @Test(arguments: Fixtures.viewsSets) func neighboursHaveThePermanentEntriesOfIpNeigh(set: String) throws {
        let got = try Self.database(try Fixtures.viewsEntry(set)).query("SELECT family, address, ifname, lladdr FROM neighbours WHERE state = 'PERMANENT' ORDER BY address")
        let truth: [[SQLValue]] = try Fixtures.truthCSV(set, "neighbours.csv").filter { $0["state"] == "PERMANENT" }
            .map { [.text($0["family"]!), .text($0["address"]!), .text($0["device"]!), .text($0["lladdr"]!)] }
            .sorted { "\($0[1])" < "\($1[1])" }
        #expect(got == truth)
    }

    @Test(arguments: Fixtures.viewsSets) func routesOfTheMainTablesEqualProcNetRoute(set: String) throws {
        let got = try Self.database(try Fixtures.viewsEntry(set)).query("""
            SELECT destination || '/' || prefix_len, ifnull(gateway, ''), ifname, metric FROM routes
            WHERE family = 'inet' AND "table" = 'main' AND netns_inum = (SELECT inode FROM namespaces WHERE pid = 1 AND type = 'net')
            ORDER BY 1
            """)
        let truth: [[SQLValue]] = try Fixtures.truthCSV(set, "routes.csv").filter { $0["netns"] == "root" && $0["family"] == "inet" }
            .map { [.text($0["destination"]!), .text($0["gateway"]!), .text($0["device"]!), .integer(Int64($0["metric"]!)!)] }
            .sorted { "\($0[0])" < "\($1[0])" }
        #expect(got.count == truth.count && Set(got.map { "\($0)" }) == Set(truth.map { "\($0)" }))
    }

    @Test(arguments: Fixtures.viewsSets) func fileLocksEqualProcLocks(set: String) throws {
        let got = try Self.database(try Fixtures.viewsEntry(set)).query("SELECT ordinal, blocked, kind, mode, pid, inode, start, ifnull(\"end\", 'EOF') FROM file_locks ORDER BY ordinal, blocked")
        let kinds = ["OFDLCK": "OFD", "POSIX": "POSIX", "FLOCK": "FLOCK"]
        let truth: [[SQLValue]] = try Fixtures.truthCSV(set, "locks.csv").map {
            [.integer(Int64($0["id"]!)!), .integer(Int64($0["blocked_waiter"]!)!), .text(kinds[$0["class"]!]!), .text($0["type"]!),
             .integer(Int64($0["pid"]!)!), .integer(Int64($0["inode"]!)!), .integer(Int64($0["start"]!)!),
             Int64($0["end"]!).map(SQLValue.integer) ?? .text("EOF")]
        }
        #expect(got == truth)
    }

    @Test(arguments: Fixtures.viewsSets) func irqsHaveTheChipsAndNamesOfProcInterrupts(set: String) throws {
        let got = try Self.database(try Fixtures.viewsEntry(set)).query("SELECT irq, chip, hwirq, trigger, name FROM irqs WHERE name IS NOT NULL")
        let truth: [[SQLValue]] = try Fixtures.truthCSV(set, "interrupts.csv").filter { Int64($0["irq"]!) != nil }.map {
            [.integer(Int64($0["irq"]!)!), .text($0["chip"]!), .integer(Int64($0["hwirq"]!)!), .text($0["trigger"]!), .text($0["name"]!)]
        }
        #expect(got == truth)
        #expect(try Self.database(try Fixtures.viewsEntry(set)).query("SELECT count(*) FROM irq_counts WHERE irq = 0") == [[.integer(2)]])
    }

    /// The tasks table's scheduler columns equal /proc/PID/schedstat for the
    /// workload's processes, which slept from the capture to the crash.
    @Test(arguments: Fixtures.viewsSets) func tasksSchedulerColumnsEqualSchedstat(set: String) throws {
        let db = try Self.database(try Fixtures.viewsEntry(set))
        let got = try db.query("""
            SELECT pid, sum_exec_runtime_ns, run_delay_ns, pcount, exec_start_ns FROM tasks
            WHERE comm LIKE 'kdsql-%' AND pid IN (SELECT pid FROM tasks) ORDER BY pid
            """)
        let truth = Dictionary(try Fixtures.truthCSV(set, "schedstat.csv").map { (Int64($0["pid"]!)!, $0) },
                               uniquingKeysWith: { a, _ in a })
        var compared = 0
        for row in got {
            guard let r = truth[row[0].int64!] else { continue }
            #expect(row == [row[0], .integer(Int64(r["sum_exec_runtime_ns"]!)!), .integer(Int64(r["run_delay_ns"]!)!),
                            .integer(Int64(r["pcount"]!)!), .integer(Int64(r["exec_start_ns"]!)!)], "pid \(row[0])")
            compared += 1
        }
        #expect(compared >= 15)
        #expect(try db.query("SELECT count(*) FROM tasks WHERE last_arrival_ns IS NULL OR last_arrival_ns > (SELECT max(clock) FROM cpus)") == [[.integer(0)]])
    }
}

/// The saved queries for crash's view commands, run as shipped on every views dump.
@Suite struct ViewSavedQueriesTests {
    static func run(_ name: String, _ set: String) throws -> [[SQLValue]] {
        try ViewTablesTests.database(try Fixtures.viewsEntry(set)).query(try Fixtures.text(Fixtures.packageRoot + "/Queries/\(name).sql"))
    }

    @Test(arguments: Fixtures.viewsSets) func kmemIHasEveryMeminfoLine(set: String) throws {
        let rows = try Self.run("kmem_i", set)
        #expect(rows.count == (try Fixtures.viewsLines(set, "meminfo.txt")).count)
        #expect(rows.first { $0[0] == .text("MemTotal") }?[3] == .real(100.0))
    }

    @Test(arguments: Fixtures.viewsSets) func kmemSListsEveryCacheBiggestFirst(set: String) throws {
        let rows = try Self.run("kmem_s", set)
        #expect(rows.count == (try Fixtures.truthCSV(set, "slabinfo.csv")).count)
        let totals = rows.compactMap { $0[7].int64 }
        #expect(totals == totals.sorted(by: >))
    }

    @Test(arguments: Fixtures.viewsSets) func sigShowsTheSignalsWorkload(set: String) throws {
        let pid = try ViewsWorkload(set).signalsPid
        let rows = try Self.run("sig", set).filter { $0[0] == .integer(pid) }
        // SIGHUP blocked and pending for the process, SIGINT/SIGQUIT/SIGUSR1 ignored, SIGUSR2 caught, SIGTERM pending, 33 and 40.
        #expect(rows.map { $0[2].int64! } == [1, 2, 3, 10, 12, 15, 33, 40])
    }

    @Test(arguments: Fixtures.viewsSets) func irqSwapIpcsDevAndCgroupsRun(set: String) throws {
        // Every numbered line of /proc/interrupts, and irq 3 (ttyS1, written after the capture).
        let numbered = try Fixtures.truthCSV(set, "interrupts.csv").filter { Int64($0["irq"]!) != nil }.map { Int64($0["irq"]!)! }
        #expect(try Self.run("irq", set).map { $0[0].int64! } == Set(numbered + [3]).sorted())
        let swap = try Self.run("swap", set)
        let area = try #require(try Fixtures.truthCSV(set, "swaps.csv").first)
        #expect(swap.first?[0 ... 2] == [.text("area"), .text(area["filename"]!), .integer(Int64(area["size_kb"]!)!)])
        #expect(swap.first?[5] == .integer(Int64(area["priority"]!)!))
        // Used swap only grows after the capture (the hog is never touched again).
        #expect((swap.first?[3].int64 ?? 0) >= Int64(area["used_kb"]!)!)
        #expect(swap.contains { $0[1].string?.hasSuffix("kdsql-swaphog") == true })
        let ipcs = try Self.run("ipcs", set)
        #expect(ipcs.count == 7 && ipcs.first?[2] == .text("0x4b440001"))
        #expect(try Self.run("dev", set).contains { $0 == [.text("disk"), .integer(254), .integer(17), .text("vdb1"), .integer(4096), .integer(0), .integer(0), .null] })
        let cgroups = try Self.run("cgroups", set)
        #expect(cgroups.map { $0[0] } == [.text("/"), .text("/kdsql"), .text("/kdsql/batch"), .text("/kdsql/web")])
        #expect(cgroups[2][7].string?.contains("\(try ViewsWorkload(set).signalsPid):kdsql-signals") == true)
    }
}
