import CZlib
import HushCore

extension Compressor {
    /// zlib's compression level for the gzip siblings: 9, as WhiteNoise (`compresslevel=9`).
    static let gzipLevel: Int32 = 9
    /// 15 = a 32 KiB window; + 16 asks zlib for the gzip wrapper instead of zlib's (zlib.h,
    /// `deflateInit2`).
    static let gzipWindowBits: Int32 = 15 + 16

    static func makeDeflate() throws(CompressError) -> Engine {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let header = UnsafeMutablePointer<gz_header>.allocate(capacity: 1)
        // RFC 1952 §2.3: all-zero means text flag 0, MTIME 0, no extra/name/comment, no FHCRC.
        header.initialize(to: gz_header())
        header.pointee.os = 255  // "unknown", as Python's gzip module writes; see the type's doc.
        // `deflateInit2` is a macro Swift cannot see; call the function behind it.
        let status = deflateInit2_(
            stream,
            gzipLevel,
            Z_DEFLATED,
            gzipWindowBits,
            8,
            Z_DEFAULT_STRATEGY,
            ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size)
        )
        guard status == Z_OK else {
            stream.deallocate()
            header.deallocate()
            throw .encoderFailed(coding: .gzip, path: nil, detail: "deflateInit2 returned \(status)")
        }
        // zlib keeps the pointer and writes the header on the first deflate() call.
        let headerStatus = deflateSetHeader(stream, header)
        guard headerStatus == Z_OK else {
            deflateEnd(stream)
            stream.deallocate()
            header.deallocate()
            throw .encoderFailed(coding: .gzip, path: nil, detail: "deflateSetHeader returned \(headerStatus)")
        }
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
        return .deflate(stream, header: header, scratch: scratch)
    }

    static func deflateRun(
        _ stream: UnsafeMutablePointer<z_stream>,
        scratch: UnsafeMutablePointer<UInt8>,
        input: UnsafeRawBufferPointer,
        finishing: Bool,
        into output: inout [UInt8]
    ) throws(CompressError) {
        // avail_in is a 32-bit uInt: feed very large chunks in slices.
        var offset = 0
        repeat {
            let slice = min(input.count - offset, Int(Int32.max))
            // zlib never writes through next_in; the mutable pointer type is a C API artefact.
            stream.pointee.next_in =
                slice > 0
                ? input.baseAddress.map {
                    UnsafeMutablePointer(mutating: $0.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                }
                : nil
            stream.pointee.avail_in = uInt(slice)
            offset += slice
            let flush = finishing ? Z_FINISH : Z_NO_FLUSH
            while true {
                stream.pointee.next_out = scratch
                stream.pointee.avail_out = uInt(scratchSize)
                let status = deflate(stream, flush)
                let produced = scratchSize - Int(stream.pointee.avail_out)
                if produced > 0 { output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced)) }
                if status == Z_STREAM_END { return }
                if status == Z_BUF_ERROR && produced == 0 && finishing {
                    throw .encoderFailed(coding: .gzip, path: nil, detail: "deflate made no progress while finishing")
                }
                // Z_BUF_ERROR only means "no progress possible" (nothing in, room out): not fatal.
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    throw .encoderFailed(coding: .gzip, path: nil, detail: "deflate returned \(status)")
                }
                // Without Z_FINISH we are done once zlib has taken all input and had room to spare.
                if !finishing && stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break }
            }
        } while offset < input.count
    }
}
