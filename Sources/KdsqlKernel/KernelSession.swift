import KdsqlMemory

/// The walkers of one opened kernel, each made on first use and shared by
/// every query of the session: resolving a walker's fields by name costs
/// more than most single-process queries, so it is done once.
///
/// A walker that cannot be made (a kernel without the structure, a
/// damaged dump) throws each time it is asked for, naming what is missing;
/// the others are unaffected.
public final class KernelSession {
    public let kernel: Kernel

    public init(kernel: Kernel) { self.kernel = kernel }

    private var _tasks: Tasks?, _pidIndex: PidIndex?, _paths: VFSPath?, _mmCounters: MMCounters?
    private var _mmSummary: MmSummary?, _maps: MemoryMaps?, _files: TaskFiles?, _mounts: Mounts?
    private var _modules: Modules?, _moduleSymbols: ModuleSymbols?, _timers: TimerWheel?, _hrtimers: HRTimers?
    private var _runQueues: RunQueues?, _netDevices: NetDevices?, _netAddresses: NetAddresses?
    private var _addressNames: AddressNames?
    private var _sockets: SocketListing?, _stackTraces: StackTraces?, _log: KernelLogAnalysis?

    @inline(__always)
    private func memo<T>(_ slot: inout T?, _ make: () throws -> T) rethrows -> T {
        if let v = slot { return v }
        let v = try make()
        slot = v
        return v
    }

    /// Every thread (Sched/Tasks.swift).
    public func tasks() throws -> Tasks { try memo(&_tasks) { try Tasks(kernel: kernel) } }
    /// pid → task through the initial pid namespace's IDR.
    public func pidIndex() throws -> PidIndex { try memo(&_pidIndex) { try tasks().pidIndex() } }
    /// The tasks a per-task table visits for a `TaskSelection`.
    public func select(_ selection: TaskSelection) throws -> TaskSelection.Iterator {
        try selection.makeIterator(session: self)
    }
    /// d_path() for files, VMAs and mounts.
    public func paths() throws -> VFSPath { try memo(&_paths) { try VFSPath(kernel: kernel) } }
    /// RSS/swap counters of an mm_struct.
    public func mmCounters() throws -> MMCounters { try memo(&_mmCounters) { try MMCounters(kernel: kernel) } }
    public func mmSummary() throws -> MmSummary { try memo(&_mmSummary) { try MmSummary(kernel: kernel, counters: mmCounters()) } }
    public func memoryMaps() throws -> MemoryMaps { try memo(&_maps) { try MemoryMaps(kernel: kernel, paths: paths()) } }
    public func taskFiles() throws -> TaskFiles {
        try memo(&_files) { try TaskFiles(kernel: kernel, decoder: FileDecoder(kernel: kernel, paths: paths())) }
    }
    public func mounts() throws -> Mounts { try memo(&_mounts) { try Mounts(kernel: kernel, paths: paths()) } }
    public func modules() throws -> Modules { try memo(&_modules) { try Modules(kernel: kernel) } }
    public func moduleSymbols() throws -> ModuleSymbols { try memo(&_moduleSymbols) { try ModuleSymbols(kernel: kernel) } }
    /// Addresses as symbols, module symbols included (`dummy_netdev_ops [dummy]`).
    public func addressNames() -> AddressNames {
        if let _addressNames { return _addressNames }
        let names = AddressNames(kernel: kernel, modules: try? moduleSymbols())
        _addressNames = names
        return names
    }
    public func timerWheel() throws -> TimerWheel { try memo(&_timers) { try TimerWheel(kernel: kernel) } }
    public func hrTimers() throws -> HRTimers { try memo(&_hrtimers) { try HRTimers(kernel: kernel) } }
    public func runQueues() throws -> RunQueues { try memo(&_runQueues) { try RunQueues(kernel: kernel, tasks: tasks()) } }
    public func netDevices() throws -> NetDevices { try memo(&_netDevices) { try NetDevices(kernel: kernel, names: addressNames()) } }
    public func netAddresses() throws -> NetAddresses {
        try memo(&_netAddresses) { try NetAddresses(kernel: kernel, devices: netDevices()) }
    }
    public func sockets() throws -> SocketListing {
        try memo(&_sockets) { try SocketListing(kernel: kernel, tasks: tasks(), taskFiles: taskFiles()) }
    }
    public func stackTraces() throws -> StackTraces {
        try memo(&_stackTraces) { try StackTraces(kernel: kernel, tasks: tasks(), moduleDebug: moduleDebugInfo()) }
    }
    /// The loaded modules' debug files (`--modules-dir`), matched on first
    /// use; nil without the option. A directory that cannot be scanned
    /// becomes a warning, and the modules go without.
    public func moduleDebugInfo() -> ModuleDebugInfo? {
        if let done = _moduleDebug { return done }
        var made: ModuleDebugInfo?
        if kernel.modulesDirectory != nil {
            do {
                made = try ModuleDebugInfo(kernel: kernel, modules: (try? moduleSymbols().modules) ?? [])
            } catch {
                kernel.addOpenWarning("module debug files not used: \(error)")
            }
        }
        _moduleDebug = .some(made)
        return made
    }
    private var _moduleDebug: ModuleDebugInfo??
    /// Functions and source lines of code addresses (kd_addr2line).
    public func sourceLocations() -> SourceLocations {
        if let _sourceLocations { return _sourceLocations }
        let made = SourceLocations(kernel: kernel, modules: try? moduleSymbols(), moduleDebug: moduleDebugInfo())
        _sourceLocations = made
        return made
    }
    private var _sourceLocations: SourceLocations?
    /// A walker memoised by its type, for walkers declared outside this file
    /// (KernelSessionViews.swift): one instance per session.
    public func shared<T: AnyObject>(_ type: T.Type, _ make: () throws -> T) rethrows -> T {
        let key = ObjectIdentifier(type)
        if let hit = _shared[key] as? T { return hit }
        let v = try make()
        _shared[key] = v
        return v
    }
    private var _shared: [ObjectIdentifier: AnyObject] = [:]

    /// The kernel log, the panic and the Oopses in it, read once.
    public func log() throws -> KernelLogAnalysis { try memo(&_log) { try KernelLogAnalysis(kernel: kernel) } }
}
