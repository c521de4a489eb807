#!/usr/bin/env bash
# Issue 14 on the GPU machine, from the repository root: long-document fixtures and tests, the attention kernel's
# TFLOP/s per length, and ours vs transformers (SDPA, bf16) on corpora of ~2k, ~8k and ~32k-token documents.
#   bash tests/gpu/longdocs.sh STEPS [BUILD_DIR]
#     STEPS, comma-separated: fixtures (transformers references into tests/fixtures/long and $OUT/long-*.json),
#       tests (every GPU test, the long-document ones included), kernel (attention TFLOP/s at 2k-32k),
#       0.6b, 4b (ours vs transformers per length), e2e (embedctl run --max-length 32768, 0.6B, per length).
#     BUILD_DIR holds build.txz from `bash tests/gpu/publish-bench.sh` (default .carry/cuda2), or, to fit the device
#     tool's 64 MiB, a one-program kit from tests/gpu/slim-kit.sh: Clustering.Inference.Cuda.Tests for fixtures, tests,
#     kernel, 0.6b and 4b; embedctl (LEAVE_OUT="libonnxruntime.so ...") for e2e.
#   Environment: LENGTHS (default 2048,8192,32768), TOKENS (per corpus; default 1,048,576 for 0.6B, a quarter for 4B),
#   PEER=0 skips transformers.
# One call of the device tool runs at most 10 minutes: `fixtures,tests,kernel,0.6b` fits one, `4b,e2e` another.
# Logs and JSON lines go to $OUT (log.txt, results.jsonl, table.txt, tests.txt, long-*.json).
set -uo pipefail
steps=",$1,"
carry="${2:-.carry/cuda2}"
out="${OUT:-$PWD/longdocs-out}"; mkdir -p "$out"
work=/tmp/longdocs; mkdir -p "$work"
build=$work/build
# Unpacked on every call: a warm machine may still hold another kit (slim-kit.sh makes one per program).
mkdir -p "$build" && tar xf "$carry/build.txz" -C "$build" || exit 2
export CLUSTERING_KERNEL_CACHE=$work/kernels PYTHONUNBUFFERED=1 CLUSTERING_LONG_MODEL_DIR=$work/long-0.6b
results=$out/results.jsonl; touch "$results"
lengths=${LENGTHS:-2048,8192,32768}
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
echo "== $(date -u +%FT%TZ) $gpu; steps $1; lengths $lengths; $(git rev-parse --short HEAD 2>/dev/null)" | tee -a "$out/log.txt"

step() { # label, command...: runs it, keeps its log, appends its JSON lines to the results
  local label=$1; shift
  local start=$SECONDS
  "$@" > "$work/step.txt" 2>&1; local rc=$?
  cat "$work/step.txt" >> "$out/log.txt"
  grep '^{' "$work/step.txt" >> "$results"
  grep -v '^{' "$work/step.txt" | tail -4
  echo "   [$label: exit $rc, $((SECONDS - start)) s]"
}

