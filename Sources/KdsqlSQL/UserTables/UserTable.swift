import KdsqlMemory
import KdsqlKernel
import KdsqlDebugInfo

/// A table a user defined in a `.kdt` file with a `source` clause, served
/// without Swift: the source walks a kernel structure (ObjectSource) and
/// each column reads its `from` member path (MemberAccessor) from the row's
/// object. The hidden `address` column is the object's address; `address =
/// X` is pushed down and answered from the walk without reading a column.
///
/// The definition is bound to the kernel's types when a connection first
/// uses the table (or, in the CLI, when it is loaded), so an unknown type,
/// member or symbol is a `DefinitionError` at the place in the file that
/// names it.
enum UserTable {
    /// How a column's value is made from the row.
    enum Reader {
        case address
        /// `from "@index"`: the row's position (list ordinal, xarray index, CPU, array index).
        case index
        case value(MemberAccessor)
        /// TEXT from a `char *` member: the string it points to.
        case pointedString(MemberAccessor)
        /// BLOB of any member: its bytes.
        case bytes(MemberAccessor)
    }

    /// A definition bound to one kernel.
    final class Bound {
        let kernel: Kernel
        let source: ObjectSource
        let readers: [Reader]
        /// address -> element, built on the first `address =` lookup: the dump
        /// never changes, so one walk serves every later lookup.
        var byAddress: [UInt64: ObjectSource.Element]?

        init(kernel: Kernel, source: ObjectSource, readers: [Reader]) {
            self.kernel = kernel
            self.source = source
            self.readers = readers
        }

        func element(at address: UInt64) throws -> ObjectSource.Element? {
            if byAddress == nil {
                var map: [UInt64: ObjectSource.Element] = [:]
                for e in try source.elements() where map[e.address] == nil { map[e.address] = e }
                byAddress = map
            }
            return byAddress?[address]
        }

        func value(_ column: Int, of element: ObjectSource.Element) throws -> SQLValue {
            switch readers[column] {
            case .address:
                return .address(element.address)
            case .index:
                return .integer(element.index)
            case .value(let accessor):
                return InspectFunctions.sqlValue(try kernel.value(of: accessor, in: element.address))
            case .pointedString(let accessor):
                guard let at = try kernel.address(of: accessor, in: element.address) else { return .null }
                let p = try kernel.readU64(at)
                return p == 0 ? .null : .text(try kernel.readCString(p, maxLength: 4096))
            case .bytes(let accessor):
                guard let at = try kernel.address(of: accessor, in: element.address) else { return .null }
                return .blob(try kernel.read(at, count: accessor.size))
            }
        }
    }

    /// Binds `definition` to `kernel`'s types: the source and every column.
    static func bind(_ definition: TableDefinition, to kernel: Kernel) throws(DefinitionError) -> Bound {
        guard let s = definition.source else {
            throw DefinitionError("table '\(definition.name)' has no source clause", at: definition.location)
        }
        let kind = ObjectSource.Kind(rawValue: s.kind.rawValue)!
        let source: ObjectSource
        do {
            source = try ObjectSource(kernel: kernel, kind: kind, root: s.root, type: s.type, via: s.via, count: s.count)
        } catch {
            let at: SourceLocation
            switch error.part {
            case .root: at = s.rootLocation
            case .type: at = s.typeLocation
            case .via: at = s.viaLocation ?? s.location
            case .count: at = s.countLocation ?? s.location
            }
            throw DefinitionError("table '\(definition.name)': \(error.message)", at: at)
        }
        var readers: [Reader] = []
        for column in definition.columns {
            guard let from = column.from else {
                readers.append(.address)
                continue
            }
            let at = column.fromLocation ?? definition.location
            if from == "@index" {
                guard column.type == .integer else {
                    throw DefinitionError("column '\(column.name)' reads @index, the row's position: declare it INTEGER", at: at)
                }
                readers.append(.index)
                continue
            }
            do {
                readers.append(try reader(column, from, source, kernel))
            } catch let error as DefinitionError {
                throw error
            } catch {
                throw DefinitionError("column '\(column.name)' of table '\(definition.name)': \(error)", at: at)
            }
        }
        return Bound(kernel: kernel, source: source, readers: readers)
    }

