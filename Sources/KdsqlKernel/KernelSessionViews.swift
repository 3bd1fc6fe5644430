import KdsqlMemory

/// The walkers behind crash's summary views (kmem, sig, irq, swap, ipcs,
/// dev, cgroups, namespaces, neighbours, locks), one per session.
extension KernelSession {
    public func memInfo() throws -> MemInfo { try shared(MemInfo.self) { try MemInfo(kernel: kernel) } }
    public func zones() throws -> Zones { try shared(Zones.self) { try Zones(kernel: kernel) } }
    public func slabCaches() throws -> SlabCaches { try shared(SlabCaches.self) { try SlabCaches(kernel: kernel) } }
    public func swapDevices() throws -> SwapDevices { try shared(SwapDevices.self) { try SwapDevices(kernel: kernel) } }
    public func signals() throws -> Signals { try shared(Signals.self) { try Signals(kernel: kernel) } }
    public func interrupts() throws -> Interrupts { try shared(Interrupts.self) { try Interrupts(kernel: kernel) } }
    public func sysVIPC() throws -> SysVIPC { try shared(SysVIPC.self) { try SysVIPC(kernel: kernel) } }
    public func deviceMajors() throws -> DeviceMajors { try shared(DeviceMajors.self) { try DeviceMajors(kernel: kernel) } }
    public func disks() throws -> Disks { try shared(Disks.self) { try Disks(kernel: kernel) } }
    public func cgroups() throws -> Cgroups { try shared(Cgroups.self) { try Cgroups(kernel: kernel) } }
    public func namespaces() throws -> Namespaces { try shared(Namespaces.self) { try Namespaces(kernel: kernel) } }
    public func neighbours() throws -> Neighbours { try shared(Neighbours.self) { try Neighbours(kernel: kernel) } }
    public func fileLocks() throws -> FileLocks { try shared(FileLocks.self) { try FileLocks(kernel: kernel) } }
}

extension KernelSession {
    public func routes() throws -> Routes { try shared(Routes.self) { try Routes(kernel: kernel, devices: netDevices()) } }
}

extension KernelSession {
    public func slabObjects() throws -> SlabObjects { try shared(SlabObjects.self) { try SlabObjects(kernel: kernel, caches: slabCaches()) } }
}

extension KernelSession {
    public func whatis() throws -> Whatis { try shared(Whatis.self) { try Whatis(kernel: kernel, caches: slabCaches(), tasks: tasks()) } }
}
