import CZstd
import HushCore

/// RFC 9842 `dcz`: a file compressed with an earlier version of itself as the dictionary.
///
/// The stream is ``DictionaryCompression/header(dictionaryHash:)`` (magic and the dictionary's
/// SHA-256) followed by one zstd frame made by the same engine as the `.zst` siblings (level 19,
/// frame checksum, content size in the header, single-threaded, so the bytes are the same on
/// every machine) with the dictionary referenced as a raw-content prefix (`ZSTD_CCtx_refPrefix`:
/// the bytes count as if they preceded the content, which is what RFC 9842 §5's "raw"
/// dictionary means; no trained-dictionary header, no dictionary ID in the frame).
///
/// The window is chosen per pair by ``DictionaryCompression/windowLog(dictionarySize:contentSize:)``:
/// the smallest power of two that keeps the whole dictionary reachable until the last byte, but
/// never above what every `dcz` client must accept — 8 MiB, or 1.25 × the dictionary up to
/// 128 MiB. (Chrome enforces exactly that limit; a plain `.zst` sibling stays at RFC 9659's
/// 8 MiB.) For bundles of a few MB this is at most 8 MiB, so any zstd decoder can read the frame.
public enum DeltaEncoder {
    /// The encoder settings and library version, for cache keys: the bytes are reproducible only
    /// for an equal fingerprint.
    public static var fingerprint: String {
        "dcz1;zstd=zstd\(LibraryVersions.zstd),level\(Compressor.zstdLevel),wlog=pair,check\(Compressor.zstdChecksum),size,st,prefix"
    }

    /// `content` compressed against `dictionary`, header included.
    ///
    /// - Throws: ``CompressError/encoderFailed(coding:path:detail:)`` when libzstd fails.
    public static func compress(_ content: [UInt8], dictionary: [UInt8]) throws(CompressError) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else {
            throw .encoderFailed(coding: .zstd, path: nil, detail: "ZSTD_createCCtx returned NULL (out of memory)")
        }
        defer { ZSTD_freeCCtx(context) }
        let windowLog = DictionaryCompression.windowLog(
            dictionarySize: Int64(dictionary.count),
            contentSize: Int64(content.count)
        )
        let settings: [(ZSTD_cParameter, Int32, String)] = [
            (ZSTD_c_compressionLevel, Compressor.zstdLevel, "compressionLevel"),
            (ZSTD_c_windowLog, Int32(windowLog), "windowLog"),
            (ZSTD_c_checksumFlag, Compressor.zstdChecksum, "checksumFlag"),
            (ZSTD_c_contentSizeFlag, 1, "contentSizeFlag"),
            (ZSTD_c_nbWorkers, 0, "nbWorkers"),
        ]
        for (parameter, value, name) in settings {
            try check(ZSTD_CCtx_setParameter(context, parameter, value), "ZSTD_CCtx_setParameter(\(name), \(value))")
        }
        let bound = ZSTD_compressBound(content.count)
        var frame = [UInt8](repeating: 0, count: bound)
        // The prefix is referenced, not copied: `dictionary` must stay alive through the call.
        let written = dictionary.withUnsafeBytes { dict in
            content.withUnsafeBytes { source in
                frame.withUnsafeMutableBytes { out -> Int in
                    let referenced = ZSTD_CCtx_refPrefix(context, dict.baseAddress, dict.count)
                    guard ZSTD_isError(referenced) == 0 else { return referenced }
                    return ZSTD_compress2(context, out.baseAddress, out.count, source.baseAddress, source.count)
                }
            }
        }
        try check(written, "ZSTD_compress2 with a prefix")
        frame.removeSubrange(written..<frame.count)
        return DictionaryCompression.header(dictionaryHash: SHA256.digest(dictionary)) + frame
    }

    /// Decodes a `dcz` stream with `dictionary`, as a browser does: the header must name this
    /// dictionary's SHA-256, and the frame's window may not exceed what RFC 9842 §5 lets a
    /// client refuse.
    ///
    /// - Throws: ``CompressError/corruptInput(coding:detail:)`` for a wrong header or dictionary,
    ///   a window over the limit, or a damaged frame.
    public static func decompress(_ stream: [UInt8], dictionary: [UInt8]) throws(CompressError) -> [UInt8] {
        guard let hash = DictionaryCompression.dictionaryHash(inHeader: stream) else {
            throw .corruptInput(coding: .zstd, detail: "no dcz header (RFC 9842 §5)")
        }
        guard hash == SHA256.digest(dictionary) else {
            throw .corruptInput(coding: .zstd, detail: "dcz header names another dictionary")
        }
        guard let context = ZSTD_createDCtx() else {
            throw .corruptInput(coding: .zstd, detail: "ZSTD_createDCtx returned NULL (out of memory)")
        }
        defer { ZSTD_freeDCtx(context) }
        let windowLogMax = Int32(DictionaryCompression.maxWindowLog(dictionarySize: Int64(dictionary.count)))
        let frame = Array(stream.dropFirst(DictionaryCompression.headerLength))
        var output: [UInt8] = []
        var failure: String?
        dictionary.withUnsafeBytes { dict in
            frame.withUnsafeBytes { source in
                for (code, what) in [
                    (ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, windowLogMax), "windowLogMax"),
                    (ZSTD_DCtx_refPrefix(context, dict.baseAddress, dict.count), "refPrefix"),
                ] where ZSTD_isError(code) != 0 {
                    failure = "\(what): \(zstdErrorName(code))"
                    return
                }
                var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
                let scratchSize = 64 * 1024
                var scratch = [UInt8](repeating: 0, count: scratchSize)
                var needed = 1
                while needed != 0 {
                    let before = input.pos
                    let produced = scratch.withUnsafeMutableBytes { out -> Int in
                        var sink = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                        needed = ZSTD_decompressStream(context, &sink, &input)
                        return sink.pos
                    }
                    if ZSTD_isError(needed) != 0 {
                        failure = zstdErrorName(needed)
                        return
                    }
                    output.append(contentsOf: scratch[..<produced])
                    if needed != 0 && input.pos == before && produced == 0 {
                        failure = "truncated (the frame does not end)"
                        return
                    }
                }
                // One frame: the prefix applies to the first frame only, and nothing may follow.
                if input.pos != input.size { failure = "bytes after the frame" }
            }
        }
        if let failure { throw .corruptInput(coding: .zstd, detail: failure) }
        return output
    }

    private static func check(_ code: Int, _ what: String) throws(CompressError) {
        if ZSTD_isError(code) != 0 {
            throw .encoderFailed(coding: .zstd, path: nil, detail: "\(what): \(zstdErrorName(code))")
        }
    }
}
