import KdsqlMemory
import KdsqlDebugInfo

/// A link node embedded in a kernel object: `member` of `type`, as the
/// kernel's `list_for_each_entry(pos, head, member)` and `rb_entry(node,
/// type, member)` name it. The member's type says how the structure is
/// walked: `struct list_head` (include/linux/types.h, a circular doubly
/// linked list whose head is not an entry), `struct hlist_node` (a
/// NULL-terminated list from an `hlist_head`) or `struct rb_node`
/// (include/linux/rbtree_types.h). `container_of` is then the node's
/// address minus the member's offset.
public struct EmbeddedNode: Sendable {
    public enum Kind: Sendable, Equatable {
        case listHead, hlistNode, rbNode
        /// Any other member: fine for `container_of`, not for a walk.
        case other(String)
    }

    /// The container's C spelling as given (`task_struct`, `struct module`).
    public let type: String
    public let member: String
    public let offset: UInt64
    public let kind: Kind
    /// Size of the containing type.
    public let containerSize: Int

    public init(kernel: Kernel, type: String, member: String) throws {
        self.type = type
        self.member = member
        let field = try kernel.field(type, member)
        offset = field.offset
        let types = try kernel.types()
        containerSize = types.size(of: try kernel.type(type)) ?? 0
        kind = Self.kind(of: field.type, types: types)
    }

    /// The node kind of a member's type. A struct that begins with a node
    /// counts as one: 7.x's `struct rb_node_linked` (rb_node, then prev/next
    /// links; include/linux/rbtree_types.h) is linked through its rb_node.
    static func kind(of type: TypeID, types: any TypeInfo) -> Kind {
        var current = types.resolved(type)
        for _ in 0..<4 {
            guard case .structure(let name, _) = types.shape(of: current) else { break }
            switch name {
            case "list_head": return .listHead
            case "hlist_node": return .hlistNode
            case "rb_node": return .rbNode
            default: break
            }
            guard let first = types.members(of: current).first, first.bitOffset == 0 else { break }
            current = types.resolved(first.type)
        }
        return .other(types.name(of: type))
    }

    /// `container_of(node, type, member)`.
    public func container(_ node: UInt64) -> UInt64 { node &- offset }
}
