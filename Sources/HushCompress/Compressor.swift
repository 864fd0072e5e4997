import CBrotli
import CZlib
import CZstd
import HushCore

/// A streaming gzip, Brotli or zstd encoder with the fixed settings Hush publishes siblings with.
///
/// - gzip: zlib deflate, level 9, 32 KiB window (windowBits 15 + 16 selects the gzip wrapper),
///   memLevel 8, default strategy. The header is set explicitly (RFC 1952 §2.3): MTIME 0
///   ("no time stamp available"), no FNAME/FCOMMENT/FEXTRA, XFL 2 (maximum compression) and
///   OS 255 ("unknown"). These are exactly the header bytes Python's `gzip.GzipFile(filename="",
///   mtime=0, compresslevel=9)` writes, which is what WhiteNoise uses; zlib's own default OS byte
///   would be the build platform's (3 on Unix, 19 on macOS), so fixing it also makes the output
///   the same on every machine.
/// - Brotli: quality 11, lgwin 22 (the library default), mode generic — the same parameters as
///   Python's `brotli.compress()` that WhiteNoise calls. (Mode text was measured on 1 MiB of
///   Django admin JavaScript: the same size to the byte, so generic keeps us identical to
///   WhiteNoise at no cost.)
/// - zstd: level 19, window at most 8 MiB (RFC 9659 §3), frame checksum, the content size in the
///   frame header once pledged (``pledgeSize(_:)``), single-threaded; the measurements behind
///   them are in `Compressor+Zstd.swift`. WhiteNoise writes no zstd.
///
/// Measured against WhiteNoise 6.12 (Python zlib 1.2.13, Python brotli 1.2.1) on real JS and CSS,
/// the gzip and Brotli siblings are byte-identical to what WhiteNoise writes.
///
/// Memory is bounded whatever the input size: feed chunks with ``compress(_:into:)`` and end with
/// ``finish(into:)``; output is appended as the encoder produces it. Each value owns its C state
/// and shares nothing, so any number may run on different threads at once. The type is
/// non-copyable because the C state must have exactly one owner; it is freed on deinit. It is
/// `Sendable` so that it can move into a worker task: its only non-mutating member is ``coding``,
/// so no two threads can ever touch the C state at once.
public struct Compressor: ~Copyable, @unchecked Sendable {
    /// The coding this encoder produces.
    public let coding: ContentCoding
    private let engine: Engine
    private var finished = false

    /// Size of the zlib and zstd output scratch buffer; Brotli hands out its own buffer instead.
    static let scratchSize = 64 * 1024

    /// Sets up an encoder for `coding`.
    ///
    /// - Throws: ``CompressError/encoderFailed(coding:path:detail:)`` if the C library cannot
    ///   allocate its state.
    public init(coding: ContentCoding) throws(CompressError) {
        self.coding = coding
        switch coding {
        case .gzip: engine = try Self.makeDeflate()
        case .br: engine = try Self.makeBrotli()
        case .zstd: engine = try Self.makeZstd()
        }
    }

    deinit {
        switch engine {
        case .deflate(let stream, let header, let scratch):
            deflateEnd(stream)
            stream.deallocate()
            header.deallocate()
            scratch.deallocate()
        case .brotli(let state):
            BrotliEncoderDestroyInstance(state)
        case .zstd(let context, let scratch):
            ZSTD_freeCCtx(context)
            scratch.deallocate()
        }
    }

