/// A problem in a `.kdt` file, with where it is.
public struct DefinitionError: Error, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }
    /// `tasks.kdt:12:30: expected ';' after column 'pid', found '}'`
    public var description: String { "\(location): \(message)" }
}
