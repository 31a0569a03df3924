// libpng (Debian libpng-dev, pkg-config libpng). Used only by CImageCodecs, whose shim owns
// libpng's setjmp/longjmp error handling; never imported by Swift code directly.
#include <png.h>
