#!/usr/bin/env bash
# One run of the engine benchmark against its peer on the same documents, and the ratio.
#   tests/benchmarks/engine_vs_transformers.sh BENCH MODEL_DIR DOCS THREADS [BATCH_TOKENS]
# BENCH: how to start Clustering.Benchmarks (e.g. "./bench/Clustering.Benchmarks" from a self-contained publish,
# or "dotnet tests/benchmarks/Clustering.Benchmarks/bin/Release/net10.0/Clustering.Benchmarks.dll").
# MODEL_DIR: e.g. made by make_random_model.py --size 0.6b.
set -euo pipefail
bench=$1 model=$2 docs=$3 threads=$4 budget=${5:-8192}
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(mktemp --suffix=.jsonl)
ours=$($bench engine --model "$model" --docs "$docs" --threads "$threads" --batch-tokens "$budget" --write-corpus "$corpus" | tee /dev/stderr | tail -1)
peer=$(python3 "$here/engine_peer.py" --model "$model" --corpus "$corpus" --threads "$threads" | tee /dev/stderr | tail -1)
python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"ours {ours['tokens_per_s']:.0f} tokens/s, transformers {peer['tokens_per_s']:.0f} tokens/s: "
      f"ratio {ours['tokens_per_s'] / peer['tokens_per_s']:.2f}x ({ours['threads']} threads, {ours['docs']} docs)")
PY
rm -f "$corpus"
