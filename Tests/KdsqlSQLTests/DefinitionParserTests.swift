import Testing
import KdsqlSQL
import FixtureSupport

@Suite("Table-definition language")
struct DefinitionParserTests {
    /// Parses `text` and returns the error it must produce.
    func error(_ text: String) -> DefinitionError? {
        do {
            _ = try DefinitionParser.parse(text, file: "t.kdt")
            return nil
        } catch {
            return error
        }
    }

    @Test func builtinDefinitionsParse() throws {
        let set = try DefinitionSet.builtin()
        for name in ["sys", "tasks", "symbols", "types", "type_members", "vmcoreinfo", "kdsql_stats"] {
            #expect(set[name] != nil, "missing definition of \(name)")
        }
    }

    @Test func fullDefinitionIsRead() throws {
        let tables = try DefinitionParser.parse("""
        # comment
        table t "A table." {
            column a INTEGER unit kB pushdown(=, <=, LIKE) "First \\"quoted\\"";  # trailing comment
            column b TEXT hidden "Second";
            column c REAL argument "Third";
            example "SELECT a FROM t" "What it shows";
            example "SELECT 1";
        }
        """, file: "t.kdt")
        #expect(tables.count == 1)
        let t = tables[0]
        #expect(t.name == "t" && t.description == "A table.")
        #expect(t.columns.map(\.name) == ["a", "b", "c"])
        #expect(t.columns[0] == ColumnDefinition(name: "a", type: .integer, unit: "kB", description: "First \"quoted\"",
                                                 pushdown: [.equal, .lessOrEqual, .like]))
        #expect(t.columns[1].isHidden && !t.columns[1].isArgument)
        #expect(t.columns[2].isArgument && t.columns[2].isHidden && t.columns[2].pushdown == [.equal])
        #expect(t.examples == [ExampleQuery(sql: "SELECT a FROM t", description: "What it shows"), ExampleQuery(sql: "SELECT 1")])
        #expect(t.location == SourceLocation(file: "t.kdt", line: 2, column: 1))
    }

    @Test func createTableTextComesFromTheDefinition() throws {
        let t = try DefinitionParser.parse("table t \"d\" { column a INTEGER \"x\"; column n TEXT argument \"y\"; }", file: "t.kdt")[0]
        #expect(t.createTableSQL == "CREATE TABLE x(\"a\" INTEGER, \"n\" TEXT HIDDEN)")
    }

    @Test func misspelledTypeIsReportedAtItsLineAndColumn() {
        let e = error("table t \"d\" {\n    column x INTEGR \"d\";\n}")
        #expect(e?.location == SourceLocation(file: "t.kdt", line: 2, column: 14))
        #expect(e?.description.hasPrefix("t.kdt:2:14: expected the SQL type of column 'x'") == true)
    }

    @Test func missingSemicolonIsReported() {
        let e = error("table t \"d\" {\n  column x TEXT \"d\"\n}")
        #expect(e?.description == "t.kdt:3:1: expected ';' after column 'x', found '}'")
    }

    @Test func unclosedStringIsReportedWhereItStarts() {
        let e = error("table t \"d\" {\n  column x TEXT \"oops;\n}")
        #expect(e?.location == SourceLocation(file: "t.kdt", line: 2, column: 17))
        #expect(e?.message.contains("string not closed") == true)
    }

    @Test func unknownOptionIsReported() {
        #expect(error("table t \"d\" { column x TEXT indexed \"d\"; }")?.message.contains("unknown column option 'indexed'") == true)
    }

    @Test func undeclarableOperatorIsReported() {
        #expect(error("table t \"d\" { column x TEXT pushdown(LIMIT) \"d\"; }")?.message.contains("expected an operator") == true)
    }

    @Test func duplicateColumnIsReported() {
        let e = error("table t \"d\" {\n column x TEXT \"d\";\n column x TEXT \"d\";\n}")
        #expect(e?.description.hasPrefix("t.kdt:3:2: column 'x' appears twice") == true)
    }

    @Test func duplicateTableIsReported() {
        let e = error("table t \"d\" { column x TEXT \"d\"; }\ntable t \"d\" { column x TEXT \"d\"; }")
        #expect(e?.description.hasPrefix("t.kdt:2:1: table 't' is already defined at t.kdt:1:1") == true)
    }

    @Test func unclosedTableIsReported() {
        #expect(error("table t \"d\" { column x TEXT \"d\";")?.message.contains("is not closed") == true)
    }

    @Test func tableWithoutColumnsIsRejected() {
        #expect(error("table t \"d\" { }")?.message.contains("has no columns") == true)
    }

    @Test func sourceClauseGivesTheTableItsSourceAndAHiddenAddress() throws {
        let tables = try DefinitionParser.parse("""
            table p "d" {
                source list_head "init_task.tasks" of "task_struct" via "tasks";
                column pid INTEGER from "pid" "Process id";
                column comm TEXT "Command name";
            }
            """, file: "t.kdt")
        let t = try #require(tables.first)
        #expect(t.source?.kind == .listHead)
        #expect(t.source?.root == "init_task.tasks")
        #expect(t.source?.type == "task_struct")
        #expect(t.source?.via == "tasks")
        #expect(t.source?.rootLocation == SourceLocation(file: "t.kdt", line: 2, column: 22))
        #expect(t.columns.map(\.name) == ["pid", "comm", "address"])
        #expect(t.columns.map(\.from) == ["pid", "comm", nil])
        #expect(t.columns[2].isHidden && t.columns[2].pushdown == [.equal] && t.columns[2].unit == "address")
        #expect(t.columns[0].fromLocation == SourceLocation(file: "t.kdt", line: 3, column: 29))
    }

    @Test func listSourceWithoutViaIsRejected() {
        let e = error("table t \"d\" {\n  source list_head \"init_task.tasks\" of \"task_struct\";\n  column pid INTEGER \"p\";\n}")
        #expect(e?.description == "t.kdt:2:54: a list_head source needs 'via \"MEMBER\"': the member of task_struct that links it")
    }

    @Test func unknownSourceKindIsNamed() {
        let e = error("table t \"d\" {\n  source list \"modules\" of \"module\" via \"list\";\n  column name TEXT \"n\";\n}")
        #expect(e?.description == "t.kdt:2:10: unknown source kind 'list' (expected list_head, hlist_head, rbtree, xarray, percpu, array, object)")
    }

    @Test func countIsOnlyForArrays() {
        let e = error("table t \"d\" {\n  source object \"init_task\" of \"task_struct\" count \"3\";\n  column pid INTEGER \"p\";\n}")
        #expect(e?.description == "t.kdt:2:46: 'count' is for array sources, not object")
    }

    @Test func fromWithoutASourceIsRejected() {
        let e = error("table t \"d\" {\n  column pid INTEGER from \"pid\" \"p\";\n}")
        #expect(e?.message.contains("has no source clause") == true)
        #expect(e?.location.line == 2)
    }

    @Test func strayCharacterIsReported() {
        #expect(error("table t \"d\" { column x TEXT \"d\"; @ }")?.description.hasPrefix("t.kdt:1:34: unexpected character '@'") == true)
    }

    @Test func everyFileInGrammarTablesIsEmbedded() throws {
        let dir = Fixtures.packageRoot + "/Grammar/tables"
        #expect(try kdtFiles(in: dir) == DefinitionSet.builtinFileNames.sorted())
    }

    @Test func embeddedDefinitionsMatchTheFilesOnDisk() throws {
        // The binary holds the definitions as kdsql-bindgen parsed them at build
        // time: they must equal what the parser makes of the checked-in files
        // now (a stale build, or a field the literal writer dropped, differs).
        var fromDisk = DefinitionSet()
        for file in DefinitionSet.builtinFileNames {
            try fromDisk.add(source: try Fixtures.text(Fixtures.packageRoot + "/Grammar/tables/" + file), file: file)
        }
        #expect(fromDisk.tables == (try DefinitionSet.builtin()).tables)
    }

    @Test func tableReferenceListsColumnsUnitsAndExamples() throws {
        let md = TableReference.markdown(try DefinitionSet.builtin())
        #expect(md.contains("### tasks"))
        #expect(md.contains("| `rss_kb` | INTEGER | kB |"))
        #expect(md.contains("| `pid` | INTEGER |  | = |"))
        #expect(md.contains("SELECT count(*) FROM tasks WHERE comm = 'bash'"))
    }

    @Test func referenceListsTheFunctions() throws {
        let md = try KdsqlDatabase().tableReference
        #expect(md.contains("| `kd_hex` | 1 |"))
        #expect(md.contains("| `kd_read_string` | 1–2 |"))
    }

    @Test func schemaTextCarriesDescriptions() throws {
        let text = TableReference.schema(try #require(try DefinitionSet.builtin()["vmcoreinfo"]))
        #expect(text.hasPrefix("-- The VMCOREINFO note"))
        #expect(text.contains("CREATE TABLE vmcoreinfo("))
        #expect(text.contains("key   TEXT,"))
    }
}
