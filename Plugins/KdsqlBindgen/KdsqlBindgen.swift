import Foundation
import PackagePlugin

/// Runs kdsql-bindgen before compiling the targets that embed project files:
/// KdsqlSQL gets a binding per table definition (Grammar/tables/*.kdt), the
/// registration list and the definitions' text; KdsqlCLI gets the saved
/// queries (Queries/*.sql). The files are listed on every build, so a new
/// definition or query needs no other registration.
@main
struct KdsqlBindgen: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let tool = try context.tool(named: "kdsql-bindgen").url
        let root = context.package.directoryURL
        let out = context.pluginWorkDirectoryURL
        switch target.name {
        case "KdsqlSQL":
            let files = try Self.files(in: root.appending(path: "Grammar/tables"), ending: "kdt")
            let outputs = files.map { out.appending(path: $0.lastPathComponent + ".swift") }
                + [out.appending(path: "GeneratedTables.swift"), out.appending(path: "EmbeddedDefinitions.swift"),
                   out.appending(path: "ParsedDefinitions.swift")]
            return [.buildCommand(displayName: "Generating table bindings from Grammar/tables",
                                  executable: tool, arguments: ["tables", out.path] + files.map(\.path),
                                  inputFiles: files, outputFiles: outputs)]
        case "KdsqlCLI":
            let files = try Self.files(in: root.appending(path: "Queries"), ending: "sql")
            return [.buildCommand(displayName: "Embedding saved queries from Queries",
                                  executable: tool, arguments: ["queries", out.path] + files.map(\.path),
                                  inputFiles: files, outputFiles: [out.appending(path: "EmbeddedQueries.swift")])]
        default:
            return []
        }
    }

    static func files(in directory: URL, ending: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == ending }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
