import KdsqlMemory
import KdsqlDebugInfo

/// One cgroup of the unified (v2) hierarchy, with the memory and pids
/// controller values its interface files show.
public struct Cgroup: Sendable, Equatable {
    public var address: UInt64
    /// The cgroup id (kernfs node id), what name_to_handle_at and bpf use.
    public var id: UInt64
    public var path: String
    public var level: Int64
    /// cgroup.controllers: the controllers the parent enables for it.
    public var controllers: [String]
    /// cgroup.subtree_control: the controllers it enables for its children.
    public var subtreeControl: [String]
    /// memory.max and memory.current in bytes; max is nil for "max".
    /// Both nil when the memory controller is not enabled here.
    public var memoryMax: Int64?
    public var memoryCurrent: Int64?
    public var swapCurrent: Int64?
    /// pids.max (nil for "max") and pids.current.
    public var pidsMax: Int64?
    public var pidsCurrent: Int64?
    public var memoryEnabled: Bool
    public var pidsEnabled: Bool
}

/// The cgroup v2 tree (kernel/cgroup/cgroup.c): `cgrp_dfl_root.cgrp` is
/// the root, children hang on `cgroup.self.children` linked through
/// `cgroup_subsys_state.sibling`; names and ids come from the cgroup's
/// kernfs node. A task's cgroup is `task->cgroups->dfl_cgrp` (struct css_set).
/// Controller state: `cgroup->subsys[memory_cgrp_id]` is the css embedded at
/// the start of `struct mem_cgroup` (page_counter `memory`, `swap`, in
/// pages; PAGE_COUNTER_MAX means max), `subsys[pids_cgrp_id]` the one of
/// `struct pids_cgroup` (kernel/cgroup/pids.c: `counter`, `limit`; PIDS_MAX
/// = PID_MAX_LIMIT + 1 means max). Controller ids are enumerators of
/// `enum cgroup_subsys_id`, which depend on the kernel's configuration.
/// Only the v2 hierarchy is read: v1 hierarchies (`cgroup_roots` entries
/// other than the default root) have per-hierarchy trees and are not listed;
/// `v1Hierarchies()` names them so the tables can warn. Every fixture mounts
/// cgroup2 only, so no dump here could check a v1 reader.
public final class Cgroups {
    public let kernel: Kernel
    let selfCss: FieldRef, cssChildren: FieldRef, cssSibling: FieldRef
    let level: FieldRef, kn: FieldRef, subtreeControl: FieldRef, subsys: FieldRef
    let knName: FieldRef, knParent: FieldRef, knId: FieldRef
    let taskCgroups: FieldRef, dflCgrp: FieldRef
    let memoryId: Int?, pidsId: Int?
    let subsysNames: [String]
    let memMemoryMax: FieldRef?, memMemoryUsage: FieldRef?, memSwapUsage: FieldRef?
    let pidsCounter: FieldRef?, pidsLimit: FieldRef?

    /// PAGE_COUNTER_MAX (include/linux/page_counter.h): LONG_MAX / PAGE_SIZE.
    static let pageCounterMax = Int64.max / 4096
    /// PIDS_MAX (kernel/cgroup/pids.c): PID_MAX_LIMIT + 1 = 4 * 1024 * 1024 + 1 on 64-bit.
    static let pidsMaxValue: Int64 = 4 * 1024 * 1024 + 1

