#!/usr/bin/env bash
# Compares what two strata binaries print for `inspect`, `inspect --json`, `layers` and `diagram` over
# every Keras fixture (and the generated ResNet-50 files when present): the structure-only import
# must print exactly what the full import printed.
#   Tools/keras/compare-structure.sh OLD_STRATA NEW_STRATA
set -u
old=$1 new=$2
cd "$(dirname "$0")/../.."
files=()
for f in Fixtures/keras/*.h5 Fixtures/keras/*.keras Fixtures/generated/keras/*.h5 Fixtures/generated/keras/*.keras; do
    [ -e "$f" ] && files+=("$f")
done
compared=0 differ=0
for f in "${files[@]}"; do
    config=()
    case "$f" in
        *.k2w.h5) config=(--config "${f%.h5}.json") ;;
        *.k3w.weights.h5) config=(--config "${f%.weights.h5}.json") ;;
    esac
    for cmd in "inspect" "inspect --json" "layers" "diagram"; do
        a=$("$old" $cmd "$f" "${config[@]}" 2>&1; echo "rc=$?")
        b=$("$new" $cmd "$f" "${config[@]}" 2>&1; echo "rc=$?")
        compared=$((compared + 1))
        if [ "$a" != "$b" ]; then
            differ=$((differ + 1))
            echo "DIFFERS: strata $cmd $f ${config[*]}"
            diff <(echo "$a") <(echo "$b") | head -5
        fi
    done
done
echo "$compared outputs compared over ${#files[@]} files, $differ differ"
[ "$differ" -eq 0 ]
