#!/usr/bin/env bash
# Issue 15's benchmark on one GPU: `embedctl serve --device cuda` with the 0.6B (random weights of the real shape)
# under closed-loop load from tests/gpu/serve_load.py (aiohttp): p50/p99 latency at concurrency 1, 16, 64, 256 for
# ~20-token queries and 512-token documents, and the documents' throughput at saturation against the engine alone
# on the same token ids and the same batch budget (the share of the batch engine). Logs and JSON lines go to $OUT.
#   here:             bash tests/gpu/publish-serve-bench.sh         (packs .carry/openai/)
#   on the GPU host:  bash .carry/openai/serve-bench.sh             (from the repository root)
# Environment: BATCH_TOKENS (default 32768), SECONDS_PER_LEVEL (default 4), LEVELS (default 1,16,64,256).
set -uo pipefail
carry=$(cd "$(dirname "$0")" && pwd)
out="${OUT:-$PWD/serve-bench-out}"; mkdir -p "$out"
work=/tmp/serve-bench; mkdir -p "$work"
build=$work/build
budget=${BATCH_TOKENS:-32768}; seconds=${SECONDS_PER_LEVEL:-4}; levels=${LEVELS:-1,16,64,256}
export CLUSTERING_KERNEL_CACHE=$work/kernels PYTHONUNBUFFERED=1
log=$out/log.txt; results=$out/results.jsonl; : > "$results"
echo "== $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1); budget $budget" | tee -a "$log"
[ -x "$build/embedctl" ] || { mkdir -p "$build" && tar xf "$carry/build.txz" -C "$build"; } || exit 2
model=$work/qwen3-embedding-0.6b
if [ ! -f "$model/config.json" ]; then
  python3 "$carry/make_random_model.py" --size 0.6b --out "$model" --device cuda >> "$log" 2>&1 || exit 2
  xz -dc "$carry/tokenizer.json.xz" > "$model/tokenizer.json"
fi
python3 "$carry/serve_load.py" --model m --kind docs --ids-out "$work/docs.jsonl"

# The engine alone on the documents' token ids: the ceiling the server is measured against.
"$build/Clustering.Inference.Cuda.Tests" --engine "$model" --corpus "$work/docs.jsonl" --batch-tokens "$budget" --label 0.6b-docs512 > "$work/engine.txt" 2>&1
cat "$work/engine.txt" >> "$log"; grep '^{' "$work/engine.txt" >> "$results"; grep '^ours' "$work/engine.txt"

port=18080
"$build/embedctl" serve --model "$model" --served-model-name qwen3-0.6b --device cuda --batch-tokens "$budget" \
  --listen "http://127.0.0.1:$port" > "$out/serve.txt" 2>&1 &
serve=$!
for _ in $(seq 1 240); do grep -q '^listening ' "$out/serve.txt" && break; sleep 0.5; done
grep '^listening ' "$out/serve.txt" || { echo "serve did not start"; cat "$out/serve.txt"; kill $serve; exit 1; }
# First requests compile the kernels (NVRTC) and plan the GEMMs: warm every batch shape range once.
python3 "$carry/serve_load.py" --url "http://127.0.0.1:$port" --model qwen3-0.6b --kind docs --concurrency 64 --seconds 2 --warmup 0 > /dev/null
python3 "$carry/serve_load.py" --url "http://127.0.0.1:$port" --model qwen3-0.6b --kind queries --concurrency 64 --seconds 1 --warmup 0 > /dev/null
for kind in queries docs; do
  python3 "$carry/serve_load.py" --url "http://127.0.0.1:$port" --model qwen3-0.6b --kind $kind --concurrency "$levels" --seconds "$seconds" | tee -a "$results"
done
curl -s "http://127.0.0.1:$port/metrics" > "$out/metrics.txt"
kill -TERM $serve; wait $serve
echo "serve exit $?" | tee -a "$log"
python3 - "$results" <<'PY' | tee -a "$log"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
engine = next((r for r in rows if r.get("side") == "ours"), None)
print(f"{'kind':8} {'conc':>5} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9} {'tok/s':>10} {'tok/req':>8} {'errors':>6}")
for r in rows:
    if r.get("side") != "serve": continue
    print(f"{r['kind']:8} {r['concurrency']:5} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['requests_per_s']:9.1f} {r['tokens_per_s']:10} {r['tokens_per_request']:8} {r['errors']:6}")
if engine:
    best = max((r for r in rows if r.get("side") == "serve" and r["kind"] == "docs"), key=lambda r: r["tokens_per_s"], default=None)
    if best:
        print(f"engine alone {engine['tokens_per_s']:.0f} tok/s; serve at saturation {best['tokens_per_s']} tok/s (concurrency {best['concurrency']}) = {100 * best['tokens_per_s'] / engine['tokens_per_s']:.1f} % of the engine")
PY
