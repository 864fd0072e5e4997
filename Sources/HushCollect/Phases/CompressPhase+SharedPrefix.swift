import HushCompress
import HushCore

extension CompressPhase {
    /// Brotli streams for the CSS/JS files whose hashed copy differs from the original only near
    /// the end (a JS bundle's rewritten `sourceMappingURL` line): the shared prefix is compressed
    /// once for both (see `SharedPrefixBrotli`). Keyed by content MD5.
    func sharedPrefixBrotli(_ pairs: [SharedPrefixPair]) throws(CollectError) -> [String: [UInt8]] {
        guard policy.codings.contains(.br) else { return [:] }
        let eligible: [(pair: SharedPrefixPair, cut: Int)] = pairs.compactMap { pair in
            guard
                policy.shouldCompress(path: pair.original.path) && policy.shouldCompress(path: pair.rewritten.path)
                    && !reuse.knows(content: pair.original.md5) && !reuse.knows(content: pair.rewritten.md5),
                let cut = pair.cut
            else { return nil }
            return (pair, cut)
        }
        let order = largestFirst(eligible.map { Int64($0.pair.rewritten.content.count) })
        let streams = try context.mapInParallel(order, count: eligible.count) { k throws(CollectError) in
            try sharedPrefixStreams(eligible[k].pair, cut: eligible[k].cut)
        }
        var byMD5: [String: [UInt8]] = [:]
        for (item, stream) in zip(eligible, streams) {
            byMD5[item.pair.original.md5] = stream.original
            byMD5[item.pair.rewritten.md5] = stream.rewritten
        }
        return byMD5
    }

    /// The two Brotli streams of one pair, from the compression cache or made now (and cached).
    private func sharedPrefixStreams(
        _ pair: SharedPrefixPair,
        cut: Int
    ) throws(CollectError) -> (original: [UInt8], rewritten: [UInt8]) {
        let original = pair.original.content
        let rewritten = pair.rewritten.content
        // Each stream is a function of its own content and the cut: cached under both.
        let keys = [original, rewritten].map {
            CompressionCache.Key(
                coding: .br,
                variant: CompressionCache.Key.sharedPrefix(cut: cut),
                integrity: SHA384.subresourceIntegrity(of: $0),
                length: Int64($0.count)
            )
        }
        if let cache = compressionCache {
            let remembered = keys.map { cache.lookup($0)?.payload }
            if let o = remembered[0], let r = remembered[1] { return (o, r) }
        }
        let made: Result<[[UInt8]], CompressError> = original.withUnsafeBytes { o in
            rewritten.withUnsafeBytes { r in
                Result { () throws(CompressError) in
                    try SharedPrefixBrotli.compress(
                        prefix: UnsafeRawBufferPointer(rebasing: o[..<cut]),
                        tails: [
                            UnsafeRawBufferPointer(rebasing: o[cut...]), UnsafeRawBufferPointer(rebasing: r[cut...]),
                        ]
                    )
                }
            }
        }
        let streams: [[UInt8]]
        do throws(CompressError) {
            streams = try made.get()
        } catch {
            throw .compressionFailed("\(pair.rewritten.path): \(error.description)")
        }
        guard streams.count == 2 else {
            throw .compressionFailed("\(pair.rewritten.path): \(streams.count) Brotli streams for 2 tails")
        }
        if let cache = compressionCache {
            for (key, stream) in zip(keys, streams) {
                cache.store(key, CompressionCache.Entry(size: Int64(stream.count), payload: stream))
            }
        }
        return (streams[0], streams[1])
    }
}

/// A CSS/JS file's original and hashed copy, for sharing Brotli work between them.
struct SharedPrefixPair {
    struct Side {
        var path: String
        var md5: String
        var content: [UInt8]
    }

    var original: Side
    var rewritten: Side

    /// Worth sharing from 256 KiB of common prefix on.
    static let minimumPrefix = 256 * 1024

    /// Where the shared prefix ends (at a line start), when both tails after it are short.
    var cut: Int? {
        let a = original.content
        let b = rewritten.content
        let limit = min(a.count, b.count)
        guard limit >= Self.minimumPrefix else { return nil }
        let common: Int = a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                var n = 0
                while n < limit && x[n] == y[n] { n += 1 }
                return n
            }
        }
        var cut = common
        while cut > 0 && a[cut - 1] != 0x0a { cut -= 1 }
        guard cut >= Self.minimumPrefix, a.count - cut <= SharedPrefixBrotli.maximumTail,
            b.count - cut <= SharedPrefixBrotli.maximumTail
        else { return nil }
        return cut
    }
}
