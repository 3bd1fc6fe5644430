/// What SQLite asks in xBestIndex: the constraints of the WHERE clause on this
/// table, the ORDER BY, and whether there is a LIMIT.
public struct IndexQuery {
    public struct Constraint: Equatable {
        /// Position in SQLite's aConstraint array.
        public var index: Int
        /// Column name; nil for the rowid and for LIMIT/OFFSET.
        public var column: String?
        public var op: ConstraintOperator
        /// False when the right-hand side depends on a table SQLite has not
        /// reached yet in this join order.
        public var usable: Bool
    }
    public struct Ordering: Equatable {
        public var column: String?
        public var descending: Bool
    }

    public let definition: TableDefinition
    public var constraints: [Constraint]
    public var orderBy: [Ordering]

    /// The query has a LIMIT that SQLite offered to the table.
    public var hasLimit: Bool { constraints.contains { $0.op == .limit } }

    /// The plan implied by the definition: every usable constraint whose
    /// column declares that operator in `pushdown(...)` is consumed (passed to
    /// `open`; SQLite still checks it on every row, except for arguments). Costs come from `fullScanRows`:
    /// each consumed `=` is taken to keep one row in ten, each range one in
    /// three; `equalityIsUnique` names columns whose `=` yields at most one row.
    public func defaultPlan(fullScanRows: Double = 1000, equalityIsUnique: Set<String> = []) -> IndexPlan {
        var plan = IndexPlan()
        var rows = max(fullScanRows, 1)
        var unique = false
        var used = Set<String>()
        for c in constraints {
            guard let name = c.column, let col = definition.columns.first(where: { $0.name == name }) else { continue }
            guard col.pushdown.contains(c.op) else { continue }
            guard c.usable else {
                // A table-valued-function argument must be known before the
                // scan starts; tell SQLite to pick another join order.
                if col.isArgument { plan.isUsable = false }
                continue
            }
            // One constraint per (column, op) is enough; SQLite checks the rest.
            let key = name + c.op.rawValue
            if used.contains(key) { continue }
            used.insert(key)
            // Arguments are echoed exactly; data columns are checked again by
            // SQLite, so a table's lookup only has to find a superset.
            plan.consume(c, omit: col.isArgument)
            switch c.op {
            case .equal:
                if equalityIsUnique.contains(name) { unique = true; rows = 1 } else { rows /= 10 }
            case .lessThan, .lessOrEqual, .greaterThan, .greaterOrEqual: rows /= 3
            default: rows /= 2
            }
        }
        plan.estimatedRows = max(1, Int64(rows.rounded(.up)))
        plan.estimatedCost = Double(plan.estimatedRows) * 10
        plan.isUnique = unique
        return plan
    }
}

/// A table's answer to xBestIndex.
public struct IndexPlan: Equatable {
    /// Constraints (by IndexQuery.Constraint.index) handed to `open`, in order.
    public private(set) var consumed: [IndexQuery.Constraint] = []
    /// Parallel to `consumed`: SQLite need not re-check the constraint.
    public private(set) var omit: [Bool] = []
    /// Free for the table (SQLite's idxNum).
    public var idxNum: Int32 = 0
    /// Free text for the table, given back in `Scan.tag` (part of idxStr).
    public var tag: String = ""
    public var estimatedCost: Double = 1_000_000
    public var estimatedRows: Int64 = 1_000_000
    /// The rows come out in the ORDER BY order.
    public var orderByConsumed = false
    /// At most one row (SQLITE_INDEX_SCAN_UNIQUE).
    public var isUnique = false
    /// False: this plan cannot run (an argument is not available); SQLite is
    /// told SQLITE_CONSTRAINT and tries another join order.
    public var isUsable = true

    public init() {}

    /// Hands constraint `c`'s value to `open`. With `omit` false (the
    /// default) SQLite still checks every row, so the table's answer is
    /// exactly SQLite's; only table-valued-function arguments omit it.
    public mutating func consume(_ c: IndexQuery.Constraint, omit: Bool = false) {
        consumed.append(c)
        self.omit.append(omit)
    }

    /// The idxStr SQLite stores for this plan: the consumed constraints as
    /// `<column position><operator code>` separated by ',', then '|', then the
    /// table's tag. Decoded by `Scan`, so the plan needs no side storage.
    func encode(_ definition: TableDefinition) -> String {
        var s = ""
        for c in consumed {
            let position = c.column.flatMap { definition.columnIndex($0) } ?? -1
            s += "\(position)\(c.op.code),"
        }
        return s + "|" + tag
    }
}

/// What `open` receives in xFilter: the plan's tag and idxNum, and the
/// consumed constraints with their values.
public struct Scan {
    public struct Bound {
        /// nil for the rowid and LIMIT/OFFSET.
        public var column: String?
        public var op: ConstraintOperator
        public var value: SQLValue
    }
    public var idxNum: Int32
    public var tag: String
    public var constraints: [Bound]

    public init(idxNum: Int32 = 0, tag: String = "", constraints: [Bound] = []) {
        self.idxNum = idxNum
        self.tag = tag
        self.constraints = constraints
    }

    /// The value of `column = value`, if that constraint was pushed down.
    public func equal(_ column: String) -> SQLValue? { value(column, .equal) }

    public func value(_ column: String, _ op: ConstraintOperator) -> SQLValue? {
        constraints.first { $0.column == column && $0.op == op }?.value
    }

    /// A table-valued-function argument (`numbers(10)`), if given.
    public func argument(_ column: String) -> SQLValue? { equal(column) }

    /// Decodes `IndexPlan.encode` and pairs it with xFilter's argv values.
    init(idxNum: Int32, idxStr: String, values: [SQLValue], definition: TableDefinition) {
        self.idxNum = idxNum
        var bound: [Bound] = []
        let bar = idxStr.firstIndex(of: "|") ?? idxStr.endIndex
        tag = bar < idxStr.endIndex ? String(idxStr[idxStr.index(after: bar)...]) : ""
        var i = 0
        for item in idxStr[..<bar].split(separator: ",") {
            guard let code = item.last, let op = ConstraintOperator(code: code),
                  let position = Int(item.dropLast()), i < values.count else { continue }
            let column = position >= 0 && position < definition.columns.count ? definition.columns[position].name : nil
            bound.append(Bound(column: column, op: op, value: values[i]))
            i += 1
        }
        constraints = bound
    }
}

