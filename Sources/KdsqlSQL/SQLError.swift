/// An error SQLite reported, with the statement it came from.
public struct SQLError: Error, Equatable, CustomStringConvertible {
    /// SQLite result code.
    public var code: Int32
    public var message: String
    public var sql: String?
    /// Byte offset into `sql` that SQLite's error points at, when it says.
    public var offset: Int?
    public init(code: Int32, message: String, sql: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.offset = offset
    }
    public var description: String { message }
}
