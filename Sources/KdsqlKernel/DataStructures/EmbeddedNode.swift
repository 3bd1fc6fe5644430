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
        switch types.shape(of: types.resolved(field.type)) {
        case .structure(name: "list_head", _): kind = .listHead
        case .structure(name: "hlist_node", _): kind = .hlistNode
        case .structure(name: "rb_node", _): kind = .rbNode
        default: kind = .other(types.name(of: field.type))
        }
    }

    /// `container_of(node, type, member)`.
    public func container(_ node: UInt64) -> UInt64 { node &- offset }
}
