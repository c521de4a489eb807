#!/usr/bin/env bash
# GPU tests on the GPU machine (no .NET there): unpacks a self-contained build of Clustering.Inference.Cuda.Tests
# (made by tests/gpu/publish.sh) and runs its self-test runner, which executes every [GpuFact]/[NvrtcFact]/[Fact].
# Logs go to $OUT (or ./gpu-out). Usage, on the GPU machine, from the repository root:
#   bash tests/gpu/run.sh [.carry/gpu/build.txz] [--filter text]
set -uo pipefail
cd "$(dirname "$0")/../.."
archive="${1:-.carry/gpu/build.txz}"; shift || true
out="${OUT:-$PWD/gpu-out}"; mkdir -p "$out"
build=/tmp/clustering-gpu-build
rm -rf "$build"; mkdir -p "$build"
tar xf "$archive" -C "$build" || { echo "cannot unpack $archive"; exit 2; }
export CLUSTERING_KERNEL_CACHE=/tmp/clustering-kernel-cache
export DOTNET_gcServer=0
{
  echo "== $(date -u +%FT%TZ) $(hostname)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader 2>&1
  ls /usr/local/cuda/targets/x86_64-linux/lib 2>/dev/null | grep -E 'nvrtc|cublasLt' | head
} 2>&1 | tee "$out/environment.txt"
"$build/Clustering.Inference.Cuda.Tests" "$@" 2>&1 | tee "$out/tests.txt"
status=${PIPESTATUS[0]}
echo "exit $status" | tee -a "$out/tests.txt"
exit "$status"
