import KdsqlSQL

enum TriageReport {
    static func write(database: KdsqlDatabase, dumpPath: String, to path: String) throws(CLIError) {
        let out = try OutputWriter.file(path)
        out.write("<!doctype html>")
        out.flush()
    }
}
