@preconcurrency import CSQLite

/// SQLite's function table (what SQLITE_EXTENSION_INIT1/2 set up in C). Every
/// call from this layer goes through it so the same code can run linked into
/// kdsql or loaded as an extension (docs/sqlite-from-swift.md).
/// Written once, before any module is registered; read-only afterwards.
/// (Unchecked exclusivity: it is read on every value of every row.)
@exclusivity(unchecked) nonisolated(unsafe) var sqliteAPI: UnsafePointer<sqlite3_api_routines>?

enum SQLite {
    /// The api table; set before any callback can run.
    @inline(__always) static var api: UnsafePointer<sqlite3_api_routines> { sqliteAPI.unsafelyUnwrapped }

    /// SQLITE_TRANSIENT (a macro Swift cannot import): SQLite copies the bytes.
    static let transient = unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)

    /// A copy of `s` in sqlite3_malloc'd memory (for zErrMsg, idxStr, pzErr),
    /// which SQLite frees itself. nil if out of memory.
    static func mallocString(_ s: String) -> UnsafeMutablePointer<CChar>? {
        var s = s
        return s.withUTF8 { bytes -> UnsafeMutablePointer<CChar>? in
            guard let raw = api.pointee.malloc64!(sqlite3_uint64(bytes.count + 1)) else { return nil }
            let p = raw.assumingMemoryBound(to: CChar.self)
            if let base = bytes.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: bytes.count) }
            p[bytes.count] = 0
            return p
        }
    }

    /// Reads an sqlite3_value.
    static func value(_ v: OpaquePointer?) -> SQLValue {
        // Through the pointer, never `let a = api.pointee`: that would copy
        // the whole ~2 KB function table on every value.
        let a = api
        switch a.pointee.value_type!(v) {
        case SQLITE_INTEGER: return .integer(a.pointee.value_int64!(v))
        case SQLITE_FLOAT: return .real(a.pointee.value_double!(v))
        case SQLITE_TEXT:
            guard let p = a.pointee.value_text!(v) else { return .text("") }
            let n = Int(a.pointee.value_bytes!(v))
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(a.pointee.value_bytes!(v))
            guard n > 0, let p = a.pointee.value_blob!(v) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    /// Sets a function or column result.
    static func result(_ ctx: OpaquePointer?, _ value: SQLValue) {
        let a = api
        switch value {
        case .null: a.pointee.result_null!(ctx)
        case .integer(let i): a.pointee.result_int64!(ctx, i)
        case .real(let d): a.pointee.result_double!(ctx, d)
        case .text(var s):
            s.withUTF8 { bytes in
                // An empty String may have no storage; a NULL pointer would mean SQL NULL.
                if let base = bytes.baseAddress, bytes.count > 0 {
                    base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                        a.pointee.result_text64!(ctx, $0, sqlite3_uint64(bytes.count), transient, UInt8(SQLITE_UTF8))
                    }
                } else {
                    a.pointee.result_text!(ctx, "", 0, transient)
                }
            }
        case .blob(let b):
            if b.isEmpty {
                a.pointee.result_zeroblob!(ctx, 0)
            } else {
                b.withUnsafeBytes { a.pointee.result_blob64!(ctx, $0.baseAddress, sqlite3_uint64($0.count), transient) }
            }
        }
    }

    static func resultError(_ ctx: OpaquePointer?, _ message: String) {
        (message.isEmpty ? "error" : message).withCString { api.pointee.result_error!(ctx, $0, -1) }
    }
}

/// How an error reads in an SQL error message.
func errorText(_ error: any Error) -> String {
    if let e = error as? CustomStringConvertible { return e.description }
    return String(describing: error)
}