    /// The reader of one column, checked against its declared SQL type.
    private static func reader(_ column: ColumnDefinition, _ from: String, _ source: ObjectSource, _ kernel: Kernel) throws -> Reader {
        let accessor = try kernel.accessor(in: source.type, named: source.typeName, try MemberPath.parse(from))
        let types = try kernel.types()
        let at = column.fromLocation ?? SourceLocation(file: "?", line: 1, column: 1)
        func mismatch(_ suggestion: String) -> DefinitionError {
            DefinitionError("column '\(column.name)' is \(column.type.rawValue) but \(source.typeName).\(from) is \(accessor.typeName): \(suggestion)", at: at)
        }
        switch column.type {
        case .blob:
            return .bytes(accessor)
        case .integer:
            switch accessor.kind {
            case .signed, .unsigned, .pointer: return .value(accessor)
            case .charArray: throw mismatch("declare it TEXT")
            case .float: throw mismatch("declare it REAL")
            case .bytes: throw mismatch("name one of its members, or declare it BLOB")
            }
        case .real:
            switch accessor.kind {
            case .float, .signed, .unsigned: return .value(accessor)
            default: throw mismatch("declare it \(accessor.kind == .charArray ? "TEXT" : "BLOB")")
            }
        case .text:
            switch accessor.kind {
            case .charArray: return .value(accessor)
            case .pointer:
                if case .pointer(let target) = types.shape(of: types.resolved(accessor.type)), Kernel.isCharacter(target, types) {
                    return .pointedString(accessor)
                }
                throw mismatch("only char arrays and char pointers are TEXT; declare it INTEGER")
            default:
                throw mismatch("only char arrays and char pointers are TEXT; declare it \(accessor.kind == .bytes ? "BLOB" : "INTEGER")")
            }
        }
    }

    /// The registration of a user-defined table. `bound` is the binding made
    /// at load time, if any; otherwise the first connection to scan binds it.
    static func registration(_ definition: TableDefinition, bound: Bound? = nil) -> TableRegistration {
        let cache = BindingCache(bound)
        return TableRegistration(name: definition.name, columnCount: definition.columns.count) { definition, context in
            let counter = context.rowCounter(definition.name)
            return AnyTableInstance(
                definition: definition, context: context,
                bestIndex: { $0.defaultPlan(fullScanRows: 1000, equalityIsUnique: ["address"]) },
                open: { scan, numbering in
                    let kernel = try context.kernel(neededBy: definition.name)
                    let bound = try cache.bound(definition, kernel)
                    kernel.warnings.scope = definition.name
                    var elements: [ObjectSource.Element]
                    if let wanted = scan.equal("address") {
                        if case .integer(let a) = NumericAffinity.apply(wanted) {
                            elements = try bound.element(at: UInt64(bitPattern: a)).map { [$0] } ?? []
                        } else {
                            elements = []
                        }
                    } else {
                        elements = try bound.source.elements()
                    }
                    var position = -1
                    return AnyCursor(
                        next: {
                            position += 1
                            guard position < elements.count else { return false }
                            counter.value &+= 1
                            return true
                        },
                        column: { i in
                            guard position < elements.count, i >= 0, i < bound.readers.count else { return .null }
                            return try bound.value(i, of: elements[position])
                        },
                        rowid: {
                            guard position < elements.count else { return 0 }
                            let e = elements[position]
                            return numbering.rowid(RowIdentity(e.address, UInt64(bitPattern: e.index)))
                        })
                })
        }
    }

    /// One binding per kernel (`kdsql_open()` can attach another dump).
    final class BindingCache {
        private var bound: Bound?
        init(_ bound: Bound?) { self.bound = bound }
        func bound(_ definition: TableDefinition, _ kernel: Kernel) throws -> Bound {
            if let bound, bound.kernel === kernel { return bound }
            let made = try UserTable.bind(definition, to: kernel)
            bound = made
            return made
        }
    }
}
