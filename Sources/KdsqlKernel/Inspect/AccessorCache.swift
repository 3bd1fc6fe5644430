import Synchronization
import KdsqlMemory

/// Resolved member paths, remembered across rows: `kd_member(task,
/// 'task_struct', 'comm')` over every task, or `kd_struct` joined with
/// `tasks`, resolves the same paths on every row, and a resolution is
/// several member lookups. A layout belongs to one kernel build and type
/// source, so that is the key (a dump without a build id is not cached).
final class AccessorCache: Sendable {
    private let accessors = Mutex<[String: MemberAccessor]>([:])
    private let flattened = Mutex<[String: [MemberAccessor]]>([:])
    static let shared = AccessorCache()

    /// Bounds memory: a session asks for a few hundred paths at most.
    private static let limit = 4096

    static func key(_ kernel: Kernel, _ rest: String) -> String? {
        guard let build = kernel.vmcoreinfo.buildID, !build.isEmpty else { return nil }
        return build + "\u{0}" + kernel.typeSource.rawValue + "\u{0}" + rest
    }

    func accessor(_ key: String?, _ make: () throws -> MemberAccessor) rethrows -> MemberAccessor {
        guard let key else { return try make() }
        if let hit = accessors.withLock({ $0[key] }) { return hit }
        let made = try make()
        accessors.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll() }
            cache[key] = made
        }
        return made
    }

    func flattened(_ key: String?, _ make: () throws -> [MemberAccessor]) rethrows -> [MemberAccessor] {
        guard let key else { return try make() }
        if let hit = flattened.withLock({ $0[key] }) { return hit }
        let made = try make()
        flattened.withLock { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[key] = made
        }
        return made
    }
}

extension Kernel {
    /// `accessor(type, path)`, remembered for this kernel build.
    public func cachedAccessor(_ type: String, _ path: String) throws -> MemberAccessor {
        try AccessorCache.shared.accessor(AccessorCache.key(self, type + "\u{0}" + path)) { try accessor(type, path) }
    }

    /// `flattenedMembers(of:)`, remembered for this kernel build.
    public func cachedFlattenedMembers(of type: String) throws -> [MemberAccessor] {
        try AccessorCache.shared.flattened(AccessorCache.key(self, type)) { try flattenedMembers(of: type) }
    }
}