    public init(kernel: Kernel) throws {
        self.kernel = kernel
        let c = "struct cgroup"
        selfCss = try kernel.field(c, "self")
        cssChildren = try kernel.field("struct cgroup_subsys_state", "children")
        cssSibling = try kernel.field("struct cgroup_subsys_state", "sibling")
        level = try kernel.field(c, "level")
        kn = try kernel.field(c, "kn")
        subtreeControl = try kernel.field(c, "subtree_control")
        subsys = try kernel.field(c, "subsys")
        knName = try kernel.field("struct kernfs_node", "name")
        // `parent` became the RCU-protected `__parent` in 6.15.
        knParent = try kernel.field("struct kernfs_node", oneOf: ["__parent", "parent"])
        knId = try kernel.field("struct kernfs_node", "id")
        taskCgroups = try kernel.field("struct task_struct", "cgroups")
        dflCgrp = try kernel.field("struct css_set", "dfl_cgrp")
        func id(_ name: String) -> Int? {
            let v = kernel.enumValue("cgroup_subsys_id", name, fallback: -1)
            return v < 0 ? nil : Int(v)
        }
        memoryId = id("memory_cgrp_id")
        pidsId = id("pids_cgrp_id")
        // The names, in subsystem id order, from the `cgroup_subsys[]` array of
        // `struct cgroup_subsys *` (its length is CGROUP_SUBSYS_COUNT).
        let count = Int(kernel.enumValue("cgroup_subsys_id", "CGROUP_SUBSYS_COUNT", fallback: 0))
        var names: [String] = []
        if let base = try? kernel.address(of: "cgroup_subsys"), let nameField = try? kernel.field("struct cgroup_subsys", "name") {
            for i in 0..<count {
                let ss = (try? kernel.readU64(base + UInt64(i) * 8)) ?? 0
                let name = ss == 0 ? nil : try? kernel.readCString(try kernel.readPointer(ss, nameField), maxLength: 32)
                names.append(name ?? "subsys\(i)")
            }
        }
        subsysNames = names
        memMemoryMax = try? kernel.field("struct mem_cgroup", "memory.max")
        memMemoryUsage = try? kernel.field("struct mem_cgroup", "memory.usage")
        memSwapUsage = try? kernel.field("struct mem_cgroup", "swap.usage")
        pidsCounter = try? kernel.field("struct pids_cgroup", "counter")
        pidsLimit = try? kernel.field("struct pids_cgroup", "limit")
    }

    public func root() throws -> UInt64 {
        try kernel.address(of: "cgrp_dfl_root") + (try kernel.field("struct cgroup_root", "cgrp")).offset
    }

    /// Every cgroup of the v2 tree, depth first, parents before children.
    public func addresses() throws -> [UInt64] {
        var out: [UInt64] = []
        func visit(_ cg: UInt64, depth: Int) throws {
            guard depth < 64, out.count < 1_000_000 else { throw MemoryError.cycle(what: "cgroup tree", at: cg) }
            out.append(cg)
            let head = cg + selfCss.offset + cssChildren.offset
            for node in try kernel.listNodes(head: head, what: "cgroup children", limit: 1_000_000) {
                try visit(node - cssSibling.offset - selfCss.offset, depth: depth + 1)
            }
        }
        try visit(try root(), depth: 0)
        return out
    }

    /// The path as /proc/PID/cgroup shows it: kernfs names from the root down.
    public func path(_ cg: UInt64) throws -> String {
        var names: [String] = []
        var node = try kernel.readPointer(cg, kn)
        var steps = 0
        while node != 0, steps < 64 {
            let parent = try kernel.readPointer(node, knParent)
            if parent == 0 { break }
            names.append(try kernel.readCString(try kernel.readPointer(node, knName), maxLength: 256))
            node = parent
            steps += 1
        }
        return "/" + names.reversed().joined(separator: "/")
    }

