import KdsqlMemory
@preconcurrency import CSQLite

/// The one set of C callbacks behind every kdsql table. The table travels in
/// pAux (a `ModuleEntry`), the connected table in `KdsqlVTab.owner`, the scan
/// in `KdsqlVTabCursor.owner`. Every callback catches all Swift errors and
/// turns them into SQLite error codes and messages: nothing Swift crosses into C.
enum ModuleBridge {
    /// The connected table, owned by the KdsqlVTab.
    final class VTabBox {
        let instance: AnyTableInstance
        let plans = PlanCache()
        /// Rowids by row identity. SQLite's OR plans open a new cursor per
        /// term before closing the previous one, so the numbering lives
        /// here, shared by the cursors of a statement, and starts afresh
        /// when a cursor opens while none is open (a new statement).
        private(set) var numbering = RowNumbering()
        private var openCursors = 0
        init(_ instance: AnyTableInstance) { self.instance = instance }

        func cursorOpened() {
            if openCursors == 0 { numbering = RowNumbering() }
            openCursors += 1
        }
        func cursorClosed() { openCursors -= 1 }
    }

    /// One cursor; `cursor` is replaced by each xFilter.
    final class CursorBox {
        let vtab: VTabBox
        // Touched on every row; SQLite drives a cursor from one thread without
        // re-entry, so dynamic exclusivity checks are skipped.
        @exclusivity(unchecked) var cursor: AnyCursor?
        @exclusivity(unchecked) var eof = true
        init(_ vtab: VTabBox) {
            self.vtab = vtab
            vtab.cursorOpened()
        }
        deinit { vtab.cursorClosed() }
    }

