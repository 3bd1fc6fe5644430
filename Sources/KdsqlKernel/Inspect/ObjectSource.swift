import KdsqlMemory
import KdsqlDebugInfo

/// The objects a kernel structure holds, for tables defined by users: a
/// `list_head` and the `via` member that links each object into it, an
/// `hlist_head`, an rbtree, an xarray, a per-CPU variable, an array, or one
/// object. Everything is resolved by name through the type info when the
/// source is made, so a wrong type, member or symbol is reported before any
/// row is read.
///
/// Walks never hang and never give a row twice: a cycle, a NULL or
/// unreadable link ends the walk with a warning in `Kernel.warnings` (the
/// rows before it stay), as the built-in walkers do.
public struct ObjectSource {
    public enum Kind: String, Sendable, CaseIterable {
        case listHead = "list_head", hlistHead = "hlist_head", rbtree, xarray, percpu, array, object
    }

    /// Which part of the definition a failure is about.
    public enum Part: Sendable { case root, type, via, count }

    public struct Failure: Error, CustomStringConvertible {
        public var part: Part
        public var message: String
        public var description: String { message }
    }

    /// One row: the object's address and its position (list ordinal, tree
    /// rank, xarray index, CPU number, array index).
    public struct Element: Sendable, Equatable {
        public var index: Int64
        public var address: UInt64
    }

    public let kernel: Kernel
    public let kind: Kind
    /// The type of each object, as written (`task_struct`) and resolved.
    public let typeName: String
    public let type: TypeID
    /// The root's address: the head, tree root, xarray, per-CPU symbol, array
    /// start or object; nil when a pointer on the root's path is NULL (no rows).
    public let rootAddress: UInt64?
    /// Offset of the linking member in the object (list_head, hlist_head, rbtree).
    public let viaOffset: UInt64
    /// `array`: the elements are pointers to objects (`of "struct x *"`).
    public let elementsArePointers: Bool
    public let elementSize: UInt64
    public let count: Int
    public let description: String

    /// Longest walk: no kernel list or tree is near this; a corrupt one is cut.
    public static let limit = 4_000_000

    public init(kernel: Kernel, kind: Kind, root: String, type: String, via: String? = nil, count: String? = nil) throws(Failure) {
        self.kernel = kernel
        self.kind = kind
        self.typeName = type
        self.description = "\(kind.rawValue) \(root)"
        func fail(_ part: Part, _ error: any Error) -> Failure { Failure(part: part, message: "\(error)") }

        // The object type; `array` elements may be pointers to it.
        var spelled = type.trimmingSpaces
        var pointers = false
        if kind == .array, spelled.hasSuffix("*") {
            pointers = true
            spelled = String(spelled.dropLast()).trimmingSpaces
        }
        elementsArePointers = pointers
        do { self.type = try kernel.userType(spelled) } catch { throw fail(.type, error) }
        let types: any TypeInfo
        do { types = try kernel.types() } catch { throw fail(.type, error) }
        elementSize = pointers ? 8 : UInt64(types.size(of: self.type) ?? 0)
        if kind == .array, elementSize == 0 { throw Failure(part: .type, message: "\(type) has no size: it cannot be an array element") }

        // The member that links objects in.
        if let via {
            let accessor: MemberAccessor
            do { accessor = try kernel.accessor(in: self.type, named: spelled, try MemberPath.parse(via)) } catch { throw fail(.via, error) }
            guard let offset = accessor.directOffset else {
                throw Failure(part: .via, message: "'\(via)' follows a pointer; 'via' names a member inside \(spelled)")
            }
            let expected: String
            switch kind {
            case .listHead: expected = "struct list_head"
            case .hlistHead: expected = "struct hlist_node"
            default: expected = "struct rb_node"
            }
            let actual = types.name(of: types.resolved(accessor.type))
            guard actual == expected else {
                throw Failure(part: .via, message: "\(spelled).\(via) is \(accessor.typeName), not \(expected): a \(kind.rawValue) source links its objects through a \(expected)")
            }
            viaOffset = offset
        } else {
            viaOffset = 0
        }

        do { rootAddress = try kernel.address(ofSymbolPath: root) } catch { throw fail(.root, error) }
        if let a = rootAddress, (kind == .percpu) != kernel.isPerCPU(a) {
            let symbol = (try? SymbolPath.parse(root).symbol) ?? root
            throw Failure(part: .root, message: kind == .percpu
                ? "'\(symbol)' is not a per-CPU variable; a percpu source needs one (DEFINE_PER_CPU)"
                : "'\(symbol)' is a per-CPU variable: use a percpu source for it")
        }

        if let count {
            let text = count.trimmingSpaces
            if let n = Int(text) ?? (text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : nil) {
                self.count = n
            } else {
                let value: MemberValue
                do { value = try kernel.value(ofSymbolPath: text) } catch { throw fail(.count, error) }
                guard case .integer(let n) = value else { throw Failure(part: .count, message: "'\(text)' is not an integer") }
                self.count = Int(max(0, min(n, Int64(Self.limit))))
            }
        } else {
            self.count = 0
        }
    }

