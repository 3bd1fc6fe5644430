#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CZlib
import CDeflate
import CLzo
import CSnappy
import CZstd

/// Page compression methods of kdump-compressed dumps: the `page_desc.flags`
/// bits of makedumpfile's diskdump_mod.h (DUMP_DH_COMPRESSED_*).
public struct KdumpCompression: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let zlib = KdumpCompression(rawValue: 0x1)
    public static let lzo = KdumpCompression(rawValue: 0x2)
    public static let snappy = KdumpCompression(rawValue: 0x4)
    public static let zstd = KdumpCompression(rawValue: 0x20)
    public static let methods: KdumpCompression = [.zlib, .lzo, .snappy, .zstd]

    public var description: String {
        var names: [String] = []
        if contains(.zlib) { names.append("zlib") }
        if contains(.lzo) { names.append("lzo") }
        if contains(.snappy) { names.append("snappy") }
        if contains(.zstd) { names.append("zstd") }
        return names.isEmpty ? "uncompressed" : names.joined(separator: "+")
    }
}

/// Which library inflates zlib pages.
public enum ZlibBackend: Sendable {
    /// libdeflate's whole-buffer decoder (the page case exactly: input and
    /// output sizes known), falling back to zlib when it rejects a page.
    case libdeflate
    /// zlib's streaming `inflate` only.
    case zlib

    /// libdeflate, or zlib when the environment has KDSQL_ZLIB=zlib (for
    /// measuring one against the other with the same binary).
    public static var `default`: ZlibBackend {
        if let v = getenv("KDSQL_ZLIB"), String(cString: v) == "zlib" { return .zlib }
        return .libdeflate
    }
}

/// Decodes one dumped page into a page-sized buffer. Keeps one libdeflate
/// decompressor, one zlib stream and one zstd context for the life of the
/// dump: `uncompress()` would set up (and malloc) a fresh inflate state for
/// every page.
final class PageDecompressor {
    private let zlibBackend: ZlibBackend
    private var deflater: OpaquePointer?
    private var zstream: UnsafeMutablePointer<z_stream>?
    private var zstdContext: OpaquePointer?
    /// lzo_init() checks the library ABI once per process; its result is kept.
    private static let lzoReady: Bool = kdsql_lzo_init() == LZO_E_OK

    init(zlibBackend: ZlibBackend = .libdeflate) {
        self.zlibBackend = zlibBackend
    }

    deinit {
        if let deflater { libdeflate_free_decompressor(deflater) }
        if let zstream {
            inflateEnd(zstream)
            zstream.deallocate()
        }
        if let zstdContext { ZSTD_freeDCtx(zstdContext) }
    }

    /// Decodes `source` (one page's stored bytes, compressed as `flags` says)
    /// into `dst`, which must be filled exactly.
    func decode(flags: UInt32, source: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer,
                pfn: UInt64, fileOffset: UInt64) throws {
        guard let out = dst.baseAddress, let src = source.baseAddress else {
            throw DumpError.decompressionFailed(method: "page", pfn: pfn, offset: fileOffset)
        }
        let method = KdumpCompression(rawValue: flags).intersection(.methods)
        switch method {
        case []:
            guard source.count == dst.count else {
                throw DumpError.corrupt(what: "page descriptor of pfn 0x\(String(pfn, radix: 16)) (uncompressed page of \(source.count) bytes)", offset: fileOffset)
            }
            out.copyMemory(from: src, byteCount: dst.count)
        case .zlib:
            // makedumpfile stores each page as compress2()'s zlib stream
            // (header, DEFLATE data, Adler-32). libdeflate decodes it in one
            // call, faster than inflate (a tasks scan of 10,000 pages: 1.5x
            // less CPU in Benchmarks/RESULTS.md), and still checks the
            // Adler-32 (a vectorised pass over 4 KiB, cheap next to decoding):
            // a damaged page must fail, not come back as wrong bytes. Anything
            // libdeflate refuses goes to zlib, whose verdict stands.
            if zlibBackend == .libdeflate {
                if deflater == nil { deflater = libdeflate_alloc_decompressor() }
                if let deflater {
                    // No size out-parameter: anything but exactly dst.count bytes fails.
                    if libdeflate_zlib_decompress(deflater, src, source.count, out, dst.count, nil) == LIBDEFLATE_SUCCESS {
                        return
                    }
                }
            }
            let stream = try zlibStream(pfn: pfn, offset: fileOffset)
            guard inflateReset(stream) == Z_OK else {
                throw DumpError.decompressionFailed(method: "zlib", pfn: pfn, offset: fileOffset)
            }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: src.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(source.count)
            stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(dst.count)
            let rc = inflate(stream, Z_FINISH)
            guard rc == Z_STREAM_END, stream.pointee.total_out == dst.count else {
                throw DumpError.decompressionFailed(method: "zlib", pfn: pfn, offset: fileOffset)
            }
        case .lzo:
            guard PageDecompressor.lzoReady else {
                throw DumpError.unsupportedCompression(method: "lzo (lzo_init failed)", pfn: pfn)
            }
            var outLength = lzo_uint(dst.count)
            let rc = lzo1x_decompress_safe(src.assumingMemoryBound(to: UInt8.self), lzo_uint(source.count),
                                           out.assumingMemoryBound(to: UInt8.self), &outLength, nil)
            guard rc == LZO_E_OK, outLength == dst.count else {
                throw DumpError.decompressionFailed(method: "lzo", pfn: pfn, offset: fileOffset)
            }
        case .snappy:
            var outLength = dst.count
            let rc = snappy_uncompress(src.assumingMemoryBound(to: CChar.self), source.count,
                                       out.assumingMemoryBound(to: CChar.self), &outLength)
            guard rc == SNAPPY_OK, outLength == dst.count else {
                throw DumpError.decompressionFailed(method: "snappy", pfn: pfn, offset: fileOffset)
            }
        case .zstd:
            if zstdContext == nil { zstdContext = ZSTD_createDCtx() }
            guard let ctx = zstdContext else {
                throw DumpError.decompressionFailed(method: "zstd (no memory for a context)", pfn: pfn, offset: fileOffset)
            }
            let n = ZSTD_decompressDCtx(ctx, out, dst.count, src, source.count)
            guard ZSTD_isError(n) == 0, n == dst.count else {
                throw DumpError.decompressionFailed(method: "zstd", pfn: pfn, offset: fileOffset)
            }
        default:
            throw DumpError.unsupportedCompression(method: "flags 0x\(String(flags, radix: 16)) (several methods at once)", pfn: pfn)
        }
    }

    private func zlibStream(pfn: UInt64, offset: UInt64) throws -> UnsafeMutablePointer<z_stream> {
        if let zstream { return zstream }
        // z_stream must not move after inflateInit (zlib keeps a back pointer),
        // so it lives on the heap.
        let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        s.initialize(to: z_stream())
        guard inflateInit_(s, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            s.deallocate()
            throw DumpError.decompressionFailed(method: "zlib (inflateInit failed)", pfn: pfn, offset: offset)
        }
        zstream = s
        return s
    }
}
