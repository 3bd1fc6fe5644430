/// Every table and function kdsql registers on a connection. Adding one is
/// one line here (plus its definition in Grammar/tables).
enum Registration {
    static var tables: [TableRegistration] {[
        .table(KdsqlStatsTable.self),
        .table(VMCoreInfoTable.self),
        .table(SymbolsTable.self),
        .table(TypesTable.self),
        .table(TypeMembersTable.self),
        .table(SysTable.self),
        .table(TasksTable.self),
        .table(StackFramesTable.self),
        .table(RegistersTable.self),
        .table(LogTable.self),
        .table(PanicTable.self),
        .table(OopsTable.self),
        .table(TaintTable.self),
        .table(MmTable.self),
        .table(VmasTable.self),
        .table(CmdlineTable.self),
        .table(FilesTable.self),
        .table(FsTable.self),
        .table(MountsTable.self),
        .table(ModulesTable.self),
        .table(ModuleSymbolsTable.self),
        .table(TimersTable.self),
        .table(HRTimersTable.self),
        .table(RunqueuesTable.self),
        .table(CpusTable.self),
        .table(NetDevicesTable.self),
        .table(NetAddressesTable.self),
        .table(SocketsTable.self),
    ]}

    static var functions: [ScalarFunction] {
        [HexFunction.function] + KernelFunctions.all
    }
}

/// Checks that table implementations and definitions agree (a test runs it).
public enum TableConsistency {
    /// Registered implementations whose columns differ from their definition.
    public static func mismatches(_ definitions: DefinitionSet) -> [TableMismatch] {
        Registration.tables.compactMap { $0.mismatch(definitions[$0.name]) }
    }

    /// Definitions no registered implementation claims.
    public static func unimplemented(_ definitions: DefinitionSet) -> [String] {
        let implemented = Set(Registration.tables.map { $0.name })
        return definitions.tables.map(\.name).filter { !implemented.contains($0) }
    }
}
