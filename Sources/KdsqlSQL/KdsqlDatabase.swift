@preconcurrency import Glibc
@preconcurrency import CSQLite

/// An SQLite connection (`:memory:`) with every kdsql table and function
/// registered, and the per-connection context they share.
///
/// The process must link libsqlite3 (the CLI and the tests do); this layer
/// itself calls SQLite only through the api table, which it obtains from the
/// library with `sqlite3_auto_extension` on first use.
public final class KdsqlDatabase {
    /// The sqlite3* handle.
    public let handle: OpaquePointer
    public let context: ConnectionContext
    /// Definitions of the registered tables (for `.schema` and the reference).
    public let definitions: DefinitionSet
    public let functions: [ScalarFunction]
    /// The progress handler SQLite calls (`setProgressHandler`), kept alive here.
    var progressBox: ProgressBox?

    /// - Parameters:
    ///   - extraDefinitions: `.kdt` definitions beyond the built-in ones (tests, user tables).
    ///   - extraTables: implementations registered after the built-in ones.
    public init(context: ConnectionContext = ConnectionContext(),
                extraDefinitions: [TableDefinition] = [],
                extraTables: [TableRegistration] = [],
                extraFunctions: [ScalarFunction] = []) throws {
        var definitions = try DefinitionSet.builtin()
        for d in extraDefinitions { definitions.add(d) }
        self.context = context
        self.functions = Registration.functions + extraFunctions

        guard APIBootstrap.installed else { throw SQLError(code: SQLITE_ERROR, message: "could not register with SQLite") }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        guard rc == SQLITE_OK, let db, sqliteAPI != nil else {
            if let db { sqlite3_close_v2(db) }
            throw SQLError(code: rc, message: "cannot open an in-memory SQLite database (code \(rc))")
        }
        handle = db
        var registered = DefinitionSet()
        do {
            for table in Registration.tables + extraTables {
                let definition = try Self.register(table, definitions: definitions, context: context, on: db)
                registered.add(definition)
            }
            for f in functions {
                let rc = FunctionBridge.register(f, context: context, on: db)
                if rc != SQLITE_OK { throw SQLError(code: rc, message: "cannot register function \(f.name)") }
            }
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
        self.definitions = registered
    }

    deinit { sqlite3_close_v2(handle) }

    private static func register(_ table: TableRegistration, definitions: DefinitionSet,
                                 context: ConnectionContext, on db: OpaquePointer) throws -> TableDefinition {
        guard let definition = definitions[table.name] else { throw SQLError(code: SQLITE_ERROR, message: "no definition for table \(table.name)") }
        if let mismatch = table.mismatch(definition) { throw mismatch }
        let rc = ModuleBridge.register(ModuleEntry(table, definition: definition, context: context), on: db)
        if rc != SQLITE_OK { throw SQLError(code: rc, message: "cannot register table \(table.name)") }
        return definition
    }

    public func drainWarnings() -> [String] { context.drainWarnings() }

    /// The README's table and function reference (`kdsql --table-reference`).
    public var tableReference: String { TableReference.markdown(definitions, functions: functions) }

    /// Runs `sql` and returns every row (convenience for tests and small tools).
    public func query(_ sql: String) throws(SQLError) -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        try forEachRow(sql) { rows.append($0) }
        return rows
    }

    /// Runs every statement in `sql`, calling `body` with each result row.
    public func forEachRow(_ sql: String, _ body: ([SQLValue]) -> Void) throws(SQLError) {
        let api = SQLite.api
        var utf8 = Array(sql.utf8CString)
        try utf8.withUnsafeMutableBufferPointer { (buffer) throws(SQLError) in
            guard var tail = UnsafePointer(buffer.baseAddress) else { return }
            while tail.pointee != 0 {
                var stmt: OpaquePointer?
                var next: UnsafePointer<CChar>?
                let rc = api.pointee.prepare_v2!(handle, tail, -1, &stmt, &next)
                guard rc == SQLITE_OK else { throw error(rc, sql) }
                guard let stmt else { break }  // only whitespace or comments left
                defer { _ = api.pointee.finalize!(stmt) }
                try PreparedStatement.step(stmt, database: self, sql: sql, body)
                guard let next, next != tail else { break }
                tail = next
            }
        }
    }