    /// Compresses `chunk`, appending whatever output the encoder has ready to `output`.
    ///
    /// The encoded bytes do not depend on how the input is split into chunks.
    public mutating func compress(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(CompressError) {
        guard !finished else { throw misuse("compress(_:into:) called after finish(into:)") }
        guard !chunk.isEmpty else { return }
        try run(chunk, finishing: false, into: &output)
    }

    /// Compresses `bytes`; see ``compress(_:into:)-(UnsafeRawBufferPointer,_)``.
    public mutating func compress(_ bytes: [UInt8], into output: inout [UInt8]) throws(CompressError) {
        // `withUnsafeBytes` is untyped `rethrows`: carry the typed error out in a Result.
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(CompressError) in try compress(raw, into: &output) }
        }
        try result.get()
    }

    /// Ends the stream, appending the remaining output (and for gzip the CRC-32/ISIZE trailer).
    /// The encoder cannot be fed afterwards.
    public mutating func finish(into output: inout [UInt8]) throws(CompressError) {
        guard !finished else { throw misuse("finish(into:) called twice") }
        finished = true
        try run(UnsafeRawBufferPointer(start: nil, count: 0), finishing: true, into: &output)
    }

    /// Compresses the final `chunk` and ends the stream in the same step. A file that fits in one
    /// chunk is then compressed as a one-shot encoder sees it — as Python's `brotli.compress`
    /// does for WhiteNoise — and Brotli sizes its match-finder to the input instead of to the
    /// full 4 MiB window, which saves most of its set-up cost on small files.
    public mutating func finish(last chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(CompressError) {
        guard !finished else { throw misuse("finish(last:into:) called after finish") }
        finished = true
        try run(chunk, finishing: true, into: &output)
    }

    /// Tells the encoder the total input size in advance (Brotli's `BROTLI_PARAM_SIZE_HINT`, what
    /// a one-shot call would know); gzip ignores it. Call before the first chunk.
    public mutating func expectSize(_ bytes: Int64) {
        guard case .brotli(let state) = engine, bytes > 0 else { return }
        _ = BrotliEncoderSetParameter(state, BROTLI_PARAM_SIZE_HINT, UInt32(min(bytes, 1 << 30)))
    }

    /// Pledges the total input size before the first chunk. zstd writes it in the frame header
    /// (RFC 8878 §3.1.1.1.4, Frame_Content_Size) and picks its parameters for it, so the frame is
    /// the one a one-shot call writes; the stream then fails if the input is not exactly `bytes`
    /// long. gzip and Brotli have no such field and ignore it.
    ///
    /// - Throws: ``CompressError/encoderFailed(coding:path:detail:)`` after the first chunk.
    public mutating func pledgeSize(_ bytes: Int64) throws(CompressError) {
        guard case .zstd(let context, _) = engine else { return }
        try Self.zstdPledge(context, size: bytes)
    }

    private func misuse(_ detail: String) -> CompressError {
        .encoderFailed(coding: coding, path: nil, detail: detail)
    }

    private func run(_ input: UnsafeRawBufferPointer, finishing: Bool, into output: inout [UInt8]) throws(CompressError)
    {
        switch engine {
        case .deflate(let stream, _, let scratch):
            try Self.deflateRun(stream, scratch: scratch, input: input, finishing: finishing, into: &output)
        case .brotli(let state):
            try Self.brotliRun(state, input: input, finishing: finishing, into: &output)
        case .zstd(let context, let scratch):
            try Self.zstdRun(context, scratch: scratch, input: input, finishing: finishing, into: &output)
        }
    }
}

/// The C state behind a ``Compressor``. The pointers are allocated by the initialiser and freed
/// by `deinit`; `z_stream` lives on the heap because zlib checks that it never moves.
enum Engine {
    case deflate(
        UnsafeMutablePointer<z_stream>,
        header: UnsafeMutablePointer<gz_header>,
        scratch: UnsafeMutablePointer<UInt8>
    )
    case brotli(OpaquePointer)
    case zstd(OpaquePointer, scratch: UnsafeMutablePointer<UInt8>)
}

extension Compressor {
    /// A stable text naming the encoder settings and the C library versions, for the incremental
    /// cache key: output bytes are reproducible only for equal fingerprints.
    public static var fingerprint: String {
        "encoders2;gzip=zlib\(LibraryVersions.zlib),level\(gzipLevel),wbits\(gzipWindowBits),mem8,os255,mtime0"
            + ";br=brotli\(LibraryVersions.brotli),q\(brotliQuality),lgwin\(brotliWindow),generic"
            + ";zstd=zstd\(LibraryVersions.zstd),level\(zstdLevel),wlog\(zstdWindowLog),check\(zstdChecksum),size,st"
    }
}
