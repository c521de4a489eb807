#!/usr/bin/env bash
# Issue 5's benchmark, one run on one GPU: our CUDA engine against transformers (SDPA, bf16) on the same token ids,
# random weights of the real Qwen3-Embedding architectures, and end to end `embedctl run --device cuda` with
# tokenization against the engine-only figure. Prints a table with the GPU's name; JSON lines and logs go to $OUT.
#   bash bench.sh SIZES [ARCHIVE_DIR]      SIZES: e.g. tests,0.6b,e2e,4b or 8b (tests: the GPU tests first;
#                                          e2e: the embedctl run, 0.6B; stream: a stream job vs embedctl run, 0.6B; multi: that run on GPU 0 and on every GPU;
#                                          tokenizer: issue 2's CPU tokenizer benchmark beside HF tokenizers (from the repo root);
#                                          0.6b also times 128-query attention tiles,
#                                          and with UNFUSED=1 unfused q/k/v, gate/up)
# Environment: PEER=0 skips transformers (ours only), TILES=0 skips the 128-query tiles, MULTI_REPEAT sets the
# multi corpus (the 20,000 documents times N, default 8).
# ARCHIVE_DIR (default: this script's folder) holds build.txz (tests/gpu/publish.sh with --with-cli: the test runner
# and embedctl, self-contained), cuda_peer.py, make_random_model.py and tokenizer.json.xz.
set -uo pipefail
sizes=",$1,"
here=$(cd "$(dirname "$0")" && pwd)
carry="${2:-$here}"
out="${OUT:-$PWD/bench-out}"; mkdir -p "$out"
work=/tmp/cuda-bench; mkdir -p "$work"
build=$work/build
if [ ! -x "$build/Clustering.Inference.Cuda.Tests" ]; then mkdir -p "$build" && tar xf "$carry/build.txz" -C "$build" || exit 2; fi
# Each program runs with its own GC settings (embedctl: server GC, as shipped).
export CLUSTERING_KERNEL_CACHE=$work/kernels PYTHONUNBUFFERED=1
results=$out/results.jsonl; touch "$results"
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
echo "== $(date -u +%FT%TZ) $gpu; sizes $1" | tee -a "$out/log.txt"
[ -f "$work/ids.jsonl" ] || python3 "$carry/cuda_peer.py" corpus --out "$work/ids.jsonl" --docs 20000 | tee -a "$out/log.txt"

step() { # label, command...: runs it, keeps its log, appends its JSON lines to the results
  local label=$1; shift
  local start=$SECONDS
  "$@" > "$work/step.txt" 2>&1; local rc=$?
  cat "$work/step.txt" >> "$out/log.txt"
  grep '^{' "$work/step.txt" >> "$results"
  grep -v '^{' "$work/step.txt" | tail -3
  echo "   [$label: exit $rc, $((SECONDS - start)) s]"
}

case "$sizes" in *,tests,*)
  "$build/Clustering.Inference.Cuda.Tests" --kernels > "$out/tests.txt" 2>&1; echo "GPU tests: exit $?; $(grep -E '^passed' "$out/tests.txt")"
  grep -E '^FAIL|^attention|^gemm|^rmsnorm|^norm\+rope|^silu' "$out/tests.txt" ;;
esac

model_size() { # size: ours (and unfused for 0.6B), then transformers with a 64k budget and in batches of 32
  local size=$1 model=$work/qwen3-embedding-$1 budgets=65536
  # transformers on 4B/8B: every 2nd document (same length mix) keeps a call under the device's 10-minute limit.
  local stride=1; [ $size = 0.6b ] || stride=2
  [ -f "$model/config.json" ] || step "make $size" python3 "$carry/make_random_model.py" --size $size --out "$model" --device cuda
  [ $size = 0.6b ] && budgets=16384,65536
  step "ours $size" "$build/Clustering.Inference.Cuda.Tests" --engine "$model" --corpus "$work/ids.jsonl" --batch-tokens $budgets --label $size
  # 0.6B also with 128-query attention tiles (and, with UNFUSED=1, q/k/v and gate/up as separate GEMMs).
  if [ $size = 0.6b ]; then
    [ "${UNFUSED:-0}" = 1 ] && step "ours $size unfused" "$build/Clustering.Inference.Cuda.Tests" --engine "$model" --corpus "$work/ids.jsonl" --batch-tokens $budgets --label $size --unfused
    [ "${TILES:-1}" = 1 ] && CLUSTERING_ATTENTION_TILE=128 step "ours $size tile128" "$build/Clustering.Inference.Cuda.Tests" --engine "$model" --corpus "$work/ids.jsonl" --batch-tokens $budgets --label $size
  fi
  [ "${PEER:-1}" = 0 ] && { [ $size = 0.6b ] || rm -rf "$model"; return; }   # PEER=0: ours only
  step "transformers $size budget" python3 "$carry/cuda_peer.py" peer --model "$model" --corpus "$work/ids.jsonl" --label $size --mode budget --budget 65536 --stride $stride
  step "transformers $size batch32" python3 "$carry/cuda_peer.py" peer --model "$model" --corpus "$work/ids.jsonl" --label $size --mode batch32 --stride $stride
  [ $size = 0.6b ] || rm -rf "$model"   # 8 and 16 GB: the disk is 64 GB
}

