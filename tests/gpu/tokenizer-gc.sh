#!/usr/bin/env bash
# The tokenizer benchmark under three GC settings, twice each (the run-to-run spread on a shared VM is large):
# server GC with fixed heaps (what embedctl ships), server GC with DATAS (.NET's default for server GC), workstation GC.
# Usage, from the repository root on the GPU machine: bash tests/gpu/tokenizer-gc.sh [ARCHIVE_DIR]
# ARCHIVE_DIR (default .carry/cuda2): build.txz and tokenizer.json.xz from tests/gpu/publish-bench.sh.
set -uo pipefail
carry=${1:-.carry/cuda2}
w=/tmp/cuda-bench; b=$w/build/Clustering.Benchmarks
mkdir -p $w
[ -f $w/tok.jsonl ] || python3 tests/benchmarks/tokenizer_corpus.py $w/tok.jsonl --mb 20
xz -dc "$carry/tokenizer.json.xz" > $w/tokenizer.json
[ -x "$b" ] || { mkdir -p $w/build && tar xf "$carry/build.txz" -C $w/build; }
run() {
  echo "== $*"
  env "$@" "$b" tokenizer --texts $w/tok.jsonl --tokenizer $w/tokenizer.json --threads "$(nproc)" --passes 8 --curve 4,8,12 2>&1 |
    grep -E "threads|single|scaling|rounds|loaded"
}
for round in 1 2; do
  run DOTNET_GCDynamicAdaptationMode=0
  run DOTNET_GCDynamicAdaptationMode=1
  run DOTNET_gcServer=0
done
