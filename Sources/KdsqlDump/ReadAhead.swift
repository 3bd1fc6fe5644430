#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Decompresses pages on a second core before the reader asks for them.
///
/// Kernel objects of one kind sit together in physical memory: the slab
/// allocator carves them out of 8-page (order-3) blocks, so once a scan has
/// missed one page of such a block it usually misses the others soon after.
/// On the 6.1 scale dump, 79% (tasks), 83% (VMAs) and 81% (open files) of the
/// page misses follow an earlier miss in the same 32 KiB block. When the
/// reader misses a page it asks for the rest of the block here; one worker
/// thread decodes them into a pool of its own, and the reader's later misses
/// take the decoded bytes (a copy) instead of decompressing.
///
/// Results cannot depend on timing: the reader inserts into its cache only
/// at its own misses, in the same order as without read-ahead, and a page the
/// worker has not finished (or could not decode: excluded, damaged) is
/// decoded by the reader as before, with the reader's errors. The worker only
/// ever decodes what `decode` gives it; it never touches the reader's cache.
///
/// Worth it only with a core to spare: `KdumpCompressedFile` starts one only
/// when a CPU is idle (`hasSpareCore`), after a scan has missed enough pages
/// that the thread pays for itself.
final class ReadAhead: @unchecked Sendable {
    // @unchecked Sendable: every mutable field below is read and written only
    // under `lock`, except a pool slot's bytes, which belong to the worker
    // between taking the slot (under the lock) and publishing it (under the
    // lock), and to the reader's copy after that.

    /// Decodes page `pfn` into the buffer; false if it cannot (the reader
    /// will then decode it itself and report what is wrong).
    typealias Decode = @Sendable (_ pfn: UInt64, _ into: UnsafeMutableRawBufferPointer) -> Bool

    let pageSize: Int
    let poolPages: Int
    private let decode: Decode
    private let pool: UnsafeMutableRawPointer
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    private var thread: pthread_t?

    /// Pfns asked for and not started, oldest first (from `queueHead`).
    private var queue: [UInt64] = []
    private var queueHead = 0
    /// Decoded pages: pfn -> pool slot, and the order they were published in
    /// (the oldest unclaimed page makes room when the pool is full).
    private var ready: [UInt64: Int] = [:]
    private var readyOrder: [UInt64] = []
    private var readyHead = 0
    private var freeSlots: [Int]
    /// The page the worker is decoding now.
    private var inFlight: UInt64?
    /// Every pfn queued, in flight or ready: asking twice does nothing.
    private var known: Set<UInt64> = []
    private var stopping = false

    /// Counters (under the lock): pages the worker decoded, and pages the
    /// reader took from it.
    private var decodedAhead = 0
    private var taken = 0