end_to_end() {
  model=$work/qwen3-embedding-0.6b
  [ -f "$model/config.json" ] || step "make 0.6b" python3 "$carry/make_random_model.py" --size 0.6b --out "$model" --device cuda
  xz -dc "$carry/tokenizer.json.xz" > "$model/tokenizer.json"
  # 80,000 documents (the corpus's 20,000 as text, four times): long enough that start-up and load are a small share.
  python3 "$carry/cuda_peer.py" text --corpus "$work/ids.jsonl" --tokenizer "$model/tokenizer.json" --out "$work/text.jsonl" --repeat 4
  rm -rf "$work/e2e-out"
  start=$(date +%s.%N)
  "$build/embedctl" run --input "$work/text.jsonl" --model "$model" --output "$work/e2e-out" --device cuda --batch-tokens 65536 \
    --max-length 512 --shard-docs 20000 --quiet > "$work/e2e.txt" 2>&1; rc=$?
  end=$(date +%s.%N)
  cat "$work/e2e.txt" | tee -a "$out/log.txt" | tail -5
  python3 - "$start" "$end" "$rc" "$work/e2e.txt" "$gpu" >> "$results" <<'PY'
import json, re, sys
start, end, rc, log, gpu = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), open(sys.argv[4]).read(), sys.argv[5]
# "succeeded: 80000 documents, 0 bad lines, 0 empty texts, 0 duplicate ids, 15047976 tokens, 4 files in ... (34.4 s)"
m = re.search(r"(\d+) documents, .*?(\d+) tokens, .*\(([\d.]+) s\)", log)
docs, tokens, job_s = (int(m.group(1)), int(m.group(2)), float(m.group(3))) if m else (0, 0, 0.0)
print(json.dumps({"side": "embedctl", "model": "0.6b", "setting": "e2e budget 65536", "gpu": gpu, "exit": rc, "docs": docs,
                  "tokens": tokens, "seconds": end - start, "job_seconds": job_s,
                  "tokens_per_s": tokens / (end - start) if tokens else 0.0, "job_tokens_per_s": tokens / job_s if job_s else 0.0}))
PY
  }

tokenizer_cpu() { # issue 2's tokenizer figures on this machine's CPU: ours (one thread, all threads, a curve) vs HF
  xz -dc "$carry/tokenizer.json.xz" > "$work/tokenizer.json"
  local threads; threads=$(nproc)
  { lscpu | grep -E 'Model name|^CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|Socket\(s\)|NUMA node\(s\)|MHz'; } | tee "$out/machine.txt"
  python3 tests/benchmarks/tokenizer_corpus.py "$work/tok.jsonl" --mb 20
  python3 tests/benchmarks/tokenizer_peer.py --texts "$work/tok.jsonl" --tokenizer "$work/tokenizer.json" --threads "$threads" \
    --out "$work/tok-peer.json" > "$out/tokenizer-peer.txt" 2>&1
  "$build/Clustering.Benchmarks" tokenizer --texts "$work/tok.jsonl" --tokenizer "$work/tokenizer.json" --threads "$threads" \
    --passes 8 --curve "${TOKENIZER_CURVE:-2,4,8,12}" --peer "$work/tok-peer.json" 2>&1 | tee "$out/tokenizer.txt"
}

