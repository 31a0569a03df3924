// libjpeg-turbo's libjpeg API (Debian libjpeg62-turbo-dev via libjpeg-dev, pkg-config libjpeg).
// Used only by CImageCodecs, whose shim owns libjpeg's setjmp/longjmp error handling; never
// imported by Swift code directly. jpeglib.h needs size_t and FILE declared before it.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
