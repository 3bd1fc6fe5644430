@preconcurrency import CSQLite

/// An SQL function implemented in Swift: `kd_hex(n)`, `kd_symbol(addr)`, ...
/// The body gets the arguments and the connection's context; a thrown error
/// becomes the statement's error message.
public struct ScalarFunction: Sendable {
    public var name: String
    /// Accepted argument counts (each is registered separately with SQLite).
    public var arities: ClosedRange<Int>
    /// Same inputs give the same output (lets SQLite factor calls out).
    /// Kernel-reading functions are deterministic too: the dump never changes.
    public var deterministic: Bool
    /// One line for `.functions` and the reference.
    public var description: String
    public var body: @Sendable ([SQLValue], ConnectionContext) throws -> SQLValue

    public init(_ name: String, arguments: ClosedRange<Int>, deterministic: Bool = true, description: String,
                body: @escaping @Sendable ([SQLValue], ConnectionContext) throws -> SQLValue) {
        self.name = name
        self.arities = arguments
        self.deterministic = deterministic
        self.description = description
        self.body = body
    }

    public init(_ name: String, arguments: Int, deterministic: Bool = true, description: String,
                body: @escaping @Sendable ([SQLValue], ConnectionContext) throws -> SQLValue) {
        self.init(name, arguments: arguments...arguments, deterministic: deterministic, description: description, body: body)
    }
}

/// A wrong argument given to a scalar function.
public struct FunctionArgumentError: Error, CustomStringConvertible {
    public var function: String
    public var message: String
    public init(_ function: String, _ message: String) {
        self.function = function
        self.message = message
    }
    public var description: String { "\(function)(): \(message)" }
}

/// Registers ScalarFunctions through the api table; the function and its
/// context travel in sqlite3_user_data.
enum FunctionBridge {
    final class Box {
        let function: ScalarFunction
        let context: ConnectionContext
        init(_ function: ScalarFunction, _ context: ConnectionContext) {
            self.function = function
            self.context = context
        }
    }

    static func register(_ function: ScalarFunction, context: ConnectionContext, on db: OpaquePointer) -> Int32 {
        var flags = SQLITE_UTF8
        if function.deterministic { flags |= SQLITE_DETERMINISTIC }
        for arity in function.arities {
            let box = Unmanaged.passRetained(Box(function, context)).toOpaque()
            let rc = function.name.withCString { name in
                SQLite.api.pointee.create_function_v2!(db, name, Int32(arity), flags, box, { ctx, argc, argv in
                    guard let data = SQLite.api.pointee.user_data!(ctx) else { return }
                    let box = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
                    var args: [SQLValue] = []
                    args.reserveCapacity(Int(argc))
                    for i in 0..<Int(max(argc, 0)) { args.append(SQLite.value(argv?[i])) }
                    do {
                        SQLite.result(ctx, try box.function.body(args, box.context))
                    } catch {
                        SQLite.resultError(ctx, errorText(error))
                    }
                }, nil, nil, { p in
                    if let p { Unmanaged<Box>.fromOpaque(p).release() }
                })
            }
            if rc != SQLITE_OK { return rc }
        }
        return SQLITE_OK
    }
}