multi_gpu() { # the same end-to-end job on GPU 0 alone and on every GPU (one worker each), and the ratio
  model=$work/qwen3-embedding-0.6b
  [ -f "$model/config.json" ] || step "make 0.6b" python3 "$carry/make_random_model.py" --size 0.6b --out "$model" --device cuda
  xz -dc "$carry/tokenizer.json.xz" > "$model/tokenizer.json"
  # MULTI_REPEAT (default 8: 160,000 documents, ~30M tokens): a longer job than e2e's, so start-up, planning and
  # publishing (serial, the same on one GPU or two) weigh as they would on a real corpus.
  python3 "$carry/cuda_peer.py" text --corpus "$work/ids.jsonl" --tokenizer "$model/tokenizer.json" --out "$work/multi.jsonl" --repeat "${MULTI_REPEAT:-8}"
  local one=0 all=0 count
  count=$(nvidia-smi --query-gpu=name --format=csv,noheader | wc -l)
  for device in cuda:0 cuda; do
    rm -rf "$work/multi-out"
    local start end
    start=$(date +%s.%N)
    "$build/embedctl" run --input "$work/multi.jsonl" --model "$model" --output "$work/multi-out" --device $device --batch-tokens 65536 \
      --max-length 512 --shard-docs 5000 --quiet > "$work/multi.txt" 2>&1
    end=$(date +%s.%N)
    tail -2 "$work/multi.txt" | tee -a "$out/log.txt"
    local rate
    rate=$(python3 -c "import re,sys; m=re.search(r'(\d+) tokens, ', open('$work/multi.txt').read()); print(int(m.group(1))/($end-$start) if m else 0)")
    echo "{\"side\": \"embedctl\", \"model\": \"0.6b\", \"setting\": \"e2e --device $device\", \"gpu\": \"$gpu\", \"gpus\": $count, \"tokens_per_s\": $rate}" | tee -a "$results"
    [ $device = cuda:0 ] && one=$rate || all=$rate
  done
  python3 -c "print(f'$count GPUs vs 1: {$all/$one:.2f}x ($all tok/s vs $one tok/s, $gpu)')" | tee -a "$out/log.txt" "$out/multi.txt"
}

stream_job() { # issue 16: a stream job (memory stream, one in-process silo) on the GPU vs embedctl run on the same docs
  # (run from the repository root: the events are tests/fixtures/corpus/sample.jsonl's texts, made distinct)
  model=$work/qwen3-embedding-0.6b
  [ -f "$model/config.json" ] || step "make 0.6b" python3 "$carry/make_random_model.py" --size 0.6b --out "$model" --device cuda
  xz -dc "$carry/tokenizer.json.xz" > "$model/tokenizer.json"
  "$build/Clustering.Benchmarks" stream --model "$model" --device cuda:0 --events "${STREAM_EVENTS:-40000}" --window-docs 20000 \
    --window-seconds 2 --batch-tokens 65536 --max-length 512 --repeat 2 --latency-seconds 15 > "$out/stream.txt" 2>&1
  echo "   [stream: exit $?]"; grep -v '^{' "$out/stream.txt" | tail -8 | tee -a "$out/log.txt"
}

for token in ${1//,/ }; do
  case $token in
    0.6b|4b|8b) model_size $token ;;
    e2e) end_to_end ;;
    stream) stream_job ;;
    multi) multi_gpu ;;
    tokenizer) tokenizer_cpu ;;
  esac
done

python3 - "$results" "$gpu" <<'PY' | tee "$out/table.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"GPU: {sys.argv[2]}")
print(f"{'model':6} {'setting':22} {'ours tok/s':>11} {'transformers':>13} {'ratio':>6}")
for size in ["0.6b", "4b", "8b"]:
    ours = {r["setting"]: r["tokens_per_s"] for r in rows if r["side"] == "ours" and r["model"] == size}
    peer = {r["setting"]: r["tokens_per_s"] for r in rows if r["side"] == "transformers" and r["model"] == size}
    if not ours and not peer: continue
    best_ours = max((v for k, v in ours.items() if "unfused" not in k and "tile" not in k), default=0)
    for setting, value in peer.items():
        print(f"{size:6} {'tf ' + setting:22} {best_ours:11.0f} {value:13.0f} {best_ours / value if value else 0:6.2f}x")
    for setting, value in ours.items():
        print(f"{size:6} {'ours ' + setting:22} {value:11.0f}")
for r in rows:
    if r["side"] == "embedctl" and "job_tokens_per_s" in r:  # the multi-GPU rows are summarized by multi_gpu itself
        engine = max((o["tokens_per_s"] for o in rows if o["side"] == "ours" and o["model"] == "0.6b" and o["setting"] == "budget 65536"), default=0)
        print(f"e2e embedctl run 0.6b: {r['tokens_per_s']:.0f} tok/s wall ({r['job_tokens_per_s']:.0f} job), exit {r['exit']}; "
              f"engine-only {engine:.0f}: {r['tokens_per_s'] / engine * 100 if engine else 0:.0f}% ({r['job_tokens_per_s'] / engine * 100 if engine else 0:.0f}% job)")
PY
