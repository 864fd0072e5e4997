/// HushCompress: gzip, Brotli and zstd over the system zlib, libbrotli and libzstd. It is the
/// only module with unsafe C interop; everything else sees streams of bytes in and out.
public enum HushCompress {}
