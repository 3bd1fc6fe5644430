import Testing
import FixtureSupport
import KdsqlMemory
@testable import KdsqlKernel

/// `key=value` lines of truth/tainted-at-crash.txt.
func taintTruth() throws -> [String: String] {
    var out: [String: String] = [:]
    for line in try Fixtures.truth(Fixtures.oops, "tainted-at-crash.txt").split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        out[String(line[..<eq])] = String(line[line.index(after: eq)...])
    }
    return out
}

@Suite struct TaintTests {
    static func taint(_ set: String, _ file: String) throws -> Taint {
        try Taint(kernel: try Kernel.open(path: try Fixtures.path(set, file)))
    }

    @Test func oopsDumpHasTheExpectedMaskWithOEandDSet() throws {
        let t = try Self.taint(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let truth = try taintTruth()
        #expect(t.mask == UInt64(truth["expected_tainted_mask_in_dump"]!)!)
        #expect(t.letterSource == "taint_flags")
        #expect(t.flags.filter(\.isSet).map(\.letter) == ["D", "O", "E"])
        #expect(t.flags.filter(\.isSet).map(\.name) == ["DIE", "OOT_MODULE", "UNSIGNED_MODULE"])
        // tainted-at-crash.txt: "O(OOT_MODULE,bit 12) E(UNSIGNED_MODULE,bit 13)".
        let entries = truth["console_tainted_flags"]!.split(separator: ")").map { String($0).trimmingCharacters(in: " ") }
        #expect(entries.count == 2)
        for entry in entries {
            let letter = String(entry.prefix(1))
            let bit = try #require(Int(entry.split(separator: " ").last ?? ""))
            let flag = try #require(t.flags.first { $0.letter == letter })
            #expect(flag.bit == bit && flag.isSet)
            #expect(entry.hasPrefix("\(letter)(\(flag.name),"))
        }
    }

    /// The letters read from the dump's taint_flags[] print the console's
    /// `Tainted:` field for the value the console had (before TAINT_DIE).
    @Test func taintTextOfTheConsoleValueMatchesTheConsoleLine() throws {
        let t = try Self.taint(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        let truth = try taintTruth()
        let consoleValue = UInt64(truth["console_tainted_value"]!)!
        let text = Taint.text(mask: consoleValue, flags: t.flags)
        let cpuLine = try crashTruth(Fixtures.oops)["cpu_line"]!
        let release = String(try Fixtures.truth(Fixtures.oops, "osrelease.txt").split(separator: "\n")[0])
        #expect(cpuLine.contains(" " + text + " " + release))
    }

    @Test(arguments: Fixtures.sysrqDumps)
    func sysrqDumpIsNotTaintedAsTheConsoleSays(file: String) throws {
        let t = try Self.taint(Fixtures.sysrq, file)
        #expect(t.mask == UInt64(try Fixtures.truth(Fixtures.sysrq, "tainted.txt").split(separator: "\n")[0])!)
        #expect(t.flags.allSatisfy { !$0.isSet })
        #expect(try Fixtures.truth(Fixtures.sysrq, "console-panic.txt").contains(" " + t.text + " "))
        #expect(t.text == "Not tainted")
    }

    /// The dump's table has one entry per flag the kernel knows; its letters
    /// agree with the documentation's table, bit by bit.
    @Test func everyFlagOfTheKernelIsReadFromTheDumpAndMatchesTheDocumentedLetter() throws {
        let t = try Self.taint(Fixtures.oops, "vmcore-mdf-d31-zlib.kdump")
        // 6.1's include/linux/panic.h: TAINT_FLAGS_COUNT 19 (TAINT_TEST = 18 is the last).
        #expect(t.flags.count == 19)
        for f in t.flags {
            #expect(String(Taint.builtinLetters[f.bit].0) == f.letter, "bit \(f.bit)")
            #expect(String(Taint.builtinLetters[f.bit].1) == f.letterUnset, "bit \(f.bit)")
            #expect(f.name == Taint.names[f.bit])
            #expect(!f.description.isEmpty)
        }
        // 6.1's struct taint_flag has `bool module`: O and E are module taints, D is not.
        #expect(t.flags[12].module == true && t.flags[13].module == true && t.flags[7].module == false)
    }

    @Test(arguments: 0..<20)
    func eachBitAloneSetsExactlyItsFlag(bit: Int) {
        let entries = Taint.builtinLetters.map { Taint.Entry(cTrue: $0.0, cFalse: $0.1) }
        let t = Taint(mask: 1 << UInt64(bit), entries: entries, letterSource: "built-in")
        #expect(t.flags.filter(\.isSet).map(\.bit) == [bit])
        let text = t.text
        #expect(text.hasPrefix("Tainted: "))
        let letters = Array(text.dropFirst(9))
        #expect(letters.count == entries.count)
        for (i, c) in letters.enumerated() {
            #expect(c == (i == bit ? entries[i].cTrue : entries[i].cFalse))
        }
    }
}