    func error(_ rc: Int32, _ sql: String) -> SQLError {
        let message = SQLite.api.pointee.errmsg!(handle).map { String(cString: $0) } ?? "SQLite error \(rc)"
        return SQLError(code: rc, message: message, sql: sql)
    }
}

/// Obtains SQLite's api table once per process: an auto-extension that only
/// records the pointer it is handed, installed the first time a database is
/// opened.
enum APIBootstrap {
    static let installed: Bool = {
        let entry: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   UnsafePointer<sqlite3_api_routines>?) -> Int32 = { _, _, api in
            if sqliteAPI == nil { sqliteAPI = api }
            return SQLITE_OK
        }
        return sqlite3_auto_extension(unsafeBitCast(entry, to: (@convention(c) () -> Void).self)) == SQLITE_OK
    }()
}

/// Entry point for a loadable-extension build: records the api table and
/// registers every table and function on `db` with a context of its own,
/// plus `kdsql_open()`. With `KDSQL_DUMP` in the environment (and optionally
/// `KDSQL_SYSTEM_MAP`, `KDSQL_VMLINUX`, `KDSQL_MODULES_DIR`) that dump is opened at load time,
/// which is how a client that only loads extensions (Datasette) serves one.
public func kdsqlExtensionInit(_ db: OpaquePointer?, _ pzErrMsg: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                               _ api: UnsafePointer<sqlite3_api_routines>?) -> Int32 {
    guard let db, let api else { return SQLITE_ERROR }
    if sqliteAPI == nil { sqliteAPI = api }
    let context = ConnectionContext()
    do {
        if let dump = ExtensionEnvironment.value("KDSQL_DUMP") {
            context.attach(try OpenFunction.open(dump: dump, systemMap: ExtensionEnvironment.value("KDSQL_SYSTEM_MAP"),
                                                 vmlinux: ExtensionEnvironment.value("KDSQL_VMLINUX"),
                                                 modulesDirectory: ExtensionEnvironment.value("KDSQL_MODULES_DIR"), via: "KDSQL_DUMP"))
        }
        let definitions = try DefinitionSet.builtin()
        for table in Registration.tables {
            if let definition = definitions[table.name], let mismatch = table.mismatch(definition) { throw mismatch }
            guard let definition = definitions[table.name],
                  ModuleBridge.register(ModuleEntry(table, definition: definition, context: context), on: db) == SQLITE_OK else {
                throw SQLError(code: SQLITE_ERROR, message: "cannot register table \(table.name)")
            }
        }
        // User-defined tables: `KDSQL_TABLES` (files or directories, colon-
        // separated) and $XDG_CONFIG_HOME/kdsql/tables/. A bad one is named on
        // stderr and left out; with no dump yet, each binds when first used.
        let paths = ExtensionEnvironment.value("KDSQL_TABLES").map { $0.split(separator: ":").map(String.init) } ?? []
        var user = UserTableSet.load(paths: paths)
        if let kernel = context.kernel { user.bind(to: kernel) }
        for error in user.errors { fputs("kdsql: warning: table definition not loaded: \(error)\n", stderr) }
        for (definition, table) in zip(user.definitions, user.registrations) {
            guard ModuleBridge.register(ModuleEntry(table, definition: definition, context: context), on: db) == SQLITE_OK else {
                throw SQLError(code: SQLITE_ERROR, message: "cannot register table \(table.name)")
            }
        }
        for f in Registration.functions + [OpenFunction.function] where FunctionBridge.register(f, context: context, on: db) != SQLITE_OK {
            throw SQLError(code: SQLITE_ERROR, message: "cannot register function \(f.name)")
        }
        return SQLITE_OK
    } catch {
        pzErrMsg?.pointee = SQLite.mallocString("kdsql: \(errorText(error))")
        return SQLITE_ERROR
    }
}
