import CBrotli
import HushCore

/// Brotli streams for several contents that share a long prefix and differ only in short tails —
/// a JS bundle and its hashed copy, whose only difference is the rewritten
/// `//# sourceMappingURL` line — compressing the shared prefix once.
///
/// The prefix is compressed at quality 11 and flushed, which leaves the stream byte-aligned
/// (RFC 7932 §9.2: the encoder ends the flush with an empty metadata block when needed). Each
/// result is that output, then its tail as uncompressed meta-blocks (§9.2, ISUNCOMPRESSED), then
/// an empty last meta-block (ISLAST, ISLASTEMPTY). Every result is a valid Brotli stream of
/// prefix + tail that any decoder reads; only the tail (a few dozen bytes) is stored raw.
public enum SharedPrefixBrotli {
    /// Tails longer than this are not worth storing raw.
    public static let maximumTail = 64 * 1024

    /// One stream per tail, each decoding to `prefix + tail`.
    public static func compress(
        prefix: UnsafeRawBufferPointer,
        tails: [UnsafeRawBufferPointer]
    ) throws(CompressError) -> [[UInt8]] {
        guard let state = BrotliEncoderCreateInstance(nil, nil, nil) else {
            throw .encoderFailed(
                coding: .br,
                path: nil,
                detail: "BrotliEncoderCreateInstance returned NULL (out of memory)"
            )
        }
        defer { BrotliEncoderDestroyInstance(state) }
        for (parameter, value) in [
            (BROTLI_PARAM_QUALITY, Compressor.brotliQuality), (BROTLI_PARAM_LGWIN, Compressor.brotliWindow),
            (BROTLI_PARAM_MODE, BROTLI_MODE_GENERIC.rawValue),
            (BROTLI_PARAM_SIZE_HINT, UInt32(min(prefix.count, 1 << 30))),
        ] where BrotliEncoderSetParameter(state, parameter, value) == BROTLI_FALSE {
            throw .encoderFailed(
                coding: .br,
                path: nil,
                detail: "BrotliEncoderSetParameter(\(parameter.rawValue)) refused"
            )
        }
        var flushed: [UInt8] = []
        var availableIn = prefix.count
        var nextIn: UnsafePointer<UInt8>? = prefix.baseAddress?.assumingMemoryBound(to: UInt8.self)
        repeat {
            var availableOut = 0
            var nextOut: UnsafeMutablePointer<UInt8>? = nil
            guard
                BrotliEncoderCompressStream(
                    state,
                    BROTLI_OPERATION_FLUSH,
                    &availableIn,
                    &nextIn,
                    &availableOut,
                    &nextOut,
                    nil
                ) == BROTLI_TRUE
            else {
                throw .encoderFailed(coding: .br, path: nil, detail: "BrotliEncoderCompressStream(FLUSH) failed")
            }
            while BrotliEncoderHasMoreOutput(state) == BROTLI_TRUE {
                var size = 0
                guard let bytes = BrotliEncoderTakeOutput(state, &size), size > 0 else { break }
                flushed.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
            }
        } while availableIn > 0 || BrotliEncoderHasMoreOutput(state) == BROTLI_TRUE
        return tails.map { tail in
            var stream = flushed
            var offset = 0
            while offset < tail.count {
                let length = min(maximumTail, tail.count - offset)
                // Meta-block header, bits from the least significant: ISLAST=0, MNIBBLES=0 (four
                // nibbles), MLEN-1 in 16 bits, ISUNCOMPRESSED=1, then zero bits to the byte boundary.
                let header = UInt32(length - 1) << 3 | 1 << 19
                stream += [UInt8(header & 0xff), UInt8(header >> 8 & 0xff), UInt8(header >> 16 & 0xff)]
                stream += UnsafeRawBufferPointer(rebasing: tail[offset..<(offset + length)])
                offset += length
            }
            stream.append(0x03)  // ISLAST=1, ISLASTEMPTY=1.
            return stream
        }
    }
}
