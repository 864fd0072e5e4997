/// HushCompress: gzip and Brotli over the system zlib and libbrotli. It is the only module with
/// unsafe C interop; everything else sees streams of bytes in and out.
public enum HushCompress {}
