@preconcurrency import CSQLite

/// xBestIndex answers of one connected table, kept for the life of the
/// connection. SQLite asks again for every statement it prepares, and a
/// session asks the same few shapes (`pid = ?`, a full scan) over and over:
/// building the Swift query, the plan and its idxStr each time cost more
/// than a one-process scan. A plan is a pure function of the constraint
/// shape, so the answer is keyed by that shape.
///
/// Cached idxStr strings are owned here (needToFreeIdxStr = 0): every
/// prepared statement using one holds the table connected, and this cache
/// lives until xDisconnect. xFilter finds the decoded layout by the pointer.
final class PlanCache {
    struct Entry {
        let plan: IndexPlan
        let idxStr: UnsafeMutablePointer<CChar>
        /// The consumed constraints in argv order, decoded once for xFilter.
        let bounds: [(column: String?, op: ConstraintOperator)]
    }

    /// Enough for any real session; past it plans are made afresh each time.
    static let capacity = 512
    private var byShape: [[Int32]: Entry] = [:]
    private var byIdxStr: [UnsafeMutableRawPointer: Entry] = [:]

    deinit {
        for entry in byShape.values { entry.idxStr.deallocate() }
    }

    /// The shape of an xBestIndex call: each constraint's column, operator
    /// and usability, then each ORDER BY term's column and direction.
    static func shape(_ info: UnsafeMutablePointer<sqlite3_index_info>) -> [Int32] {
        let n = Int(info.pointee.nConstraint), m = Int(info.pointee.nOrderBy)
        var key: [Int32] = []
        key.reserveCapacity(2 + 3 * n + 2 * m)
        key.append(Int32(n))
        for i in 0..<n {
            let c = info.pointee.aConstraint[i]
            key.append(c.iColumn)
            key.append(Int32(c.op))
            key.append(Int32(c.usable))
        }
        key.append(Int32(m))
        for i in 0..<m {
            let o = info.pointee.aOrderBy[i]
            key.append(o.iColumn)
            key.append(Int32(o.desc))
        }
        return key
    }

    func entry(shape: [Int32]) -> Entry? { byShape[shape] }

    func entry(idxStr: UnsafeMutablePointer<CChar>?) -> Entry? {
        guard let idxStr else { return nil }
        return byIdxStr[UnsafeMutableRawPointer(idxStr)]
    }

    /// Keeps `plan` for `shape`; nil when full (the caller then hands SQLite a
    /// string of its own to free).
    func insert(_ plan: IndexPlan, encoded: String, shape: [Int32]) -> Entry? {
        guard byShape.count < Self.capacity else { return nil }
        let utf8 = Array(encoded.utf8CString)
        let idxStr = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        idxStr.initialize(from: utf8, count: utf8.count)
        let bounds = plan.consumed.map { c in (column: c.column, op: c.op) }
        let entry = Entry(plan: plan, idxStr: idxStr, bounds: bounds)
        byShape[shape] = entry
        byIdxStr[UnsafeMutableRawPointer(idxStr)] = entry
        return entry
    }
}
