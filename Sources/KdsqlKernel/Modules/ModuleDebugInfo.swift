import KdsqlMemory
import KdsqlDebugInfo

/// The debug files of the loaded modules, from `--modules-dir`: each
/// loaded module is matched with a file of the same name (the kernel's
/// spelling, '-' as '_') whose GNU build ID equals the one in the module's
/// memory. A file of the right name but another build is never used: its
/// line numbers would look plausible and be wrong. Each such file, and each
/// file that could not be read, becomes a warning on the kernel
/// (`kdsql_warnings`, printed by `kdsql` when it opens the dump).
///
/// Made on first need (stack_frames, modules.debug_file, kd_addr2line):
/// the directory is scanned then (headers and notes only) and each
/// module's DWARF is opened and relocated on its first lookup (ModuleDwarf).
public final class ModuleDebugInfo {
    /// What was decided for one loaded module.
    public struct Entry {
        public var module: String
        /// The build ID in the module's memory; nil when it could not be read.
        public var buildID: String?
        /// The debug file used; nil when none matched.
        public var dwarf: ModuleDwarf?
    }

    public let kernel: Kernel
    public let directory: ModuleDebugDirectory
    /// By module name, every loaded module (with or without a file).
    public private(set) var entries: [String: Entry] = [:]
    /// The warnings this produced (also added to the kernel's open warnings).
    public private(set) var problems: [String] = []

    public init(kernel: Kernel, modules: [ModuleInfo]) throws {
        self.kernel = kernel
        guard let path = kernel.modulesDirectory else {
            throw MemoryError.missing("no modules directory was given (--modules-dir)")
        }
        directory = try ModuleDebugDirectory(scanning: path)
        problems = directory.problems
        let sections: ModuleSections?
        do {
            sections = try ModuleSections(kernel: kernel)
        } catch {
            sections = nil
            problems.append("module debug files under \(path) are not used: the modules' section addresses cannot be found (\(error))")
        }
        for m in modules where m.state != "UNFORMED" {
            var entry = Entry(module: m.name, buildID: nil, dwarf: nil)
            defer { entries[m.name] = entry }
            guard let sections else { continue }
            let list: [(name: String, address: UInt64)]
            do {
                list = try sections.sections(of: m.address)
                entry.buildID = try sections.buildID(sections: list)
            } catch {
                if !directory.candidates(for: m.name).isEmpty {
                    problems.append("module \(m.name): its section addresses (mod->sect_attrs) are unreadable (\(error)); its debug file is not used")
                }
                continue
            }
            let candidates = directory.candidates(for: m.name)
            guard !candidates.isEmpty else { continue }
            guard let loaded = entry.buildID else {
                problems.append("module \(m.name): no build ID in its memory (.note.gnu.build-id), so \(candidates[0].path) cannot be checked against it and is not used")
                continue
            }
            guard let file = candidates.first(where: { $0.buildID == loaded }) else {
                for c in candidates {
                    problems.append("module \(m.name): debug file \(c.path) is another build (build ID \(c.buildID ?? "none"), the loaded module's is \(loaded)); not used")
                }
                continue
            }
            var byName: [String: UInt64] = [:]
            for s in list where byName[s.name] == nil { byName[s.name] = s.address }
            // libdwfl wants one range for the module; the core text's region is
            // where backtraces point (init text, elsewhere, is found by section).
            let text = byName[".text"] ?? m.base
            let region = m.regions.first { $0.contains(text) }
            entry.dwarf = ModuleDwarf(module: m.name, file: file, sections: byName,
                                      start: region?.base ?? m.base, end: region.map { $0.base &+ $0.size } ?? m.base &+ m.size)
        }
        for p in problems { kernel.addOpenWarning(p) }
    }

    /// The debug file matched with a module, nil when none was.
    public func debugFile(module: String) -> String? { entries[module]?.dwarf?.file.path }

    /// The functions at a runtime address of a module's code, innermost
    /// first (empty without a matched debug file, or where its DWARF has no unit).
    public func frames(at address: UInt64, module: String) -> [SourceFrame] {
        guard let dwarf = entries[module]?.dwarf else { return [] }
        let frames = dwarf.frames(at: address)
        if let error = dwarf.loadError, !reportedLoadErrors.contains(module) {
            reportedLoadErrors.insert(module)
            kernel.warnings.note("module \(module): debug file \(dwarf.file.path) cannot be used: \(error)", at: nil, cause: "unusable module debug file")
        }
        return frames
    }
    private var reportedLoadErrors: Set<String> = []

    /// The ELF function symbol of a module's debug file spanning an address.
    public func functionSymbol(containing address: UInt64, module: String) -> String? {
        entries[module]?.dwarf?.functionSymbol(containing: address)
    }
}
