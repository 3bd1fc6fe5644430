/// Type information that also knows the types of global variables: DWARF
/// does (DW_TAG_variable); kernel BTF records only per-CPU variables, so
/// kdsql keeps its own table of the globals it reads (KernelGlobals).
public protocol VariableTypes: TypeInfo {
    /// The declared type of the global variable `name`, nil when unknown.
    func variableType(named name: String) -> TypeID?
}
