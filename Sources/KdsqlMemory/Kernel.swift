import KdsqlDump
import KdsqlDebugInfo

/// An opened kernel dump: physical memory, VMCOREINFO, address translation,
/// symbols and types, and typed reads of kernel virtual memory. Everything
/// above layer 3 reaches the dump only through this.
///
/// Opening is lazy where it can be: symbols come from kallsyms in the dump
/// (or a System.map), and BTF types are located and indexed only when the
/// first typed access needs them.
public final class Kernel {
    public struct Options {
        public var systemMapPath: String?
        /// A debug vmlinux: symbols from its ELF symbol table, types from its DWARF.
        public var vmlinuxPath: String?
        /// A directory of module object files with DWARF (`--modules-dir`):
        /// searched, when a query needs it, for the debug info of the loaded modules.
        public var modulesDirectory: String?
        /// Forces a type source; nil: `KDSQL_TYPES`, else DWARF with a vmlinux, else BTF.
        public var typeSource: TypeSource?
        public var cacheBytes: Int
        /// Where verified copies of kernel BTF are kept (nil: ~/.cache/kdsql/btf).
        public var btfCacheDirectory: String?
        /// Refuse a damaged dump (cut short, or headers that disagree) instead
        /// of opening it with warnings.
        public var strict: Bool
        public init(systemMapPath: String? = nil, vmlinuxPath: String? = nil, modulesDirectory: String? = nil, typeSource: TypeSource? = nil,
                    cacheBytes: Int = 64 << 20, btfCacheDirectory: String? = nil, strict: Bool = false) {
            self.systemMapPath = systemMapPath
            self.vmlinuxPath = vmlinuxPath
            self.modulesDirectory = modulesDirectory
            self.typeSource = typeSource
            self.cacheBytes = cacheBytes
            self.btfCacheDirectory = btfCacheDirectory
            self.strict = strict
        }
    }

    public let dump: any DumpFile
    public let vmcoreinfo: VMCoreInfo
    public let translator: any AddressTranslator
    public let symbols: any SymbolTable
    /// Where the symbols came from, for `sys` and error messages.
    public let symbolSource: String
    public let kaslrOffset: UInt64
    /// What looked wrong while opening, one line each (the dump's own, then
    /// VMCOREINFO's); printed once by the front end and kept in kdsql_warnings.
    public private(set) var openWarnings: [String]
    /// Objects that could not be read during scans (see `KernelWarnings`).
    public let warnings = KernelWarnings()
    /// Bytes per page (VMCOREINFO PAGESIZE; 4096 when absent).
    public let pageSize: UInt64
    let btfCacheDirectory: String?
    /// The debug vmlinux given with --vmlinux: symbols, types, source lines.
    public let vmlinux: Vmlinux?
    /// The debug vmlinux whose DWARF `types()` reads: the given one, or the
    /// one found for `--types dwarf` without --vmlinux (then only the types
    /// come from it; symbols and backtraces stay as without it).
    public let typesVmlinux: Vmlinux?
    /// The `--modules-dir` directory (checked to be one when opening; scanned on first need).
    public let modulesDirectory: String?
    /// Where `types()` reads from.
    public let typeSource: TypeSource
    /// True when the types came from the local BTF copy (for tests and stats).
    public private(set) var typesFromCache = false
    private var loadedTypes: (any TypeInfo)?
    var fieldCache: [FieldKey: FieldRef] = [:]
    var typeCache: [String: TypeID] = [:]
    /// Symbol addresses already looked up: a lazy kallsyms lookup is a binary
    /// search that decodes names, and walkers ask for the same few symbols
    /// (init_pid_ns, runqueues, __per_cpu_offset) on every row.
    private var addressCache: [String: UInt64] = [:]

    /// Adds a warning about the dump as a whole (shown once, kept in kdsql_warnings).
    public func addOpenWarning(_ text: String) { openWarnings.append(text) }

    public static func open(path: String, options: Options = Options()) throws -> Kernel {
        let dump = try DumpOpener.open(path: path, cacheBytes: options.cacheBytes)
        return try Kernel(dump: dump, options: options)
    }

