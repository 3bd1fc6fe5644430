extension DumpFile {
    /// One line describing the container for the `sys` table, e.g.
    /// "kdump-compressed (zlib), header v6, dump level 31".
    public var formatSummary: String {
        switch self {
        case let kdump as KdumpCompressedFile:
            return kdump.summary
        default:
            var s = format.description
            if let cpus = header.cpuCount { s += ", \(cpus) CPU notes" }
            s += ", \(notes.count) notes"
            return s
        }
    }
}
