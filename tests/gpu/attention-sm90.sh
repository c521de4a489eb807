#!/usr/bin/env bash
# attention-sm90.sh — on the GPU machine: build tests/gpu/attention-sm90/bench.cu with nvcc for sm_90a, show the
# registers/spills and prove wgmma is in the machine code (HGMMA in the SASS), then check and time the kernels.
# Logs go to $OUT (build.txt, run.txt, the new kernels' SASS). Usage: bash tests/gpu/attention-sm90.sh [lengths, e.g. 190,2048,8192]
# The kernel sources come from ./kernels beside this script when present (a carried copy), else from the repository.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KERNELS="$HERE/kernels"
[ -d "$KERNELS" ] || KERNELS="$HERE/../../src/Clustering.Inference.Cuda/Kernels"
OUT=${OUT:-/tmp/attention-sm90-out}
mkdir -p "$OUT"
BIN=/tmp/attention-sm90-bench
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee "$OUT/run.txt"
nvcc --version | tail -2
# -lcuda: the TMA kernels' tensor maps (cuTensorMapEncodeTiled); the toolkit's stub library stands in at link time.
STUBS="$(dirname "$(command -v nvcc)")/../lib64/stubs"
build() { nvcc -gencode=arch=compute_90a,code=sm_90a -O3 -std=c++17 -lineinfo -Xptxas -v -I "$KERNELS" "$@" \
        "$HERE/attention-sm90/bench.cu" -o "$BIN" -L "$STUBS" -lcuda; }
# The ws kernels (attention_sm90_ws.cu) are a file of their own: if they do not compile, say why and measure the rest.
if ! build > "$OUT/build.txt" 2>&1; then
    grep -i "error" "$OUT/build.txt" | head -20; echo "BUILD FAILED with the ws kernels; building without them (-DNO_WS)"
    mv "$OUT/build.txt" "$OUT/build-ws-failed.txt"
    if ! build -DNO_WS > "$OUT/build.txt" 2>&1; then cat "$OUT/build.txt"; echo "BUILD FAILED"; exit 1; fi
fi
# The resource lines of the two kernels we care about (the new ones and the old d128), and any wgmma warning.
grep -A2 "Function properties for flash_attention_\(sm90\|d128\|q128_d128\)" "$OUT/build.txt" | grep -v "^--$"
grep -i "wgmma\|setmaxnreg\|C75" "$OUT/build.txt"
cuobjdump --dump-sass "$BIN" > /tmp/sass.txt
for k in flash_attention_sm90_k64 flash_attention_sm90_k128 flash_attention_sm90_q192_k64 flash_attention_sm90_pipelined_k64 flash_attention_sm90_pipelined_k128 flash_attention_sm90_ws_k64 flash_attention_sm90_ws_k64_s4 flash_attention_sm90_ws_k128 flash_attention_sm90_ws_k64_pp flash_attention_sm90_ws_k128_pp flash_attention_sm90_ws3_k64 flash_attention_sm90_ws3_k64_s4 flash_attention_sm90_tma_k64 flash_attention_sm90_tma_k128 flash_attention_sm90_tma_k128_pp flash_attention_sm90_tma3_k64 flash_attention_d128; do
    awk -v k="$k" '/Function :/ {on = ($3 == k)} on' /tmp/sass.txt > /tmp/sass-$k.txt
    echo "$k: HGMMA $(grep -c HGMMA /tmp/sass-$k.txt), HMMA $(grep -c 'HMMA' /tmp/sass-$k.txt), LDL/STL $(grep -c 'LDL\|STL' /tmp/sass-$k.txt), USETMAXREG $(grep -c USETMAXREG /tmp/sass-$k.txt)"
done
cp /tmp/sass-flash_attention_sm90_*.txt "$OUT/"
timeout "${TIMEOUT:-300}" "$BIN" "$@" 2>&1 | tee -a "$OUT/run.txt"   # a hung kernel must not eat the call