    public init(dump: any DumpFile, options: Options = Options()) throws {
        self.dump = dump
        self.btfCacheDirectory = options.btfCacheDirectory
        guard let text = dump.vmcoreinfo else {
            throw MemoryError.missing("the dump has no VMCOREINFO note, so kdsql cannot locate the kernel (dumps made by QEMU need `-device vmcoreinfo`)")
        }
        let info = VMCoreInfo(text: text)
        self.vmcoreinfo = info
        self.warnings.strict = options.strict
        var warnings = dump.openWarnings
        if options.strict, let cut = dump.truncation {
            throw DumpError.truncated(what: "dump (\(cut.missingPages) of \(cut.dumpedPages) dumped pages are past the end; without --strict the rest is read)",
                                      offset: cut.fileSize, fileSize: cut.fileSize)
        }
        if options.strict, let first = warnings.first {
            throw DumpError.corrupt(what: "dump (refused under --strict): \(first)", offset: 0)
        }
        // KERNELOFFSET is hex without a prefix (kernel/vmcore_info.c). A value
        // that is not must not become a silent 0: the slide then follows from
        // SYMBOL(_stext), which the kernel also records, relocated.
        if let raw = info["KERNELOFFSET"], UInt64(raw, radix: 16) == nil {
            guard let stext = info.symbol("_stext"), stext >= 0xffff_ffff_8100_0000 else {
                throw MemoryError.missing("VMCOREINFO KERNELOFFSET=\(raw) is not a hexadecimal number and SYMBOL(_stext) is missing: the KASLR offset is unknown")
            }
            self.kaslrOffset = stext - 0xffff_ffff_8100_0000
            warnings.append("VMCOREINFO KERNELOFFSET=\(raw) is not a hexadecimal number; using 0x\(String(stext - 0xffff_ffff_8100_0000, radix: 16)) from SYMBOL(_stext)")
        } else {
            self.kaslrOffset = info.kernelOffset
        }
        if let size = info.number("PAGESIZE"), size >= 4096, size <= 1 << 16, size & (size - 1) == 0 {
            self.pageSize = UInt64(size)
        } else {
            self.pageSize = 4096
        }
        // VMCOREINFO wins over dump headers: QEMU's kdump sub-header phys_base is wrong.
        guard let physBaseNumber = info.number("phys_base") else {
            throw MemoryError.missing("VMCOREINFO has no NUMBER(phys_base)")
        }
        // KERNEL_IMAGE_SIZE is 512 MiB or 1 GiB (arch/x86/include/asm/page_64_types.h);
        // anything else, negative included, is damage: makeTranslator keeps the 1 GiB default.
        if let n = info.number("KERNEL_IMAGE_SIZE"), !(n > 0 && n <= 1 << 31) {
            warnings.append("VMCOREINFO NUMBER(KERNEL_IMAGE_SIZE)=\(n) is impossible; assuming 1 GiB")
        }
        let translator = try Self.makeTranslator(info, physBase: UInt64(bitPattern: physBaseNumber), memory: dump)
        self.translator = translator

        self.openWarnings = warnings
        if let dir = options.modulesDirectory { try ModuleDebugDirectory.checkDirectory(dir) }
        self.modulesDirectory = options.modulesDirectory
        // A debug vmlinux: given, or looked for when DWARF types are forced.
        let requestedSource = options.typeSource ?? TypeSource.fromEnvironment
        func openChecked(_ path: String) throws -> Vmlinux {
            let file = try Vmlinux(path: path)
            try file.checkMatches(info)
            guard file.hasDebugInfo else { throw Vmlinux.noDebugInfo(path: path, release: file.release ?? info.osRelease) }
            return file
        }
        let vmlinux = try options.vmlinuxPath.map(openChecked)
        self.vmlinux = vmlinux
        if vmlinux == nil, requestedSource == .dwarf {
            guard let release = info.osRelease, let found = DebugVmlinuxSearch.find(release: release) else {
                throw MemoryError.missing("types from DWARF need the debug vmlinux of \(info.osRelease ?? "this kernel"): give it with --vmlinux (Debian: linux-image-\(info.osRelease ?? "KVER")-dbg, /usr/lib/debug/boot/vmlinux-\(info.osRelease ?? "KVER"))")
            }
            self.typesVmlinux = try openChecked(found)
        } else {
            self.typesVmlinux = vmlinux
        }
        self.typeSource = requestedSource ?? (vmlinux != nil ? .dwarf : .btf)

        if let mapPath = options.systemMapPath {
            let map = try SystemMap(path: mapPath, kaslrOffset: kaslrOffset)
            try map.validate(against: info)
            self.symbols = map
            self.symbolSource = "System.map \(mapPath)"
        } else if let vmlinux {
            let map = try SystemMap(vmlinux: vmlinux, kaslrOffset: kaslrOffset)
            try map.validate(against: info)
            self.symbols = map
            self.symbolSource = "vmlinux \(vmlinux.path)"
        } else {
            do {
                let loaded = try KallsymsLoader.load(vmcoreinfo: info, translator: translator, memory: dump)
                self.symbols = loaded.symbols
                self.symbolSource = loaded.source
            } catch where !options.strict && (KernelWarnings.unreadableCause(error) != nil || dump.truncation != nil) {
                // The kernel image is not in the dump (cut short, or filtered):
                // the symbols VMCOREINFO names are all there is.
                self.symbols = try Kernel.vmcoreinfoSymbols(info)
                self.symbolSource = "VMCOREINFO only (kallsyms unreadable)"
                openWarnings.append("kallsyms is unreadable (\(error)); only the \(info.entries.filter { $0.key.hasPrefix("SYMBOL(") }.count) symbols VMCOREINFO names are known; give --system-map for the rest")
            }
        }
        translator.learn(symbols: symbols)
        if let checked = typesVmlinux, let banner = symbols.address(of: "linux_banner"),
           let bytes = try? KallsymsLoader.readImage(banner, 256, translator: translator, memory: dump) {
            try checked.checkBanner(dumped: String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
        }
    }

    /// The translator for the dump's architecture. x86_64 is recognised by
    /// what its VMCOREINFO writes (arch/x86/kernel/machine_kexec_64.c
    /// arch_crash_save_vmcoreinfo: the top-level table as init_top_pgt,
    /// KERNEL_IMAGE_SIZE, pgtable_l5_enabled).
    public static func makeTranslator(_ info: VMCoreInfo, physBase: UInt64, memory: PhysicalMemory) throws -> any AddressTranslator {
        let root = info.symbol("init_top_pgt") ?? info.symbol("swapper_pg_dir")
        guard let root else { throw MemoryError.missing("VMCOREINFO has neither SYMBOL(init_top_pgt) nor SYMBOL(swapper_pg_dir)") }
        guard root >= X86_64Translator.startKernelMap else {
            throw MemoryError.missing("the kernel's page table is at \(String(root, radix: 16)), outside x86_64's kernel map: kdsql reads x86_64 dumps only")
        }
        let translator = X86_64Translator(
            memory: memory,
            physBase: physBase,
            kernelImageSize: info.number("KERNEL_IMAGE_SIZE").flatMap { $0 > 0 && $0 <= 1 << 31 ? UInt64($0) : nil } ?? 1 << 30,
            kernelRootVirtual: root,
            fiveLevel: (info.number("pgtable_l5_enabled") ?? 0) != 0)
        if let bits = info.number("MAX_PHYSMEM_BITS"), bits > 0, bits < 64 { translator.directMapSize = 1 << UInt64(bits) }
        return translator
    }

    /// A symbol table of VMCOREINFO's SYMBOL() entries (runtime addresses).
    public static func vmcoreinfoSymbols(_ info: VMCoreInfo) throws -> SystemMap {
        var text = ""
        for (key, value) in info.entries where key.hasPrefix("SYMBOL(") && key.hasSuffix(")") {
            guard let a = UInt64(value, radix: 16) else { continue }
            text += String(a, radix: 16) + " D " + key.dropFirst(7).dropLast() + "\n"
        }
        return try SystemMap(text: text)
    }

    // MARK: Types

    /// The type information if something has loaded it already (nil: not yet).
    public var loadedTypeInfo: (any TypeInfo)? { loadedTypes }

    /// The kernel's type information (BTF from the dump), loaded on first use.
    public func types() throws -> any TypeInfo {
        if let loadedTypes { return loadedTypes }
        if typeSource == .dwarf, let typesVmlinux {
            let dwarf = try DwarfTypeInfo(vmlinux: typesVmlinux)
            loadedTypes = dwarf
            return dwarf
        }
        guard let start = symbols.address(of: "__start_BTF"), let stop = symbols.address(of: "__stop_BTF"), stop > start,
              stop - start < 512 << 20 else {
            // Say which of the possible reasons it is.
            if symbols.address(of: "_end") == nil {
                throw MemoryError.missing("no type information: the symbols (\(symbolSource)) lack __start_BTF/__stop_BTF and _end, so they are incomplete (a truncated System.map, or kallsyms lost with the kernel image); give the complete System.map with --system-map")
            }
            throw MemoryError.missing("the kernel has no BTF (__start_BTF/__stop_BTF not found): it was built without CONFIG_DEBUG_INFO_BTF; give a debug vmlinux with --vmlinux")
        }
        let btf: BTFTypeInfo
        switch try btfBlob(start: start, count: Int(stop - start)) {
        case .cached(let copy):
            // The stored index spares both passes over the blob; should it not
            // fit (it always should), the blob is parsed as read.
            btf = try (try? BTFTypeInfo(borrowing: copy.blob, owner: copy.file, index: copy.index))
                ?? BTFTypeInfo(borrowing: copy.blob, owner: copy.file)
        case .read(let bytes, let cache):
            btf = try BTFTypeInfo(bytes: bytes)
            // Only a blob that parsed is kept, with its index.
            cache.store(bytes, index: btf.persistentIndex())
        }
        loadedTypes = btf
        return btf
    }

    private enum BTFBlob {
        /// This build's local copy, mapped (BTFCache).
        case cached(BTFCache.Copy)
        /// Read out of the dump, to be remembered in `cache`.
        case read([UInt8], BTFCache)
    }

    /// The BTF blob: from the local copy of this build's BTF when it matches
    /// the dump (BTFCache), else read out of the dump and remembered.
    private func btfBlob(start: UInt64, count: Int) throws -> BTFBlob {
        // The blob sits in the kernel image, which is physically contiguous:
        // one bulk read (decompressed on every core) instead of 1000 page reads.
        let physical = try translator.translate(start)
        let contiguous = try translator.translate(start + UInt64(count) - 1) == physical + UInt64(count) - 1
        let fingerprint = contiguous ? try? dump.storedBytesFingerprint(physical: physical & ~0xfff, count: Int(physical & 0xfff) + count) : nil
        let cache = BTFCache(buildID: vmcoreinfo.buildID, fingerprint: fingerprint ?? nil, directory: btfCacheDirectory)
        if let cached = cache.load(count: count) {
            typesFromCache = true
            return .cached(cached)
        }
        // Allocated only when the cache has no copy: zero-filling megabytes nobody reads
        // was 2% of a warm start.
        var bytes = [UInt8](repeating: 0, count: count)
        if contiguous {
            try bytes.withUnsafeMutableBytes { try dump.readBulk(physical: physical, into: $0) }
        } else {
            try bytes.withUnsafeMutableBytes { try read(virtual: start, into: $0) }
        }
        return .read(bytes, cache)
    }

    // MARK: Virtual memory

    public func translate(_ va: UInt64) throws -> UInt64 { try translator.translate(va) }

    public func read(virtual address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let va = address &+ UInt64(done)
            let n = min(translator.bytesToPageEnd(va), buffer.count - done)
            let pa = try translator.translate(va)
            try dump.read(physical: pa, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + n)]))
            done += n
        }
    }

    public func read(_ address: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(virtual: address, into: $0) }
        return bytes
    }

    @inline(__always)
    public func readInteger<T: FixedWidthInteger>(_ address: UInt64, as: T.Type = T.self) throws -> T {
        if (address & (pageSize - 1)) + UInt64(MemoryLayout<T>.size) <= pageSize {
            return try dump.readInteger(physical: try translator.translate(address), as: T.self)
        }
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { try read(virtual: address, into: $0) }
        return T(littleEndian: value)
    }

    @inline(__always) public func readU64(_ a: UInt64) throws -> UInt64 { try readInteger(a, as: UInt64.self) }
    @inline(__always) public func readU32(_ a: UInt64) throws -> UInt32 { try readInteger(a, as: UInt32.self) }
    @inline(__always) public func readU16(_ a: UInt64) throws -> UInt16 { try readInteger(a, as: UInt16.self) }
    @inline(__always) public func readU8(_ a: UInt64) throws -> UInt8 { try readInteger(a, as: UInt8.self) }
    @inline(__always) public func readI32(_ a: UInt64) throws -> Int32 { try readInteger(a, as: Int32.self) }
    @inline(__always) public func readI64(_ a: UInt64) throws -> Int64 { try readInteger(a, as: Int64.self) }

    /// A NUL-terminated string of at most `maxLength` bytes (fixed arrays such
    /// as `comm` simply stop at their size). Invalid UTF-8 becomes U+FFFD.
    public func readCString(_ address: UInt64, maxLength: Int = 4096) throws -> String {
        var out: [UInt8] = []
        var va = address
        while out.count < maxLength {
            let chunk = min(translator.bytesToPageEnd(va), maxLength - out.count)
            let bytes = try read(va, count: chunk)
            if let nul = bytes.firstIndex(of: 0) {
                out.append(contentsOf: bytes[..<nul])
                return String(decoding: out, as: UTF8.self)
            }
            out.append(contentsOf: bytes)
            va &+= UInt64(chunk)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Physical address of a direct-map or any kernel virtual address (the
    /// `kd_vtop` function).
    public func virtualToPhysical(_ va: UInt64) throws -> UInt64 { try translator.translate(va) }

    /// Reads through an arbitrary top-level page table (a task's address space).
    public func readUser(_ address: UInt64, count: Int, pgdPhysical: UInt64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                let va = address &+ UInt64(done)
                let n = min(translator.bytesToPageEnd(va), count - done)
                let pa = try translator.translate(va, root: pgdPhysical)
                try dump.read(physical: pa, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + n)]))
                done += n
            }
        }
        return bytes
    }

    // MARK: Symbols

    /// Runtime address of a kernel symbol, or a typed error.
    public func address(of symbol: String) throws -> UInt64 {
        if let a = addressCache[symbol] { return a }
        if let a = symbols.address(of: symbol) {
            addressCache[symbol] = a
            return a
        }
        throw DebugInfoError.unknownSymbol(symbol)
    }

    /// Address of CPU `cpu`'s instance of a per-CPU variable
    /// (`symbol + __per_cpu_offset[cpu]`, include/asm-generic/percpu.h).
    public func perCPU(_ symbol: String, cpu: Int) throws -> UInt64 {
        let base = try address(of: symbol)
        let offsets = try address(of: "__per_cpu_offset")
        return base &+ (try readU64(offsets + UInt64(cpu) * 8))
    }

    /// Possible CPU ids: bits of `__cpu_possible_mask` (bounded by nr_cpu_ids).
    public func possibleCPUs() throws -> [Int] {
        try cpus(inMask: "__cpu_possible_mask")
    }

    public func onlineCPUs() throws -> [Int] {
        try cpus(inMask: "__cpu_online_mask")
    }

    /// CPUs present in the machine. panic() takes the other CPUs offline
    /// (stop_this_cpu), so the online mask of a crashed kernel shows only the
    /// panicking CPU; crash's CPUS count is the present CPUs.
    public func presentCPUs() throws -> [Int] {
        try cpus(inMask: "__cpu_present_mask")
    }

    private func cpus(inMask symbol: String) throws -> [Int] {
        let mask = try address(of: symbol)
        let nr = Int((try? readU32(try address(of: "nr_cpu_ids"))) ?? 64)
        var result: [Int] = []
        for word in 0..<((min(nr, 8192) + 63) / 64) {
            let bits = try readU64(mask + UInt64(word) * 8)
            for b in 0..<64 where bits & (1 << UInt64(b)) != 0 && word * 64 + b < nr { result.append(word * 64 + b) }
        }
        return result
    }
}
