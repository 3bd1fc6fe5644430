@preconcurrency import CSQLite
import KdsqlSQL

/// The entry point SQLite looks for when it loads `libkdsqlext.so`
/// (`sqlite3_` + the file name without `lib` + `_init`): `.load ./libkdsqlext`
/// in the sqlite3 shell, `load_extension()` in Python.
@_cdecl("sqlite3_kdsqlext_init")
public func sqlite3_kdsqlext_init(_ db: OpaquePointer?, _ pzErrMsg: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                  _ api: UnsafePointer<sqlite3_api_routines>?) -> Int32 {
    kdsqlExtensionInit(db, pzErrMsg, api)
}
