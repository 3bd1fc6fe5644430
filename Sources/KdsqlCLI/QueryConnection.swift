/// What the front end needs from an opened database. `KdsqlDatabase` (layer
/// 5) conforms in the lead's adapter; `MemoryConnection` stands in until then.
public protocol QueryConnection: AnyObject {
    /// The sqlite3* handle statements are prepared on.
    var handle: OpaquePointer { get }
    /// Tables for `.tables` and `.schema`, sorted by name.
    func tableSummaries() -> [TableSummary]
    /// Warnings gathered since the last call (unreadable memory and the like).
    func drainWarnings() -> [String]
    /// What looked wrong when the dump was opened (a cut file, odd headers), one line each.
    var openWarnings: [String] { get }
    /// One line about objects the last statement skipped, then reset; nil when none.
    func drainDamageSummary() -> String?
    /// Why the last failed statement failed, when it was the dump's damage
    /// (not an SQL mistake); then reset.
    func takeDamageFailure() -> String?
}

extension QueryConnection {
    public var openWarnings: [String] { [] }
    public func drainDamageSummary() -> String? { nil }
    public func takeDamageFailure() -> String? { nil }
}

public struct TableSummary: Equatable, Sendable {
    public var name: String
    public var description: String
    public var columns: [ColumnSummary]

    public init(name: String, description: String, columns: [ColumnSummary]) {
        self.name = name
        self.description = description
        self.columns = columns
    }
}

public struct ColumnSummary: Equatable, Sendable {
    public var name: String
    public var type: String
    /// e.g. `kB`, `ns`; empty when the column has none.
    public var unit: String
    public var description: String

    public init(name: String, type: String, unit: String = "", description: String = "") {
        self.name = name
        self.type = type
        self.unit = unit
        self.description = description
    }
}

extension QueryConnection {
    /// True when `name` can be queried (ordinary, virtual or eponymous table, or view).
    public func hasTable(_ name: String) -> Bool {
        if tableSummaries().contains(where: { $0.name == name }) { return true }
        let quoted = name.replacingQuotes()
        return (try? SingleValue.integer("SELECT count(*) FROM pragma_table_info('\(quoted)')", on: handle)).map { $0 > 0 } ?? false
    }
}

extension String {
    /// Doubles single quotes for an SQL string literal.
    func replacingQuotes() -> String {
        var out = ""
        for ch in self { out.append(ch); if ch == "'" { out.append("'") } }
        return out
    }
}
