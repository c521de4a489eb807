#!/usr/bin/env bash
# Packs what tests/gpu/serve-bench.sh needs on the GPU machine into .carry/openai/: build.txz (embedctl and the GPU
# test runner, which has the engine benchmark, self-contained linux-x64, one folder, one runtime), the scripts,
# make_random_model.py and the real Qwen3 tokenizer (xz).
# Usage: bash tests/gpu/publish-serve-bench.sh [destination-folder]   (default /work/main/.carry/openai)
set -euo pipefail
cd "$(dirname "$0")/../.."
destination="${1:-/work/main/.carry/openai}"
publish=$(mktemp -d)
for project in tests/Clustering.Inference.Cuda.Tests clients/Clustering.Cli; do
  dotnet publish $project -c Release -r linux-x64 --self-contained -p:DebugType=none -p:GenerateDocumentationFile=false -o "$publish" >/dev/null
done
(cd "$publish" && rm -f Microsoft.TestPlatform.* testhost* Microsoft.VisualStudio.* Microsoft.CodeCoverage* createdump libmscordaccore.so libmscordbi.so *.pdb)
mkdir -p "$destination"
tar cf - -C "$publish" . | xz -9 -T2 > "$destination/build.txz"
cp tests/gpu/serve-bench.sh tests/gpu/serve_load.py tests/benchmarks/make_random_model.py "$destination/"
xz -9c ../shared/models/qwen3-tokenizer/tokenizer.json > "$destination/tokenizer.json.xz"
rm -rf "$publish"
ls -la "$destination"
