import CZstd
import HushCore

extension Compressor {
    /// zstd level 19, the highest level without `--ultra`. Measured with libzstd 1.5.4, windowLog
    /// 23, content size pledged, on the 99 JS/CSS files of Django 6.1's admin (1 424 833 bytes),
    /// CPU seconds of one thread: level 19 writes 340 568 bytes in 0.67–0.75 s; levels 20/21/22
    /// write 340 552/340 542/340 550 (under 0.01 % apart) in 0.67–0.80 s. (Brotli 11: 307 643
    /// bytes, 2.2 s; gzip 9: 379 637 bytes, 0.09 s.) jquery.js is 73 397 bytes at 19 and 73 395
    /// at 22 (Brotli: 69 545). The ultra levels differ from 19 mainly in larger windows and
    /// tables, which the 8 MiB cap below takes away, so they buy nothing here.
    static let zstdLevel: Int32 = 19
    /// log2 of the largest window: 23 (8 MiB). RFC 9659 §3: a zstd-coded HTTP body must not need
    /// a window over 8 MiB, as decoders may refuse larger ones (browsers do). Smaller inputs get
    /// smaller windows: the pledged content size lets libzstd shrink it.
    public static let zstdWindowLog: Int32 = 23
    /// The frame checksum (RFC 8878 §3.1.1: the low 32 bits of XXH64 of the content) is written:
    /// 4 bytes per file buy a check that a browser's or `zstd -t`'s decoder runs on every use, so
    /// a damaged sibling fails loudly instead of serving wrong bytes. `zstd(1)` writes it too.
    static let zstdChecksum: Int32 = 1

    static func makeZstd() throws(CompressError) -> Engine {
        guard let context = ZSTD_createCCtx() else {
            throw .encoderFailed(coding: .zstd, path: nil, detail: "ZSTD_createCCtx returned NULL (out of memory)")
        }
        let settings: [(ZSTD_cParameter, Int32, String)] = [
            (ZSTD_c_compressionLevel, zstdLevel, "compressionLevel"),
            (ZSTD_c_windowLog, zstdWindowLog, "windowLog"),
            (ZSTD_c_checksumFlag, zstdChecksum, "checksumFlag"),
            // The content size goes into the frame header once pledged (Frame_Content_Size).
            (ZSTD_c_contentSizeFlag, 1, "contentSizeFlag"),
            // Single-threaded: worker threads make libzstd write different frames (jobs are cut
            // into independent pieces), and a build without threads ignores them; 0 gives the
            // same bytes on every machine. The collector already uses every core, one file each.
            (ZSTD_c_nbWorkers, 0, "nbWorkers"),
        ]
        for (parameter, value, name) in settings {
            let code = ZSTD_CCtx_setParameter(context, parameter, value)
            if ZSTD_isError(code) != 0 {
                ZSTD_freeCCtx(context)
                throw .encoderFailed(
                    coding: .zstd,
                    path: nil,
                    detail: "ZSTD_CCtx_setParameter(\(name), \(value)): \(zstdErrorName(code))"
                )
            }
        }
        return .zstd(context, scratch: UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize))
    }

    /// Tells libzstd the content size before the first chunk; see ``pledgeSize(_:)``.
    static func zstdPledge(_ context: OpaquePointer, size: Int64) throws(CompressError) {
        let code = ZSTD_CCtx_setPledgedSrcSize(context, UInt64(max(size, 0)))
        if ZSTD_isError(code) != 0 {
            throw .encoderFailed(
                coding: .zstd,
                path: nil,
                detail: "ZSTD_CCtx_setPledgedSrcSize: \(zstdErrorName(code))"
            )
        }
    }

    static func zstdRun(
        _ context: OpaquePointer,
        scratch: UnsafeMutablePointer<UInt8>,
        input: UnsafeRawBufferPointer,
        finishing: Bool,
        into output: inout [UInt8]
    ) throws(CompressError) {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        let directive = finishing ? ZSTD_e_end : ZSTD_e_continue
        while true {
            var sink = ZSTD_outBuffer(dst: scratch, size: scratchSize, pos: 0)
            // Returns, for ZSTD_e_end, how much is still to flush (0: the frame is complete).
            let remaining = ZSTD_compressStream2(context, &sink, &source, directive)
            if ZSTD_isError(remaining) != 0 {
                throw .encoderFailed(
                    coding: .zstd,
                    path: nil,
                    detail: "ZSTD_compressStream2: \(zstdErrorName(remaining))"
                )
            }
            if sink.pos > 0 { output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: sink.pos)) }
            if finishing {
                if remaining == 0 { return }
            } else if source.pos == source.size {
                return
            }
        }
    }
}

/// libzstd's name for an error code (`Src size is incorrect`).
func zstdErrorName(_ code: Int) -> String {
    ZSTD_getErrorName(code).map { String(cString: $0) } ?? "error \(code)"
}