    func names(_ mask: UInt64) -> [String] {
        subsysNames.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element)
    }

    /// cgroup.controllers at the root: the default root's subsystems less the
    /// inhibited and implicit ones (cgroup_control(), kernel/cgroup/cgroup.c).
    func rootControllers() throws -> UInt64 {
        let mask = try kernel.readUnsigned(try kernel.address(of: "cgrp_dfl_root"), try kernel.field("struct cgroup_root", "subsys_mask"))
        let inhibit = UInt64((try? kernel.readU16(try kernel.address(of: "cgrp_dfl_inhibit_ss_mask"))) ?? 0)
        let implicit = UInt64((try? kernel.readU16(try kernel.address(of: "cgrp_dfl_implicit_ss_mask"))) ?? 0)
        return mask & ~(inhibit | implicit)
    }

    func css(_ cg: UInt64, _ id: Int?) throws -> UInt64? {
        guard let id else { return nil }
        let p = try kernel.readU64(cg + subsys.offset + UInt64(id) * 8)
        return p == 0 ? nil : p
    }

    public func cgroup(at cg: UInt64) throws -> Cgroup {
        let parent = try kernel.readPointer(cg + selfCss.offset, try kernel.field("struct cgroup_subsys_state", "parent"))
        let controllerMask = parent == 0 ? try rootControllers()
            : try kernel.readUnsigned(parent - selfCss.offset, subtreeControl)
        let isRoot = parent == 0
        let enabled = Set(names(controllerMask))
        var out = Cgroup(address: cg, id: try kernel.readUnsigned(try kernel.readPointer(cg, kn), knId), path: try path(cg),
                         level: try kernel.readSigned(cg, level), controllers: names(controllerMask),
                         subtreeControl: names(try kernel.readUnsigned(cg, subtreeControl)),
                         memoryEnabled: !isRoot && enabled.contains("memory"), pidsEnabled: !isRoot && enabled.contains("pids"))
        // The root has no memory.max/pids.max files; children show them when the parent enables the controller.
        if out.memoryEnabled, let memcg = try css(cg, memoryId), let memMemoryMax, let memMemoryUsage {
            let max = try kernel.readSigned(memcg, memMemoryMax)
            out.memoryMax = max >= Self.pageCounterMax ? nil : max * 4096
            out.memoryCurrent = try kernel.readSigned(memcg, memMemoryUsage) * 4096
            out.swapCurrent = try memSwapUsage.map { try kernel.readSigned(memcg, $0) * 4096 }
        }
        if out.pidsEnabled, let pids = try css(cg, pidsId), let pidsCounter, let pidsLimit {
            let limit = try kernel.readSigned(pids, pidsLimit)
            out.pidsMax = limit >= Self.pidsMaxValue ? nil : limit
            out.pidsCurrent = try kernel.readSigned(pids, pidsCounter)
        }
        return out
    }

    public func all() throws -> [Cgroup] { try addresses().map { try cgroup(at: $0) } }

    /// Mounted cgroup v1 hierarchies, which this walker does not read: the
    /// entries of `cgroup_roots` (kernel/cgroup/cgroup.c, linked through
    /// `cgroup_root.root_list`) other than `cgrp_dfl_root`, as
    /// "hierarchy N" plus the `name=` mount option when one was given.
    /// Tables warn when there are any, since their paths are then the v2
    /// ones only (/proc/PID/cgroup would list a line per hierarchy).
    public func v1Hierarchies() throws -> [String] {
        let rootList = try kernel.field("struct cgroup_root", "root_list")
        let name = try kernel.field("struct cgroup_root", "name")
        let hierarchyId = try kernel.field("struct cgroup_root", "hierarchy_id")
        let dfl = try kernel.address(of: "cgrp_dfl_root")
        var out: [String] = []
        try kernel.forEachListNode(head: try kernel.address(of: "cgroup_roots"), what: "cgroup_roots", limit: 64) { node in
            let root = node - rootList.offset
            if root != dfl {
                let n = (try? kernel.readCString(root + name.offset, maxLength: 64)) ?? ""
                out.append("hierarchy \(try kernel.readSigned(root, hierarchyId))" + (n.isEmpty ? "" : " (\(n))"))
            }
            return true
        }
        return out
    }

    /// The task's v2 cgroup (`task->cgroups->dfl_cgrp`), nil for a task without a css_set.
    public func cgroup(ofTask t: UInt64) throws -> UInt64? {
        let cset = try kernel.readPointer(t, taskCgroups)
        guard cset != 0 else { return nil }
        let cg = try kernel.readPointer(cset, dflCgrp)
        return cg == 0 ? nil : cg
    }
}