case "$steps" in *,fixtures,*)
  # The references; the real-shape weights are drawn from a seed (long_fixtures.py), so the tests can remake them.
  step fixtures python3 tests/fixtures/generate/long_fixtures.py --out tests/fixtures/long --real-dir "$work/long-0.6b"
  for f in tests/fixtures/long/*.json; do cp "$f" "$out/long-$(basename "$f")"; done ;;
esac
case "$steps" in *,tests,*)
  # The real-shape test needs its weights even when the fixtures were committed earlier.
  [ -f "$work/long-0.6b/model.safetensors" ] || python3 -c "
import sys; sys.path.insert(0, 'tests/fixtures/generate'); import long_fixtures; long_fixtures.make_real('$work/long-0.6b')" >> "$out/log.txt" 2>&1
  "$build/Clustering.Inference.Cuda.Tests" > "$out/tests.txt" 2>&1; echo "GPU tests: exit $?; $(grep -E '^passed' "$out/tests.txt")" | tee -a "$out/log.txt"
  grep -E '^FAIL|^SKIP|^  qwen3' "$out/tests.txt" | tee -a "$out/log.txt" ;;
esac
case "$steps" in *,kernel,*) step kernel "$build/Clustering.Inference.Cuda.Tests" --attention "${LENGTHS:-2048,8192,16384,32768}" ;; esac

compare() { # size: our engine vs transformers on one corpus per length
  local size=$1 model=$work/qwen3-embedding-$1 tokens=${TOKENS:-1048576}
  [ "$size" = 4b ] && tokens=${TOKENS:-262144}
  [ -f "$model/config.json" ] || step "make $size" python3 tests/benchmarks/make_random_model.py --size "$size" --out "$model" --device cuda
  for length in ${lengths//,/ }; do
    local ids=$work/ids-$length-$tokens.jsonl label="$size-$((length / 1024))k"
    [ -f "$ids" ] || python3 tests/benchmarks/cuda_peer.py corpus --out "$ids" --length "$length" --tokens "$tokens" --seed 14 >> "$out/log.txt"
    step "ours $label" "$build/Clustering.Inference.Cuda.Tests" --engine "$model" --corpus "$ids" --batch-tokens 65536 --label "$label"
    [ "${PEER:-1}" = 0 ] || step "transformers $label" python3 tests/benchmarks/cuda_peer.py peer --model "$model" --corpus "$ids" \
      --label "$label" --mode budget --budget 65536
  done
}

end_to_end() { # embedctl run --device cuda --max-length 32768 with tokenization, 0.6B and the real tokenizer, per length
  local model=$work/qwen3-embedding-0.6b
  [ -f "$model/config.json" ] || step "make 0.6b" python3 tests/benchmarks/make_random_model.py --size 0.6b --out "$model" --device cuda
  xz -dc "$carry/tokenizer.json.xz" > "$model/tokenizer.json"
  for length in ${lengths//,/ }; do
    local ids=$work/ids-$length-e2e.jsonl
    python3 tests/benchmarks/cuda_peer.py corpus --out "$ids" --length "$length" --tokens "${TOKENS:-1048576}" --seed 15 >> "$out/log.txt"
    python3 tests/benchmarks/cuda_peer.py text --corpus "$ids" --tokenizer "$model/tokenizer.json" --out "$work/text.jsonl" >> "$out/log.txt"
    rm -rf "$work/e2e-out"
    local start end
    start=$(date +%s.%N)
    "$build/embedctl" run --input "$work/text.jsonl" --model "$model" --output "$work/e2e-out" --device cuda --max-length 32768 \
      --batch-tokens 65536 --quiet > "$work/e2e.txt" 2>&1
    end=$(date +%s.%N)
    tail -2 "$work/e2e.txt" | tee -a "$out/log.txt"
    python3 -c "
import json, re, sys
m = re.search(r'(\d+) documents, .*?(\d+) tokens', open('$work/e2e.txt').read())
tokens = int(m.group(2)) if m else 0
print(json.dumps({'side': 'embedctl', 'model': '0.6b-$((length / 1024))k', 'setting': 'e2e --max-length 32768 --batch-tokens 65536',
                  'gpu': '$gpu', 'tokens': tokens, 'seconds': $end - $start, 'tokens_per_s': tokens / ($end - $start)}))" | tee -a "$results"
  done
}

for token in ${1//,/ }; do
  case $token in
    0.6b|4b) compare "$token" ;;
    e2e) end_to_end ;;
  esac
done

python3 - "$results" "$gpu" <<'PY' | tee "$out/table.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"GPU: {sys.argv[2]}")
for r in rows:
    if r.get("side") == "kernel":
        print(f"attention {r['shape']:5} {r['length']:6} tokens x {r['sequences']:3}, {r.get('variant', str(r.get('tile', 64)) + '-row tiles'):>14}: {r['tflops']:6.1f} TFLOP/s ({r['ms']:.3f} ms)")
ours = {r["model"]: r["tokens_per_s"] for r in rows if r.get("side") == "ours"}
peer = {r["model"]: r["tokens_per_s"] for r in rows if r.get("side") == "transformers"}
e2e = {r["model"]: r["tokens_per_s"] for r in rows if r.get("side") == "embedctl"}
print(f"{'model':10} {'ours tok/s':>11} {'transformers':>13} {'ratio':>6} {'embedctl run':>13}")
for label in sorted(set(ours) | set(peer) | set(e2e), key=lambda l: (l.split('-')[0], int(l.split('-')[1].rstrip('k')))):
    o, p = ours.get(label, 0), peer.get(label, 0)
    print(f"{label:10} {o:11.0f} {p:13.0f} {o / p if p else 0:6.2f}x {e2e.get(label, 0):13.0f}")
PY
