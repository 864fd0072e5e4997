import HushCore

/// `bytes` compressed with `coding` in one call, with ``Compressor``'s settings.
///
/// Holds input and output in memory; use ``compressFile(at:to:coding:)`` or ``Compressor`` for
/// large files.
public func compress(_ bytes: [UInt8], coding: ContentCoding) throws(CompressError) -> [UInt8] {
    var compressor = try Compressor(coding: coding)
    try compressor.pledgeSize(Int64(bytes.count))
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count / 3 + 64)
    try compressor.compress(bytes, into: &output)
    try compressor.finish(into: &output)
    return output
}
