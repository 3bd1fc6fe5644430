/// An error SQLite reported, with the statement it came from.
public struct SQLError: Error, Equatable, CustomStringConvertible {
    /// SQLite result code.
    public var code: Int32
    public var message: String
    public var sql: String?
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }
    public var description: String { message }
}
