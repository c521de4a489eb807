#!/usr/bin/env bash
# Builds the GPU test runner self-contained for linux-x64 and packs it where the device tool carries it from:
#   <main checkout>/.carry/gpu/build.txz  (.carry is ignored through .git/info/exclude).
# Usage: bash tests/gpu/publish.sh [destination-folder]
set -euo pipefail
cd "$(dirname "$0")/../.."
destination="${1:-/work/main/.carry/gpu}"
publish=$(mktemp -d)
dotnet publish tests/Clustering.Inference.Cuda.Tests -c Release -r linux-x64 --self-contained \
  -p:DebugType=none -p:GenerateDocumentationFile=false -o "$publish" >/dev/null
# What the runner never loads (test-platform hosts, debugger support) stays behind, and xz keeps the archive
# near 32 MB: the device tool carries at most 64 MiB together with the checkout.
(cd "$publish" && rm -f Microsoft.TestPlatform.* testhost* Microsoft.VisualStudio.* Microsoft.CodeCoverage* \
  createdump libmscordaccore.so libmscordbi.so)
mkdir -p "$destination"
rm -f "$destination/build.tgz"
tar cJf "$destination/build.txz" -C "$publish" .
cp tests/gpu/run.sh "$destination/run.sh"
rm -rf "$publish"
ls -la "$destination"
