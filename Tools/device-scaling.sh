#!/usr/bin/env bash
# Thread scaling of Strata beside onnxruntime on a machine without Swift (and without network).
#
# On the build machine, after `make build`:
#     Tools/device-scaling.sh --make-bundle DIR
# copies the release binary (stripped) and the shared libraries `ldd` lists for it (all but the C
# library itself: libc, libm, libpthread, libdl, librt, the dynamic loader) into DIR, and packs DIR
# into DIR.tar.xz (about 35 MB; the folder is about 140 MB, too large for some copy limits). Copy
# either and this repository to the measuring machine, which needs python3 with numpy, onnxruntime,
# torch and torchvision (only to export the models), then run there:
#     Tools/device-scaling.sh DIR|DIR.tar.xz [OUT]
# It exports ResNet-50, ResNet-18, MobileNetV2, EfficientNet-B0 and ViT-B/16 (torchvision
# architectures, seeded random weights, opset 17, into Fixtures/generated/bench/; reused when
# present; all at once, one process each) and runs Tools/bench with the bundle's strata beside
# onnxruntime at 1, 2, 4, 8 and 16 threads (both engines alternating in the same rounds; strata's
# output checked against onnxruntime's), one model at a time under a time limit (MODEL_LIMIT seconds,
# default 300), so that a model cut short costs only its own row. OUT (default out/device-scaling)
# receives:
#     scaling.json        Tools/bench --json (every median, round medians, peak RSS, isa, CPU, load)
#     scaling.md          the tables: median ms strata / onnxruntime (ratio) per model and thread
#                         count, each side's speedup over its own 1 thread, CPU model, ISA, load
#     machine.txt         lscpu, nproc, free, the load average and the package versions
#     under-load.json/md  the same with a competing busy process per core (only with UNDER_LOAD=1)
# Settings through the environment: THREADS (default 1,2,4,8,16), RUNS (20), ROUNDS (3),
# MODELS (default "mobilenet_v2 resnet18 efficientnet_b0 resnet50 vit_b_16"), MODEL_LIMIT, ISAS (kernel tiers to compare,
# e.g. "avx512 avx2"; default: the best the CPU runs), UNDER_LOAD=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

if [[ "${1:-}" == "--make-bundle" ]]; then
    dir="${2:?usage: Tools/device-scaling.sh --make-bundle DIR}"
    binary="$root/.build/release/strata"
    [[ -x "$binary" ]] || { echo "no release binary at $binary (make build)" >&2; exit 2; }
    mkdir -p "$dir"
    # Symbols are half the binary and no use for timing.
    strip -o "$dir/strata" "$binary" 2>/dev/null || cp "$binary" "$dir/strata"
    # Every library the binary loads, except the C library's own parts, which the target has.
    ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
        grep -Ev '/(libc|libm|libpthread|libdl|librt|libresolv|ld-linux[^/]*)\.so' |
        while read -r lib; do cp -L "$lib" "$dir/"; done
    dir="$(cd "$dir" && pwd)"
    XZ_OPT="${XZ_OPT:--6 -T0}" tar -cJf "$dir.tar.xz" -C "$(dirname "$dir")" "$(basename "$dir")"
    echo "bundle in $dir: $(ls "$dir" | wc -l) files, $(du -sh "$dir" | cut -f1); packed: $dir.tar.xz, $(du -sh "$dir.tar.xz" | cut -f1)"
    echo "on the measuring machine: Tools/device-scaling.sh $dir [OUT]  (or $dir.tar.xz)"
    exit 0
fi

bundle="${1:?usage: Tools/device-scaling.sh BUNDLE [OUT]  (or --make-bundle DIR)}"
out="${2:-$root/out/device-scaling}"
mkdir -p "$out"
if [[ -f "$bundle" && "$bundle" == *.tar.xz ]]; then
    unpacked="$(mktemp -d)"
    tar -xJf "$bundle" -C "$unpacked"
    bundle="$(find "$unpacked" -mindepth 2 -maxdepth 2 -name strata -type f -printf '%h\n' | head -1)"
    [[ -n "$bundle" ]] || { echo "no strata binary in $1" >&2; exit 2; }
fi
bundle="$(cd "$bundle" && pwd)"
threads="${THREADS:-1,2,4,8,16}"
runs="${RUNS:-20}"
rounds="${ROUNDS:-3}"
models="${MODELS:-mobilenet_v2 resnet18 efficientnet_b0 resnet50 vit_b_16}"
limit="${MODEL_LIMIT:-300}"
[[ -x "$bundle/strata" ]] || { echo "no strata binary in $bundle" >&2; exit 2; }

# The bundled libraries only for strata (a wrapper), so that python and onnxruntime load their own.
wrapper="$out/strata"
cat > "$wrapper" <<EOF
#!/bin/sh
LD_LIBRARY_PATH="$bundle\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$bundle/strata" "\$@"
EOF
chmod +x "$wrapper"
if ! "$wrapper" --help > /dev/null 2> "$out/strata-start.txt"; then
    echo "the bundled strata does not start here:" >&2
    cat "$out/strata-start.txt" >&2
    exit 1
fi

python3 - <<'EOF' || { echo "needs python3 with numpy, onnxruntime, torch and torchvision" >&2; exit 2; }
import numpy, onnxruntime, torch, torchvision  # noqa: F401
EOF

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc)"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    lscpu 2>/dev/null || grep -m1 'model name' /proc/cpuinfo
    free -m 2>/dev/null || true
    python3 -c 'import numpy, onnxruntime, torch, torchvision; print("numpy", numpy.__version__, "onnxruntime", onnxruntime.__version__, "torch", torch.__version__, "torchvision", torchvision.__version__)'
} > "$out/machine.txt"