    /// Every object, in the structure's order. Damage ends the walk with a warning.
    public func elements() throws -> [Element] {
        guard let root = rootAddress else { return [] }
        switch kind {
        case .object:
            return [Element(index: 0, address: root)]
        case .listHead:
            let nodes = try kernel.resilientListNodes(head: root, what: description, object: typeName, offset: viaOffset, limit: Self.limit)
            return nodes.enumerated().map { Element(index: Int64($0.offset), address: $0.element &- viaOffset) }
        case .hlistHead:
            var out: [Element] = []
            var seen = Set<UInt64>()
            do {
                var node = try kernel.readU64(root)
                while node != 0 {
                    guard out.count < Self.limit, seen.insert(node).inserted else {
                        throw MemoryError.cycle(what: description, at: node)
                    }
                    out.append(Element(index: Int64(out.count), address: node &- viaOffset))
                    node = try kernel.readU64(node)
                }
            } catch {
                try kernel.warnings.skip(typeName, at: nil, because: error)
            }
            return out
        case .rbtree:
            do {
                // rb_root_cached starts with its rb_root (include/linux/rbtree_types.h).
                let nodes = try RBTree(kernel: kernel).inorder(root: root, what: description, limit: Self.limit)
                return nodes.enumerated().map { Element(index: Int64($0.offset), address: $0.element &- viaOffset) }
            } catch {
                try kernel.warnings.skip(typeName, at: nil, because: error)
                return []
            }
        case .xarray:
            // struct xarray { spinlock_t xa_lock; gfp_t xa_flags; void *xa_head; }
            // (include/linux/xarray.h); an IDR and a radix_tree_root start with one.
            let head = try kernel.readU64(root &+ (try kernel.field("struct xarray", "xa_head")).offset)
            let entries = try XArray(kernel: kernel).entries(head: head, limit: Self.limit) { node, error in
                try kernel.warnings.skip("xa_node", at: node, because: error)
            }
            return entries.map { Element(index: Int64(bitPattern: $0.index), address: $0.entry) }
        case .percpu:
            let offsets = try kernel.address(of: "__per_cpu_offset")
            var out: [Element] = []
            for cpu in try kernel.possibleCPUs() {
                do {
                    out.append(Element(index: Int64(cpu), address: root &+ (try kernel.readU64(offsets + UInt64(cpu) * 8))))
                } catch {
                    try kernel.warnings.skip("__per_cpu_offset[\(cpu)]", at: offsets + UInt64(cpu) * 8, because: error)
                }
            }
            return out
        case .array:
            var out: [Element] = []
            for i in 0..<count {
                let slot = root &+ UInt64(i) &* elementSize
                if !elementsArePointers {
                    out.append(Element(index: Int64(i), address: slot))
                    continue
                }
                do {
                    let p = try kernel.readU64(slot)
                    if p != 0 { out.append(Element(index: Int64(i), address: p)) }
                } catch {
                    try kernel.warnings.skip("\(typeName) pointer", at: slot, because: error)
                }
            }
            return out
        }
    }
}
