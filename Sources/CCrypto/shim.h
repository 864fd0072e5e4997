// OpenSSL's libcrypto, for its SHA-384 only (see Sources/HushCore/SHA384.swift).
// SHA384_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but they are kept, run
// the same assembly, and hold their state in a plain struct that Swift copies as a value.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
