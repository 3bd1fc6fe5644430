/// Every table and function kdsql registers on a connection. Adding one is
/// one line here (plus its definition in Grammar/tables).
enum Registration {
    static var tables: [any VirtualTable.Type] {[
        KdsqlStatsTable.self,
        VMCoreInfoTable.self,
        SymbolsTable.self,
        TypesTable.self,
        TypeMembersTable.self,
        SysTable.self,
        TasksTable.self,
    ]}

    static var functions: [ScalarFunction] {
        [HexFunction.function] + KernelFunctions.all
    }
}

/// Checks that table implementations and definitions agree (a test runs it).
public enum TableConsistency {
    /// Registered implementations whose columns differ from their definition.
    public static func mismatches(_ definitions: DefinitionSet) -> [TableMismatch] {
        Registration.tables.compactMap { check($0, definitions) }
    }

    /// Definitions no registered implementation claims.
    public static func unimplemented(_ definitions: DefinitionSet) -> [String] {
        let implemented = Set(Registration.tables.map { $0.name })
        return definitions.tables.map(\.name).filter { !implemented.contains($0) }
    }

    private static func check<T: VirtualTable>(_ type: T.Type, _ definitions: DefinitionSet) -> TableMismatch? {
        T.mismatch(with: definitions[T.name])
    }
}
