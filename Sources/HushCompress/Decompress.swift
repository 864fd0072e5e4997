import CBrotli
import CZlib
import CZstd
import HushCore

/// Decodes a complete gzip (single member, RFC 1952), Brotli (RFC 7932) or zstd (RFC 8878, one
/// or more frames) stream.
///
/// Meant for tests and for verifying siblings, not for untrusted input of unbounded size: the
/// whole output is held in memory.
///
/// - Throws: ``CompressError/corruptInput(coding:detail:)`` when the stream is invalid, truncated
///   or followed by extra bytes, and for zstd when a frame needs a window over 8 MiB (the
///   limit RFC 9659 §3 sets for HTTP, as a browser enforces it).
public func decompress(_ bytes: [UInt8], coding: ContentCoding) throws(CompressError) -> [UInt8] {
    switch coding {
    case .gzip: return try inflateGzip(bytes)
    case .br: return try decodeBrotli(bytes)
    case .zstd: return try decodeZstd(bytes, windowLogMax: Compressor.zstdWindowLog)
    }
}

private func inflateGzip(_ bytes: [UInt8]) throws(CompressError) -> [UInt8] {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    // windowBits 15 + 16: accept only the gzip wrapper (zlib.h, inflateInit2).
    let status = inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
        throw .corruptInput(coding: .gzip, detail: "inflateInit2 returned \(status)")
    }
    defer { inflateEnd(stream) }
    let scratchSize = 64 * 1024
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
    defer { scratch.deallocate() }
    var output: [UInt8] = []
    let result: Result<Void, CompressError> = bytes.withUnsafeBytes { raw in
        stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(raw.count)
        while true {
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = uInt(scratchSize)
            let code = inflate(stream, Z_NO_FLUSH)
            let produced = scratchSize - Int(stream.pointee.avail_out)
            if produced > 0 { output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced)) }
            switch code {
            case Z_STREAM_END:
                if stream.pointee.avail_in != 0 {
                    return .failure(
                        .corruptInput(
                            coding: .gzip,
                            detail: "\(stream.pointee.avail_in) bytes after the end of the stream"
                        )
                    )
                }
                return .success(())
            case Z_OK:
                continue
            case Z_BUF_ERROR where produced == 0:
                return .failure(.corruptInput(coding: .gzip, detail: "truncated (the stream does not end)"))
            case Z_BUF_ERROR:
                continue
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate returned \(code)"
                return .failure(.corruptInput(coding: .gzip, detail: message))
            }
        }
    }
    try result.get()
    return output
}

private func decodeBrotli(_ bytes: [UInt8]) throws(CompressError) -> [UInt8] {
    guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else {
        throw .corruptInput(coding: .br, detail: "BrotliDecoderCreateInstance returned NULL (out of memory)")
    }
    defer { BrotliDecoderDestroyInstance(state) }
    var output: [UInt8] = []
    let result: Result<Void, CompressError> = bytes.withUnsafeBytes { raw in
        var availableIn = raw.count
        var nextIn: UnsafePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
        while true {
            var availableOut = 0
            var nextOut: UnsafeMutablePointer<UInt8>? = nil
            let code = BrotliDecoderDecompressStream(state, &availableIn, &nextIn, &availableOut, &nextOut, nil)
            while BrotliDecoderHasMoreOutput(state) == BROTLI_TRUE {
                var size = 0
                guard let chunk = BrotliDecoderTakeOutput(state, &size), size > 0 else { break }
                output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: size))
            }
            switch code {
            case BROTLI_DECODER_RESULT_SUCCESS:
                if availableIn != 0 {
                    return .failure(
                        .corruptInput(coding: .br, detail: "\(availableIn) bytes after the end of the stream")
                    )
                }
                return .success(())
            case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
                continue
            case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
                return .failure(.corruptInput(coding: .br, detail: "truncated (the stream does not end)"))
            default:
                let error = BrotliDecoderGetErrorCode(state)
                let name = BrotliDecoderErrorString(error).map { String(cString: $0) } ?? "error \(error.rawValue)"
                return .failure(.corruptInput(coding: .br, detail: name))
            }
        }
    }
    try result.get()
    return output
}

/// Decodes every frame in `bytes` with a decoder that refuses windows over 2^`windowLogMax` bytes
/// (`ZSTD_d_windowLogMax`).
func decodeZstd(_ bytes: [UInt8], windowLogMax: Int32) throws(CompressError) -> [UInt8] {
    guard let context = ZSTD_createDCtx() else {
        throw .corruptInput(coding: .zstd, detail: "ZSTD_createDCtx returned NULL (out of memory)")
    }
    defer { ZSTD_freeDCtx(context) }
    let setting = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, windowLogMax)
    if ZSTD_isError(setting) != 0 {
        throw .corruptInput(coding: .zstd, detail: "ZSTD_d_windowLogMax \(windowLogMax): \(zstdErrorName(setting))")
    }
    let scratchSize = 64 * 1024
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
    defer { scratch.deallocate() }
    var output: [UInt8] = []
    let result: Result<Void, CompressError> = bytes.withUnsafeBytes { raw in
        var source = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
        // 0 once a frame is complete; otherwise a hint of how much input the frame still needs.
        var needed = 1
        while true {
            var sink = ZSTD_outBuffer(dst: scratch, size: scratchSize, pos: 0)
            let consumed = source.pos
            needed = ZSTD_decompressStream(context, &sink, &source)
            if ZSTD_isError(needed) != 0 {
                return .failure(.corruptInput(coding: .zstd, detail: zstdErrorName(needed)))
            }
            if sink.pos > 0 { output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: sink.pos)) }
            // Done when every frame is decoded and flushed; stuck when a call moves nothing.
            if source.pos == source.size && needed == 0 { break }
            if source.pos == consumed && sink.pos == 0 { break }
        }
        guard needed == 0, !bytes.isEmpty else {
            return .failure(.corruptInput(coding: .zstd, detail: "truncated (the stream does not end)"))
        }
        return .success(())
    }
    try result.get()
    return output
}
