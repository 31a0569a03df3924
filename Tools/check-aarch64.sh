#!/usr/bin/env bash
# Checks the C kernels for arm64 on an x86-64 (or any) Linux machine:
#   1. every file of Sources/CStrataKernels compiles for aarch64-linux-gnu (clang -fsyntax-only against
#      Debian's libc6-dev-arm64-cross), so x86 intrinsics stay behind their guards and NEON code builds;
#   2. Tools/aarch64/kernel-tiers.c, linked with those kernels for aarch64, runs under qemu-aarch64 and
#      finds the NEON tier computing the generic tier's bits in every kernel (needs qemu-user and
#      libgcc-12-dev-arm64-cross; without them this step fails, it is not skipped).
# Tools/install-deps.sh installs all three packages. CLANG overrides the compiler (default: the Swift
# toolchain's clang, else Debian's).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang="${CLANG:-$(command -v clang || true)}"
if [[ -z "$clang" ]]; then echo "check-aarch64: no clang (set CLANG)" >&2; exit 1; fi
sysroot=/usr/aarch64-linux-gnu
if [[ ! -f "$sysroot/include/stdlib.h" ]]; then
    echo "check-aarch64: no arm64 C library headers in $sysroot (apt-get install libc6-dev-arm64-cross)" >&2
    exit 1
fi
target=(--target=aarch64-linux-gnu --sysroot="$sysroot")
flags=(-std=gnu11 -O2 -Wall -Wextra -Werror -ISources/CStrataKernels/include)

for file in Sources/CStrataKernels/*.c; do
    "$clang" "${target[@]}" "${flags[@]}" -fsyntax-only "$file"
done
echo "check-aarch64: Sources/CStrataKernels compiles for aarch64"

if ! command -v qemu-aarch64 >/dev/null; then
    echo "check-aarch64: no qemu-aarch64 to run the arm64 kernels (apt-get install qemu-user)" >&2
    exit 1
fi
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
# --gcc-toolchain finds the cross libgcc and crt files of libgcc-12-dev-arm64-cross; the sysroot's
# libc.so linker script names absolute paths, so the link takes the libraries from /usr instead.
"$clang" --target=aarch64-linux-gnu --gcc-toolchain=/usr -fuse-ld=lld "${flags[@]}" \
    Sources/CStrataKernels/*.c Tools/aarch64/kernel-tiers.c -o "$build/kernel-tiers" -lm
qemu-aarch64 -L "$sysroot" "$build/kernel-tiers"
