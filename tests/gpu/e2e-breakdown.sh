#!/usr/bin/env bash
# Where `embedctl run --device cuda` loses against the engine alone: the same 80,000-document job as bench.sh e2e,
# run four ways, each printing its job time and the progress lines (every 10 s, cumulative), so the steady-state
# rate (between two progress lines) separates from fixed costs (start-up, planning, the last shard's tail, publish):
#   default      as bench.sh e2e (4 shards of 20,000), with the workstation GC (the export below)
#   one-shard    --shard-docs 80000: no shard boundaries at all
#   gen0-256m    DOTNET_GCgen0size=0x10000000: a 256 MB gen0 budget, far fewer blocking collections
#   server-gc    DOTNET_gcServer=1: a heap per core, collections in parallel
# Usage (GPU machine, after bench.sh e2e made the build, model and text corpus in /tmp/cuda-bench): bash e2e-breakdown.sh
set -uo pipefail
out="${OUT:-$PWD/bench-out}"; mkdir -p "$out"
work=/tmp/cuda-bench
build=$work/build
model=$work/qwen3-embedding-0.6b
export CLUSTERING_KERNEL_CACHE=$work/kernels DOTNET_gcServer=0
run() { # label, extra environment / arguments via env and $@
  local label=$1; shift
  rm -rf "$work/breakdown-out"
  local start end
  start=$(date +%s.%N)
  "$@" "$build/embedctl" run --input "$work/text.jsonl" --model "$model" --output "$work/breakdown-out" --device cuda \
    --batch-tokens 65536 --max-length 512 ${SHARD_DOCS:+--shard-docs $SHARD_DOCS} > "$work/breakdown.txt" 2>&1
  end=$(date +%s.%N)
  echo "== $label: wall $(python3 -c "print(f'{$end-$start:.2f}')") s" | tee -a "$out/breakdown.txt"
  grep -E "docs, shards|succeeded|failed" "$work/breakdown.txt" | tee -a "$out/breakdown.txt"
}
SHARD_DOCS=20000 run default env
SHARD_DOCS=80000 run one-shard env
SHARD_DOCS=20000 run gen0-256m env DOTNET_GCgen0size=0x10000000
SHARD_DOCS=20000 run server-gc env DOTNET_gcServer=1
