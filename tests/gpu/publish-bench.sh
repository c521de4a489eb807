#!/usr/bin/env bash
# Packs what tests/gpu/bench.sh needs on the GPU machine into one folder the device tool carries:
#   build.txz (the GPU test runner, embedctl and the CPU benchmarks, self-contained linux-x64, published into one folder so they share
#   one runtime), bench.sh, cuda_peer.py, make_random_model.py, tokenizer.json.xz (the real Qwen3 tokenizer).
# Usage: bash tests/gpu/publish-bench.sh [destination-folder]   (default /work/main/.carry/cuda2; .carry is ignored)
set -euo pipefail
cd "$(dirname "$0")/../.."
destination="${1:-/work/main/.carry/cuda2}"
publish=$(mktemp -d)
for project in tests/Clustering.Inference.Cuda.Tests clients/Clustering.Cli tests/benchmarks/Clustering.Benchmarks; do
  dotnet publish $project -c Release -r linux-x64 --self-contained -p:DebugType=none -p:GenerateDocumentationFile=false \
    -o "$publish" >/dev/null
done
# What neither program loads stays behind (test-platform hosts, debugger support); the carry limit is 64 MiB
# together with the checkout.
(cd "$publish" && rm -f Microsoft.TestPlatform.* testhost* Microsoft.VisualStudio.* Microsoft.CodeCoverage* \
  createdump libmscordaccore.so libmscordbi.so *.pdb)
mkdir -p "$destination"
tar cf - -C "$publish" . | xz -9 -T2 > "$destination/build.txz"
cp tests/gpu/bench.sh tests/benchmarks/cuda_peer.py tests/benchmarks/make_random_model.py "$destination/"
xz -9c ../shared/models/qwen3-tokenizer/tokenizer.json > "$destination/tokenizer.json.xz"
rm -rf "$publish"
ls -la "$destination"
