#!/usr/bin/env bash
# The CPU-side benchmarks, run on the GPU machine's 16 cores, each beside its peer in the same run:
#   tokenizer (ours vs Hugging Face tokenizers), CPU engine (ours vs transformers fp32 on the 0.6B shape),
#   and pyarrow reading Parquet files we wrote (list and fixed vector forms).
# Usage, from the repository root on the GPU machine:
#   bash tests/gpu/bench-cpu.sh BENCH_ARCHIVE TOKENIZER_JSON [PARQUET_DIR]
# BENCH_ARCHIVE: a self-contained publish of tests/benchmarks/Clustering.Benchmarks as .txz. Logs go to $OUT.
set -uo pipefail
archive=$1 tokenizer=$2 parquet=${3:-}
out=${OUT:-$PWD/bench-out}; mkdir -p "$out"
build=/tmp/clustering-bench; rm -rf "$build"; mkdir -p "$build"; tar xf "$archive" -C "$build"
bench="$build/Clustering.Benchmarks"
export PYTHONUNBUFFERED=1
{ lscpu | grep -E 'Model name|^CPU\(s\)'; nproc; } | tee "$out/machine.txt"

python3 tests/benchmarks/tokenizer_corpus.py /tmp/tok.jsonl --mb 20
python3 tests/benchmarks/tokenizer_peer.py --texts /tmp/tok.jsonl --tokenizer "$tokenizer" --threads 16 --out /tmp/tok-peer.json 2>&1 | tee "$out/tokenizer-peer.txt"
"$bench" tokenizer --texts /tmp/tok.jsonl --tokenizer "$tokenizer" --threads 16 --passes 8 --peer /tmp/tok-peer.json 2>&1 | tee "$out/tokenizer.txt"

if [ -n "$parquet" ]; then python3 tests/tools/pyarrow-readback.py "$parquet"/*.parquet 2>&1 | tee "$out/pyarrow.txt"; fi

python3 tests/benchmarks/make_random_model.py --size 0.6b --out /tmp/m06 2>&1 | tail -2
bash tests/benchmarks/engine_vs_transformers.sh "$bench" /tmp/m06 1000 16 2>&1 | tee "$out/engine-cpu.txt"
