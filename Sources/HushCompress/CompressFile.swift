import HushCore

/// Bytes read from a source file per step: big enough that system calls are noise next to
/// Brotli, small enough that memory stays bounded whatever the file size.
let fileChunkSize = 256 * 1024

/// Compresses the file at `source` into `destination` with `coding`, streaming in bounded memory,
/// and returns the compressed size in bytes.
///
/// The output is written to a temporary name in the destination's directory
/// (`destination.hush-tmp-<random>`) and renamed onto `destination` only when complete, so no
/// reader ever sees a half-written file; on failure the temporary file is removed and
/// `destination` is untouched. An existing `destination` is replaced. There is no fsync: the
/// collector's publish step (staging directory + rename) decides durability for the whole tree.
///
/// - Throws: ``CompressError`` naming the file that could not be read or written.
@discardableResult
public func compressFile(
    at source: String,
    to destination: String,
    coding: ContentCoding
) throws(CompressError) -> Int64 {
    let input = try InputFile(path: source)
    defer { input.close() }
    var compressor = try Compressor(coding: coding)
    var output = try OutputFile(finalPath: destination)
    do throws(CompressError) {
        try compressor.pledgeSize(input.size)
        var buffer = [UInt8](repeating: 0, count: fileChunkSize)
        var pending: [UInt8] = []
        pending.reserveCapacity(fileChunkSize)
        while true {
            let count = try input.read(into: &buffer)
            if count == 0 { break }
            let result = buffer.withUnsafeBytes { raw in
                Result { () throws(CompressError) in
                    try compressor.compress(UnsafeRawBufferPointer(rebasing: raw[..<count]), into: &pending)
                }
            }
            try result.getNaming(source)
            try output.write(&pending)
        }
        try Result { () throws(CompressError) in try compressor.finish(into: &pending) }.getNaming(source)
        try output.write(&pending)
        try input.checkUnchanged()
        return try output.commit()
    } catch {
        output.discard()
        throw input.explain(error)
    }
}

/// What ``compressSiblings(of:nextTo:policy:)`` did for one file.
public struct CompressedSiblings: Sendable, Equatable {
    /// Size of the source file in bytes.
    public var originalSize: Int64
    /// Size of every sibling that was produced, kept or not.
    public var compressedSizes: [ContentCoding: Int64]
    /// The siblings written to disk (a subset of ``compressedSizes``), by coding.
    public var kept: [ContentCoding: Int64]

    public init(originalSize: Int64, compressedSizes: [ContentCoding: Int64], kept: [ContentCoding: Int64]) {
        self.originalSize = originalSize
        self.compressedSizes = compressedSizes
        self.kept = kept
    }
}

/// Reads `source` once, feeding every coding `policy` enables, and writes the siblings the policy
/// keeps as `target + coding.fileSuffix` (`target` defaults to `source`; pass the hashed copy's
/// path to compress a file and publish the result next to an identical copy).
///
/// Files the policy skips by extension are not read and give an empty result. Each sibling is
/// written under a temporary name and renamed when complete; siblings the policy rejects are
/// deleted before they ever get their final name. An existing sibling that is rejected this time
/// is left alone: it could be a file the user collected under that name.
///
/// - Throws: ``CompressError`` naming the file; no sibling is left half-written.
public func compressSiblings(
    of source: String,
    nextTo target: String? = nil,
    policy: CompressionPolicy
) throws(CompressError) -> CompressedSiblings {
    let base = target ?? source
    guard policy.shouldCompress(path: source), !policy.codings.isEmpty else {
        return CompressedSiblings(originalSize: 0, compressedSizes: [:], kept: [:])
    }
    let input = try InputFile(path: source)
    defer { input.close() }
    // One stream per enabled coding, in the policy's order; every chunk read feeds them all.
    var streams: [SiblingStream] = []
    do throws(CompressError) {
        for coding in policy.codings {
            let stream = try SiblingStream(coding: coding, output: try OutputFile(finalPath: base + coding.fileSuffix))
            streams.append(stream)
            stream.compressor.expectSize(input.size)
            try stream.compressor.pledgeSize(input.size)
        }
        // One chunk of look-ahead: the last chunk goes in with the finishing call, so a file that
        // fits in one chunk is compressed as a one-shot call would compress it.
        var current = [UInt8](repeating: 0, count: fileChunkSize)
        var next = [UInt8](repeating: 0, count: fileChunkSize)
        var count = try input.read(into: &current)
        var total = Int64(count)
        while true {
            let nextCount = count == 0 ? 0 : try input.read(into: &next)
            if nextCount == 0 {
                for stream in streams { try stream.finish(last: current, count: count, source: source) }
                break
            }
            for stream in streams { try stream.feed(current, count: count, source: source) }
            swap(&current, &next)
            count = nextCount
            total += Int64(count)
        }
        try input.checkUnchanged()
        var sizes: [ContentCoding: Int64] = [:]
        for stream in streams { sizes[stream.coding] = stream.output.written }
        let keep = policy.keptCodings(originalSize: total, compressedSizes: sizes)
        var kept: [ContentCoding: Int64] = [:]
        for stream in streams {
            if let size = try stream.settle(keep: keep.contains(stream.coding)) { kept[stream.coding] = size }
        }
        return CompressedSiblings(originalSize: total, compressedSizes: sizes, kept: kept)
    } catch {
        for stream in streams { stream.output.discard() }
        throw input.explain(error)
    }
}

/// One coding's encoder and its temporary output file. A class, so that the streams of all
/// codings fit in one array (the encoder and the file are non-copyable).
private final class SiblingStream {
    let coding: ContentCoding
    var compressor: Compressor
    var output: OutputFile
    var pending: [UInt8] = []

    init(coding: ContentCoding, output: consuming OutputFile) throws(CompressError) {
        self.coding = coding
        self.compressor = try Compressor(coding: coding)
        self.output = output
    }

    func feed(_ buffer: [UInt8], count: Int, source: String) throws(CompressError) {
        let result = buffer.withUnsafeBytes { raw in
            Result { () throws(CompressError) in
                try compressor.compress(UnsafeRawBufferPointer(rebasing: raw[..<count]), into: &pending)
            }
        }
        try result.getNaming(source)
        try output.write(&pending)
    }

    /// Renames the sibling into place when `keep`, returning its size; otherwise removes it.
    func settle(keep: Bool) throws(CompressError) -> Int64? {
        guard keep else {
            output.discard()
            return nil
        }
        return try output.commit()
    }

    func finish(last buffer: [UInt8], count: Int, source: String) throws(CompressError) {
        let result = buffer.withUnsafeBytes { raw in
            Result { () throws(CompressError) in
                try compressor.finish(last: UnsafeRawBufferPointer(rebasing: raw[..<count]), into: &pending)
            }
        }
        try result.getNaming(source)
        try output.write(&pending)
    }
}

extension Result where Failure == CompressError {
    /// The success value, or the error naming `path`.
    fileprivate func getNaming(_ path: String) throws(CompressError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error): throw error.naming(path)
        }
    }
}