    var counts: (decoded: Int, used: Int) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return (decodedAhead, taken)
    }

    /// Pages waiting in the queue at most: a scan that outruns the worker
    /// drops the oldest requests rather than decoding stale ones.
    static let queueLimit = 256

    init(pageSize: Int, poolPages: Int = 512, decode: @escaping Decode) {
        self.pageSize = pageSize
        self.poolPages = poolPages
        self.decode = decode
        pool = UnsafeMutableRawPointer.allocate(byteCount: pageSize * poolPages, alignment: 4096)
        freeSlots = Array((0..<poolPages).reversed())
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
        changed = .allocate(capacity: 1)
        changed.initialize(to: pthread_cond_t())
        pthread_cond_init(changed, nil)
    }

    /// Starts the worker; false if the thread could not be made (the reader
    /// then simply decodes everything itself).
    func start() -> Bool {
        var t = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&t, nil, { raw in
            let me = Unmanaged<ReadAhead>.fromOpaque(raw!).takeRetainedValue()
            me.work()
            return nil
        }, context)
        if rc != 0 {
            Unmanaged<ReadAhead>.fromOpaque(context).release()
            return false
        }
        thread = t
        return true
    }

    /// Stops the worker and waits for it. Must be called before the owner
    /// goes away (the worker reads the owner's file through `decode`).
    func stop() {
        pthread_mutex_lock(lock)
        stopping = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
        pool.deallocate()
    }

    /// Asks for `pfns` (pages the reader does not have yet).
    func request(_ pfns: some Sequence<UInt64>) {
        pthread_mutex_lock(lock)
        var added = false
        for pfn in pfns where !known.contains(pfn) {
            if queue.count - queueHead >= Self.queueLimit {
                known.remove(queue[queueHead])
                queueHead += 1
            }
            queue.append(pfn)
            known.insert(pfn)
            added = true
        }
        compactQueue()
        if added { pthread_cond_signal(changed) }
        pthread_mutex_unlock(lock)
    }

    /// The pool slot holding page `pfn` if the worker has decoded it, waiting
    /// if it is decoding it right now; the slot is the caller's until
    /// `release`. Nil if the page is not there (a queued request for it is
    /// withdrawn: the reader decodes it itself).
    func claim(_ pfn: UInt64) -> Int? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while inFlight == pfn { pthread_cond_wait(changed, lock) }
        guard let slot = ready.removeValue(forKey: pfn) else {
            if known.remove(pfn) != nil, let i = queue[queueHead...].firstIndex(of: pfn) {
                queue.remove(at: i)
            }
            return nil
        }
        known.remove(pfn)
        taken += 1
        return slot
    }

    /// Copies a claimed slot's page (no lock: the slot is the caller's).
    func copy(slot: Int, into page: UnsafeMutableRawBufferPointer) {
        page.baseAddress!.copyMemory(from: pool + slot * pageSize, byteCount: min(page.count, pageSize))
    }

    /// Gives a claimed slot back to the pool.
    func release(_ slot: Int) {
        pthread_mutex_lock(lock)
        freeSlots.append(slot)
        pthread_mutex_unlock(lock)
    }

    /// Whether a worker would find a core to itself: more usable CPUs than
    /// tasks wanting one (this process included). Busy is the larger of the
    /// tasks runnable now and the last minute's load average (both from
    /// /proc/loadavg). On a 2-CPU machine with a build running, the worker
    /// only took turns with the reader: scans got 1.4-1.6x slower.
    static func hasSpareCore() -> Bool {
        let cpus = usableCPUs()
        guard cpus >= 2 else { return false }
        guard let (load1, runnable) = loadAverage() else { return true }
        return spareCore(cpus: cpus, load1: load1, runnable: runnable)
    }

    /// The rule of `hasSpareCore`: `runnable` counts this process.
    static func spareCore(cpus: Int, load1: Double, runnable: Int) -> Bool {
        let others = max(runnable - 1, Int((load1 - 1).rounded()))
        return cpus >= 2 && cpus - 1 - others >= 1
    }

    /// /proc/loadavg: "0.52 0.58 0.59 2/345 12345": 1-minute load, runnable/total.
    static func loadAverage() -> (load1: Double, runnable: Int)? {
        guard let f = fopen("/proc/loadavg", "r") else { return nil }
        defer { fclose(f) }
        var line = [UInt8](repeating: 0, count: 256)
        guard line.withUnsafeMutableBufferPointer({ b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { fgets($0, Int32(b.count), f) }
        }) != nil else { return nil }
        let fields = String(decoding: line.prefix { $0 != 0 }, as: UTF8.self).split(separator: " ")
        guard fields.count >= 4, let load1 = Double(fields[0]),
              let slash = fields[3].firstIndex(of: "/"), let runnable = Int(fields[3][..<slash]) else { return nil }
        return (load1, runnable)
    }

    /// CPUs this process may run on, at least 1: its affinity mask
    /// (`Cpus_allowed` in /proc/self/status, which taskset and cpusets set),
    /// else the CPUs online.
    static func usableCPUs() -> Int {
        if let f = fopen("/proc/self/status", "r") {
            defer { fclose(f) }
            var line = [UInt8](repeating: 0, count: 4096)
            while line.withUnsafeMutableBufferPointer({ b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { fgets($0, Int32(b.count), f) }
            }) != nil {
                let text = String(decoding: line.prefix { $0 != 0 }, as: UTF8.self)
                guard text.hasPrefix("Cpus_allowed:") else { continue }
                let bits = text.dropFirst("Cpus_allowed:".count).reduce(0) { n, c in
                    n + (c.hexDigitValue.map { $0.nonzeroBitCount } ?? 0)
                }
                if bits > 0 { return bits }
            }
        }
        return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    // MARK: - Worker

    private func work() {
        pthread_mutex_lock(lock)
        while true {
            while !stopping && queueHead == queue.count { pthread_cond_wait(changed, lock) }
            if stopping { break }
            // Newest first: a worker that fell behind serves the pages the
            // scan is about to reach, not the ones it has already read itself.
            let pfn = queue.removeLast()
            // A full pool gives up its oldest unclaimed page: the scan has
            // moved on from it.
            if freeSlots.isEmpty { dropOldestReady() }
            guard let slot = freeSlots.popLast() else { known.remove(pfn); continue }
            inFlight = pfn
            pthread_mutex_unlock(lock)
            let ok = decode(pfn, UnsafeMutableRawBufferPointer(start: pool + slot * pageSize, count: pageSize))
            pthread_mutex_lock(lock)
            inFlight = nil
            if ok && !stopping {
                ready[pfn] = slot
                readyOrder.append(pfn)
                decodedAhead += 1
                // Entries of pages the reader took linger in readyOrder: rebuild it now and then.
                if readyOrder.count - readyHead > 4 * poolPages {
                    readyOrder = readyOrder[readyHead...].filter { ready[$0] != nil }
                    readyHead = 0
                }
            } else {
                freeSlots.append(slot)
                known.remove(pfn)
            }
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(lock)
    }

    /// Under the lock.
    private func dropOldestReady() {
        while readyHead < readyOrder.count {
            let pfn = readyOrder[readyHead]
            readyHead += 1
            if let slot = ready.removeValue(forKey: pfn) {
                known.remove(pfn)
                freeSlots.append(slot)
                break
            }
        }
        if readyHead > 4096 {
            readyOrder.removeFirst(readyHead)
            readyHead = 0
        }
    }

    /// Under the lock: drops the consumed front of the queue now and then.
    private func compactQueue() {
        if queueHead > 1024 {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }
}
