// kdsql-bindgen: turns the table definitions (Grammar/tables/*.kdt) into the
// Swift bindings the SQL layer compiles against, and embeds text files
// (the definitions themselves, the saved queries) into the binary.
//
//   kdsql-bindgen tables  OUTDIR FILE.kdt...   one FILE.kdt.swift per file,
//                                              GeneratedTables.swift, EmbeddedDefinitions.swift,
//                                              ParsedDefinitions.swift
//   kdsql-bindgen queries OUTDIR FILE.sql...   EmbeddedQueries.swift
//
// Run by the KdsqlBindgen build-tool plugin on every build; nothing it
// writes is committed.
import Foundation
import KdsqlDefinitions

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("kdsql-bindgen: \(message)\n".utf8))
    exit(1)
}

func read(_ path: String) -> String {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    return String(decoding: data, as: UTF8.self)
}

func write(_ text: String, to path: String) {
    // Unchanged output keeps its timestamp, so the compiler does not redo the module.
    if let old = FileManager.default.contents(atPath: path), old == Data(text.utf8) { return }
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { fail("cannot write \(path)") }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: kdsql-bindgen tables|queries OUTDIR FILE...") }
let mode = arguments[1], outDir = arguments[2], inputs = Array(arguments.dropFirst(3))

switch mode {
case "tables":
    var registrations: [String] = []
    var embedded: [(String, String)] = []
    var parsed: [(name: String, tables: [TableDefinition])] = []
    for path in inputs {
        let file = URL(fileURLWithPath: path).lastPathComponent
        let text = read(path)
        let tables: [TableDefinition]
        do { tables = try DefinitionParser.parse(text, file: file) } catch { fail("\(error)") }
        var out = bindgenHeader + "// Source: Grammar/tables/\(file)\n\n"
        for table in tables {
            out += BindingWriter.binding(for: table)
            registrations.append(BindingWriter.typeName(table.name))
        }
        write(out, to: outDir + "/" + file + ".swift")
        embedded.append((file, text))
        parsed.append((file, tables))
    }
    var list = bindgenHeader + "\n/// Every table compiled into kdsql, in the order of their definition files.\n"
    list += "enum GeneratedTables {\n    static var all: [TableRegistration] {[\n"
    for name in registrations { list += "        .table(\(name).self),\n" }
    list += "    ]}\n}\n"
    write(list, to: outDir + "/GeneratedTables.swift")
    write(EmbeddedWriter.source(enumName: "EmbeddedDefinitions", what: "The table-definition files (Grammar/tables)", files: embedded),
          to: outDir + "/EmbeddedDefinitions.swift")
    write(DefinitionLiteralWriter.source(files: parsed), to: outDir + "/ParsedDefinitions.swift")
case "queries":
    let files = inputs.map { (URL(fileURLWithPath: $0).lastPathComponent, read($0)) }
    write(EmbeddedWriter.source(enumName: "EmbeddedQueries", what: "The saved queries shipped with kdsql (Queries/)", files: files),
          to: outDir + "/EmbeddedQueries.swift")
default:
    fail("unknown mode '\(mode)' (tables or queries)")
}