    /// Registers `entry` as an eponymous-only module named after its table.
    static func register(_ entry: ModuleEntry, on db: OpaquePointer) -> Int32 {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: makeModule())
        let aux = Unmanaged.passRetained(ModuleBox(entry: entry, module: module)).toOpaque()
        return entry.definition.name.withCString { name in
            // The destructor runs even when registration fails, so ownership
            // of box and module passes to SQLite here.
            SQLite.api.pointee.create_module_v2!(db, name, module, aux) { p in
                guard let p else { return }
                let box = Unmanaged<ModuleBox>.fromOpaque(p).takeRetainedValue()
                box.module.deinitialize(count: 1)
                box.module.deallocate()
            }
        }
    }

    final class ModuleBox {
        let entry: ModuleEntry
        let module: UnsafeMutablePointer<sqlite3_module>
        init(entry: ModuleEntry, module: UnsafeMutablePointer<sqlite3_module>) {
            self.entry = entry
            self.module = module
        }
    }

    fileprivate static func vtabBox(_ p: UnsafeMutablePointer<sqlite3_vtab>?) -> VTabBox? {
        guard let p, let owner = UnsafeMutableRawPointer(p).assumingMemoryBound(to: KdsqlVTab.self).pointee.owner else { return nil }
        return Unmanaged<VTabBox>.fromOpaque(owner).takeUnretainedValue()
    }

    fileprivate static func cursorBox(_ p: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> CursorBox? {
        guard let p, let owner = UnsafeMutableRawPointer(p).assumingMemoryBound(to: KdsqlVTabCursor.self).pointee.owner else { return nil }
        return Unmanaged<CursorBox>.fromOpaque(owner).takeUnretainedValue()
    }

    /// The per-row callbacks borrow the box without retaining it: the
    /// KdsqlVTabCursor owns it until xClose, which cannot run meanwhile.
    @inline(__always)
    fileprivate static func withCursorBox<R>(_ p: UnsafeMutablePointer<sqlite3_vtab_cursor>?, orElse fallback: R,
                                             _ body: (CursorBox) -> R) -> R {
        guard let p, let owner = UnsafeMutableRawPointer(p).assumingMemoryBound(to: KdsqlVTabCursor.self).pointee.owner else { return fallback }
        return Unmanaged<CursorBox>.fromOpaque(owner)._withUnsafeGuaranteedRef(body)
    }

    /// Replaces the vtab's error message (SQLite frees it).
    static func setError(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?, _ message: String) {
        guard let vtab else { return }
        if let old = vtab.pointee.zErrMsg { SQLite.api.pointee.free!(old) }
        vtab.pointee.zErrMsg = SQLite.mallocString(message)
    }

    private static func makeModule() -> sqlite3_module {
        var m = sqlite3_module()
        m.iVersion = 2
        // xCreate nil + xConnect set = eponymous-only: `SELECT * FROM tasks`
        // works with no CREATE VIRTUAL TABLE, and none can be created.
        m.xCreate = nil
        m.xConnect = { db, aux, _, _, ppVtab, pzErr in
            guard let aux, let ppVtab else { return SQLITE_ERROR }
            let entry = Unmanaged<ModuleBox>.fromOpaque(aux).takeUnretainedValue().entry
            let instance: AnyTableInstance
            do {
                instance = try entry.connect(entry.definition, entry.context)
            } catch {
                pzErr?.pointee = SQLite.mallocString("\(entry.definition.name): \(errorText(error))")
                return SQLITE_ERROR
            }
            let rc = entry.definition.createTableSQL.withCString { SQLite.api.pointee.declare_vtab!(db, $0) }
            guard rc == SQLITE_OK else {
                pzErr?.pointee = SQLite.mallocString("\(entry.definition.name): bad generated schema: \(entry.definition.createTableSQL)")
                return rc
            }
            let vtab = UnsafeMutablePointer<KdsqlVTab>.allocate(capacity: 1)
            vtab.initialize(to: KdsqlVTab())
            vtab.pointee.owner = Unmanaged.passRetained(VTabBox(instance)).toOpaque()
            ppVtab.pointee = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: sqlite3_vtab.self)
            return SQLITE_OK
        }
        m.xDisconnect = { p in
            guard let p else { return SQLITE_OK }
            let vtab = UnsafeMutableRawPointer(p).assumingMemoryBound(to: KdsqlVTab.self)
            if let owner = vtab.pointee.owner { Unmanaged<VTabBox>.fromOpaque(owner).release() }
            if let msg = vtab.pointee.base.zErrMsg { SQLite.api.pointee.free!(msg) }
            vtab.deinitialize(count: 1)
            vtab.deallocate()
            return SQLITE_OK
        }
        m.xDestroy = m.xDisconnect
        m.xBestIndex = { p, info in
            guard let box = ModuleBridge.vtabBox(p), let info else { return SQLITE_ERROR }
            return ModuleBridge.bestIndex(box, info)
        }
        m.xOpen = { p, ppCursor in
            guard let box = ModuleBridge.vtabBox(p), let ppCursor else { return SQLITE_ERROR }
            let cursor = UnsafeMutablePointer<KdsqlVTabCursor>.allocate(capacity: 1)
            cursor.initialize(to: KdsqlVTabCursor())
            cursor.pointee.owner = Unmanaged.passRetained(CursorBox(box)).toOpaque()
            ppCursor.pointee = UnsafeMutableRawPointer(cursor).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        m.xClose = { p in
            guard let p else { return SQLITE_OK }
            let cursor = UnsafeMutableRawPointer(p).assumingMemoryBound(to: KdsqlVTabCursor.self)
            if let owner = cursor.pointee.owner { Unmanaged<CursorBox>.fromOpaque(owner).release() }
            cursor.deinitialize(count: 1)
            cursor.deallocate()
            return SQLITE_OK
        }
        m.xFilter = { p, idxNum, idxStr, argc, argv in
            guard let p, let box = ModuleBridge.cursorBox(p) else { return SQLITE_ERROR }
            let instance = box.vtab.instance
            var values: [SQLValue] = []
            values.reserveCapacity(Int(argc))
            for i in 0..<Int(max(argc, 0)) { values.append(SQLite.value(argv?[i])) }
            let scan: Scan
            if let entry = box.vtab.plans.entry(idxStr: idxStr.map { UnsafeMutablePointer(mutating: $0) }) {
                scan = Scan(idxNum: idxNum, tag: entry.plan.tag, constraints: zip(entry.bounds, values).map {
                    Scan.Bound(column: $0.column, op: $0.op, value: $1)
                })
            } else {
                scan = Scan(idxNum: idxNum, idxStr: idxStr.map { String(cString: $0) } ?? "", values: values,
                            definition: instance.definition)
            }
            box.cursor = nil
            box.eof = true
            // Objects the walkers skip are recorded under this table.
            instance.context.kernel?.warnings.scope = instance.definition.name
            do {
                let cursor = try instance.open(scan, box.vtab.numbering)
                box.cursor = cursor
                box.eof = !(try cursor.next())
                return SQLITE_OK
            } catch {
                box.cursor = nil
                box.eof = true
                if ModuleBridge.scanEndedEarly(instance, error) { return SQLITE_OK }
                instance.context.noteFailure(error)
                ModuleBridge.setError(p.pointee.pVtab, "\(instance.definition.name): \(errorText(error))")
                return SQLITE_ERROR
            }
        }
        m.xNext = { p in
            ModuleBridge.withCursorBox(p, orElse: SQLITE_ERROR) { box in
                guard let cursor = box.cursor, !box.eof else { box.eof = true; return SQLITE_OK }
                do {
                    box.eof = !(try cursor.next())
                    return SQLITE_OK
                } catch {
                    box.eof = true
                    if ModuleBridge.scanEndedEarly(box.vtab.instance, error) { return SQLITE_OK }
                    box.vtab.instance.context.noteFailure(error)
                    ModuleBridge.setError(p?.pointee.pVtab, "\(box.vtab.instance.definition.name): \(errorText(error))")
                    return SQLITE_ERROR
                }
            }
        }
        m.xEof = { p in
            ModuleBridge.withCursorBox(p, orElse: 1) { $0.eof ? 1 : 0 }
        }
        m.xColumn = { p, ctx, i in
            ModuleBridge.withCursorBox(p, orElse: SQLITE_ERROR) { box in
                guard let cursor = box.cursor else { return SQLITE_ERROR }
                do {
                    SQLite.result(ctx, try cursor.column(Int(i)))
                    return SQLITE_OK
                } catch {
                    return ModuleBridge.columnFailed(box, cursor, ctx, Int(i), error)
                }
            }
        }
        m.xRowid = { p, pRowid in
            guard let box = ModuleBridge.cursorBox(p), let cursor = box.cursor else { return SQLITE_ERROR }
            pRowid?.pointee = cursor.rowid()
            return SQLITE_OK
        }
        return m
    }

    /// A scan met memory the dump lacks where no object-level skip applies
    /// (the walker's own structure, e.g. a list node on an excluded page):
    /// outside strict mode the scan ends with the rows read so far, each of
    /// them true, and the loss is on record (kdsql_warnings, the stderr
    /// summary); the statement goes on. Returns false when the error must
    /// end the statement (strict, or not about unreadable memory).
    fileprivate static func scanEndedEarly(_ instance: AnyTableInstance, _ error: any Error) -> Bool {
        guard !instance.context.options.strict, let warnings = instance.context.kernel?.warnings,
              let cause = KernelWarnings.unreadableCause(error) else { return false }
        warnings.scope = instance.definition.name
        warnings.note("scan ended early, later rows missing: \(KernelWarnings.reason(error))", at: nil, cause: cause)
        return true
    }

    /// A column getter threw: NULL plus a warning, or in strict mode an error.
    fileprivate static func columnFailed(_ box: CursorBox, _ cursor: AnyCursor, _ ctx: OpaquePointer?, _ i: Int, _ error: any Error) -> Int32 {
        let instance = box.vtab.instance
        let column = i < instance.definition.columns.count ? instance.definition.columns[i].name : "#\(i)"
        let message = "\(instance.definition.name).\(column) (row \(cursor.rowid())): \(errorText(error))"
        if instance.context.options.strict {
            instance.context.noteFailure(error)
            SQLite.resultError(ctx, message)
            return SQLITE_ERROR
        }
        // Memory the dump lacks is counted per cause (one stderr line per
        // statement, details in kdsql_warnings), not one line per value.
        if let warnings = instance.context.kernel?.warnings, KernelWarnings.unreadableCause(error) != nil {
            warnings.scope = instance.definition.name
            warnings.note("\(instance.definition.name).\(column) unreadable: \(KernelWarnings.reason(error))", at: nil,
                          cause: KernelWarnings.unreadableCause(error)!)
        } else {
            instance.context.warn(message)
        }
        SQLite.api.pointee.result_null!(ctx)
        return SQLITE_OK
    }

    /// xBestIndex: presents sqlite3_index_info as an IndexQuery and writes the
    /// table's IndexPlan back; a shape asked before is answered from the
    /// table's PlanCache.
    fileprivate static func bestIndex(_ box: VTabBox, _ info: UnsafeMutablePointer<sqlite3_index_info>) -> Int32 {
        let definition = box.instance.definition
        let n = Int(info.pointee.nConstraint)
        let shape = PlanCache.shape(info)
        let plan: IndexPlan
        var idxStr: UnsafeMutablePointer<CChar>?
        var sqliteFrees = false
        if let cached = box.plans.entry(shape: shape) {
            plan = cached.plan
            idxStr = cached.idxStr
        } else {
            plan = box.instance.bestIndex(query(definition, info))
            let encoded = plan.encode(definition)
            if let cached = box.plans.insert(plan, encoded: encoded, shape: shape) {
                idxStr = cached.idxStr
            } else if plan.isUsable {
                idxStr = SQLite.mallocString(encoded)
                sqliteFrees = true
            }
        }
        guard plan.isUsable else { return SQLITE_CONSTRAINT }
        for (argv, c) in plan.consumed.enumerated() where c.index >= 0 && c.index < n {
            info.pointee.aConstraintUsage[c.index].argvIndex = Int32(argv + 1)
            info.pointee.aConstraintUsage[c.index].omit = plan.omit[argv] ? 1 : 0
        }
        info.pointee.idxNum = plan.idxNum
        if let idxStr {
            info.pointee.idxStr = idxStr
            info.pointee.needToFreeIdxStr = sqliteFrees ? 1 : 0
        }
        info.pointee.estimatedCost = plan.estimatedCost
        info.pointee.estimatedRows = plan.estimatedRows
        info.pointee.orderByConsumed = plan.orderByConsumed ? 1 : 0
        if plan.isUnique { info.pointee.idxFlags |= SQLITE_INDEX_SCAN_UNIQUE }
        return SQLITE_OK
    }

    /// sqlite3_index_info as the tables see it.
    fileprivate static func query(_ definition: TableDefinition, _ info: UnsafeMutablePointer<sqlite3_index_info>) -> IndexQuery {
        let n = Int(info.pointee.nConstraint)
        var constraints: [IndexQuery.Constraint] = []
        constraints.reserveCapacity(n)
        for i in 0..<n {
            let c = info.pointee.aConstraint[i]
            let op = ConstraintOperator(sqliteCode: Int32(c.op))
            let column: String? = (op == .limit || op == .offset || c.iColumn < 0 || Int(c.iColumn) >= definition.columns.count)
                ? nil : definition.columns[Int(c.iColumn)].name
            constraints.append(.init(index: i, column: column, op: op, usable: c.usable != 0))
        }
        var orderBy: [IndexQuery.Ordering] = []
        for i in 0..<Int(info.pointee.nOrderBy) {
            let o = info.pointee.aOrderBy[i]
            let column: String? = o.iColumn >= 0 && Int(o.iColumn) < definition.columns.count ? definition.columns[Int(o.iColumn)].name : nil
            orderBy.append(.init(column: column, descending: o.desc != 0))
        }
        return IndexQuery(definition: definition, constraints: constraints, orderBy: orderBy)
    }
}
