/// Every table and function kdsql registers on a connection. Tables need no
/// line here: the build lists every table of Grammar/tables. A new scalar
/// function is one entry in `functions`.
enum Registration {
    /// Generated from Grammar/tables: every definition file's tables.
    static var tables: [TableRegistration] { GeneratedTables.all }

    static var functions: [ScalarFunction] {
        [HexFunction.function] + KernelFunctions.all + AddressFunctions.all + InspectFunctions.all
    }
}

