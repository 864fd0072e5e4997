// OpenSSL's libcrypto, for its MD5, SHA-256 and SHA-384 only (Sources/HushCore/MD5.swift,
// SHA256.swift, SHA384.swift).
// The MD5_* and SHA384_* calls are deprecated in OpenSSL 3 in favour of EVP, but they are kept, run
// the same assembly, and hold their state in a plain struct that Swift copies as a value.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <openssl/md5.h>
