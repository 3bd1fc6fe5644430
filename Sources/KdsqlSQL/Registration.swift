/// Every table and function kdsql registers on a connection. Adding one is
/// one line here (plus its definition in Grammar/tables).
enum Registration {
    static var tables: [any VirtualTable.Type] {[
        KdsqlStatsTable.self,
        VMCoreInfoTable.self,
        SymbolsTable.self,
        TypesTable.self,
        TypeMembersTable.self,
    ]}

    static var functions: [ScalarFunction] {[
        HexFunction.function,
    ]}
}
