#!/usr/bin/env bash
# Creates (or brings up to date) the Python environment .venv-keras/ at the repository root with the
# pinned packages of Tools/keras/requirements.txt. Installs only when a package is missing or has another
# version, so running it again is cheap. Prints the venv's python path on its last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-keras"
requirements="$here/requirements.txt"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup-venv: creating $venv" >&2
    python3 -m venv "$venv"
fi

needs_pip=0
while read -r line; do
    line="${line%%#*}"
    line="${line//[[:space:]]/}"
    [[ -z "$line" ]] && continue
    name="${line%%==*}"
    want="${line#*==}"
    have="$("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)"
    if [[ "$have" != "$want" ]]; then
        needs_pip=1
    fi
done < "$requirements"

if ((needs_pip)); then
    echo "setup-venv: installing Tools/keras/requirements.txt into $venv" >&2
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
fi
echo "$venv/bin/python"
