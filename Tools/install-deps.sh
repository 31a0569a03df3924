#!/usr/bin/env bash
# Installs what building and testing Strata needs, and nothing that is already there:
# the Debian packages below (apt-get update only when one is missing, sudo when not root),
# then the pinned Python packages of Tools/requirements.txt (pip only when one is missing or
# has another version). Safe to run any number of times.
#
#   Tools/install-deps.sh            everything `make test` needs
#   Tools/install-deps.sh --system   only the Debian packages Strata itself builds and runs with
#                                    (what `make demo` needs; no test packages, no Python packages)
set -euo pipefail

system_only=0
if [[ "${1:-}" == "--system" ]]; then system_only=1; fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packages=(libhdf5-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev graphviz pkg-config libpng-dev libjpeg-dev
          libcairo2-dev fonts-dejavu-core libisal-dev libfftw3-dev)
# The test stack's own: the arm64 C library, libgcc and qemu for Tools/check-aarch64.sh, which builds
# the C kernels for arm64 and runs them there.
# And a real browser with its driver for the report tests (Tools/test-report.py), Firefox ESR for its
# driverless screenshot check, and an HTML checker.
test_packages=(libc6-dev-arm64-cross libgcc-12-dev-arm64-cross qemu-user chromium chromium-driver firefox-esr tidy)
if ((!system_only)); then packages+=("${test_packages[@]}"); fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if ((!system_only)) && ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=(python3-pip)
fi

if ((${#missing[@]} > 0)); then
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
    echo "install-deps: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Each line "name==version" of a requirements file must be installed at exactly that version;
# pip runs only when one is not. Extra arguments go to pip.
ensure_pins() {
    local file="$1"; shift
    local needs_pip=0 line name want have
    while read -r line; do
        line="${line%%#*}"
        line="${line//[[:space:]]/}"
        [[ -z "$line" ]] && continue
        name="${line%%==*}"
        want="${line#*==}"
        have="$(python3 -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)"
        if [[ "$have" != "$want" ]]; then
            needs_pip=1
            break
        fi
    done < "$file"
    if ((needs_pip)); then
        echo "install-deps: installing Python packages from Tools/$(basename "$file")" >&2
        python3 -m pip install -q "$@" -r "$file"
    fi
}

if ((system_only)); then exit 0; fi

ensure_pins "$here/requirements.txt"
# torch/torchvision export the parity and benchmark models; see the file for why --no-deps.
ensure_pins "$here/requirements-torch.txt" --no-deps
# matplotlib and Pillow for the picture references and checks (Tools/make-colormaps.py, check-pictures.py).
ensure_pins "$here/requirements-pictures.txt"
# scikit-learn, openTSNE, umap-learn and TensorBoard's projector plugin for the embedding tests.
ensure_pins "$here/requirements-embed.txt"
# Selenium for the browser tests of `strata report`.
ensure_pins "$here/requirements-browser.txt"
# TensorBoard's loader reads back the event files Strata writes (Tools/test-tensorboard.py).
ensure_pins "$here/requirements-tensorboard.txt"
# pytorch-grad-cam, captum and OpenCV for the CAM and saliency references (Tools/test-cam.py); see the file.
ensure_pins "$here/requirements-cam.txt" --no-deps
