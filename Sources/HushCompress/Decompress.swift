import CBrotli
import CZlib
import HushCore

/// Decodes a complete gzip (single member, RFC 1952) or Brotli (RFC 7932) stream.
///
/// Meant for tests and for verifying siblings, not for untrusted input of unbounded size: the
/// whole output is held in memory.
///
/// - Throws: ``CompressError/corruptInput(coding:detail:)`` when the stream is invalid, truncated
///   or followed by extra bytes.
public func decompress(_ bytes: [UInt8], coding: ContentCoding) throws(CompressError) -> [UInt8] {
    switch coding {
    case .gzip: return try inflateGzip(bytes)
    case .br: return try decodeBrotli(bytes)
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