# Export every model first, all at once (one process each; the bench run below reuses them).
pids=()
for m in $models; do
    python3 "$here/bench" --model "$m" --no-strata --threads 1 --runs 1 --rounds 1 --no-verify \
        > "$out/export-$m.txt" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}" || true
isa_args=()
for i in ${ISAS:-}; do isa_args+=(--isa "$i"); done

run_bench() {  # $1: output name, then extra Tools/bench arguments
    local name="$1"
    shift
    echo "== $name: Tools/bench --threads $threads --runs $runs --rounds $rounds $* (${models})" >&2
    local parts=()
    for m in $models; do
        timeout "$limit" python3 "$here/bench" --strata "$wrapper" "${isa_args[@]}" --model "$m" \
            --threads "$threads" --runs "$runs" --rounds "$rounds" --json "$@" > "$out/$name-$m.json" ||
            { status=$?; echo "$name: $m failed or ran past ${limit} s (exit $status)" >&2; }
        parts+=("$out/$name-$m.json")
    done
    python3 - "$out/$name.json" "${parts[@]}" > "$out/$name.md" <<'EOF'
import json
import os
import sys

# One Tools/bench --json per model; a model that failed or was cut short left an empty file.
data = None
for path in sys.argv[2:]:
    try:
        part = json.load(open(path))
    except (OSError, ValueError):
        continue
    if data is None:
        data = part
    else:
        data["results"] += part["results"]
        data["load_average"][1] = part["load_average"][1]
    os.remove(path)
if data is None:
    sys.exit("no model finished")
json.dump(data, open(sys.argv[1], "w"), indent=1)
rows = data["results"]
counts = data["threads"]
variants = sorted({r["variant"] for r in rows})
models = list(dict.fromkeys(r["model"] for r in rows))
cpu = data["cpu"]
isas = sorted({r["strata"].get("isa", "?") for r in rows if isinstance(r["strata"], dict)})
print(f"CPU: {cpu['model']}, {cpu['cpus']} CPUs ({' '.join(cpu['flags'])}); strata isa: {', '.join(isas)}; "
      f"{'UNDER LOAD (a busy process per core); ' if data.get('under_load') else ''}"
      f"load average before/after {data['load_average'][0]:.1f}/{data['load_average'][1]:.1f}; "
      f"{data['rounds']} alternating rounds of {data['runs']} runs, batch 1, median of round medians")
print()


def cell(row, key):
    value = row.get(key)
    return value if isinstance(value, dict) else {}


for variant in variants:
    picked = {(r["model"], r["threads"]): r for r in rows if r["variant"] == variant}
    if variant:
        print(f"strata {variant}:")
        print()
    print("Median ms, strata / onnxruntime (ratio):")
    print()
    print("| threads | " + " | ".join(models) + " |")
    print("| ---: |" + " --- |" * len(models))
    for t in counts:
        cells = []
        for m in models:
            r = picked.get((m, t), {})
            s, o = cell(r, "strata"), cell(r, "onnxruntime")
            if "median_ms" in s and "median_ms" in o:
                cells.append(f"{s['median_ms']:.1f} / {o['median_ms']:.1f} ({s['median_ms'] / o['median_ms']:.2f})")
            else:
                cells.append("n/a")
        print(f"| {t} | " + " | ".join(cells) + " |")
    print()
    print("Speedup over 1 thread, strata / onnxruntime:")
    print()
    print("| threads | " + " | ".join(models) + " |")
    print("| ---: |" + " --- |" * len(models))
    for t in counts:
        cells = []
        for m in models:
            r = picked.get((m, t), {})
            s, o = cell(r, "strata"), cell(r, "onnxruntime")
            cells.append(f"{s['speedup']:.2f} / {o['speedup']:.2f}" if "speedup" in s and "speedup" in o else "n/a")
        print(f"| {t} | " + " | ".join(cells) + " |")
    print()
    checks = {m: picked.get((m, counts[-1]), {}).get("output_check") for m in models}
    print("Output check against onnxruntime: " + ", ".join(f"{m} {c}" for m, c in checks.items()))
    print()
    # Loops the pool ran on one thread because it saw its threads preempted (strata bench --json).
    contended = [f"{m} at {t}: {cell(r, 'strata')['contended_loops']} of {cell(r, 'strata')['parallel_loops']}"
                 for (m, t), r in picked.items() if cell(r, "strata").get("contended_loops")]
    print("Parallel loops run on one thread (pool contended): " + ("; ".join(contended) or "none"))
    print()
    # The threads strata's engine chose after timing its threads against halvings of them.
    fewer = [f"{m} at {t}: {'/'.join(map(str, cell(r, 'strata')['threads_chosen']))}"
             for (m, t), r in picked.items()
             if any(c < t for c in cell(r, "strata").get("threads_chosen", []))]
    print("Fewer threads chosen by strata (per round): " + ("; ".join(fewer) or "none"))
    print()
EOF
    cat "$out/$name.md"
}

status=0
run_bench scaling
if [[ "${UNDER_LOAD:-0}" == 1 ]]; then
    run_bench under-load --under-load
fi
echo "results in $out (scaling.json, scaling.md, machine.txt)" >&2
exit "$status"
