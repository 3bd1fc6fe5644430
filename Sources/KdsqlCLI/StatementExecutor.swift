import KdsqlSQL

/// How results are written; changed by `--format`/`.mode`, `.headers`, `--hex`/`.hex`.
public struct OutputSettings: Equatable, Sendable {
    public var format: OutputFormat
    public var headers = true
    /// CSV writes address columns as 0x... too.
    public var hex = false

    public init(format: OutputFormat, headers: Bool = true, hex: Bool = false) {
        self.format = format
        self.headers = headers
        self.hex = hex
    }
}

/// Runs SQL text — every statement in it, in order — on a `KdsqlDatabase`,
/// binds its `:NAME` parameters and streams each result through a formatter.
/// Statements with no result columns (CREATE, INSERT, ...) write nothing.
struct StatementExecutor {
    let database: KdsqlDatabase
    var settings: OutputSettings
    /// Values for `:NAME` parameters, by bare name.
    var parameters: [String: SQLValue] = [:]
    /// A saved query's `output: text` (only for formats meant for people).
    var plainText = false
    var progress: ProgressMeter?

    init(database: KdsqlDatabase, settings: OutputSettings) {
        self.database = database
        self.settings = settings
    }

    /// Stops at the first error; rows already written stay written.
    func run(_ sql: String, into out: OutputWriter, afterEach: () -> Void = {}) throws(SQLError) {
        try database.forEachStatement(sql) { (statement) throws(SQLError) in
            let unbound = try statement.bind(parameters)
            if let name = unbound.first {
                let bare = DotCommand.bareName(name)
                throw SQLError(code: 25 /* SQLITE_RANGE */,
                               message: "no value for parameter \(name): give --param \(bare)=VALUE (in the shell: .parameter set \(name) VALUE)",
                               sql: statement.sql)
            }
            try execute(statement, into: out)
            afterEach()
        }
    }

    private func execute(_ statement: PreparedStatement, into out: OutputWriter) throws(SQLError) {
        progress?.begin()
        defer { progress?.end() }
        guard statement.columnCount > 0 else {
            try statement.forEachRow { _ in }
            return
        }
        let units = statement.columnUnits
        let columns = zip(statement.columnNames, units).map { ResultColumn(name: $0, isAddress: $1 == "address") }
        var formatter: any RowFormatter = plainText && settings.format.isForPeople
            ? TextFormatter() : settings.format.makeFormatter(headers: settings.headers, hex: settings.hex)
        var flushing = FlushPolicy()
        formatter.begin(columns: columns, into: out)
        do {
            try statement.forEachRow { row in
                formatter.row(row, into: out)
                flushing.rowWritten(to: out)
            }
        } catch {
            // The formatter closes what it opened (a JSON array's bracket).
            formatter.end(into: out)
            out.flush()
            throw error
        }
        formatter.end(into: out)
        out.flush()
    }
}
