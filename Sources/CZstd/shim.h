// ZSTD_STATIC_LINKING_ONLY is not defined: Hush uses libzstd's stable API only (RFC 8878 frames,
// the advanced parameters ZSTD_c_windowLog and friends, and raw-content prefixes for RFC 9842).
#include <zstd.h>
