#!/usr/bin/env bash
# Cuts the folder that publish-bench.sh packs down to what one program loads, so a GPU run fits the device tool's
# 64 MiB (the checkout counts too, ~25 MiB): the programs share one runtime, but embedctl alone pulls in Orleans,
# ASP.NET Core, Azure and ONNX Runtime (35 MB), which the CUDA tests never load.
#   bash tests/gpu/slim-kit.sh PROGRAM [SOURCE_DIR] [DESTINATION_DIR]
#     PROGRAM: Clustering.Inference.Cuda.Tests | embedctl | Clustering.Benchmarks, or several joined by commas
#     SOURCE_DIR holds build.txz (default .carry/cuda2); DESTINATION_DIR gets a build.txz with PROGRAM's files only,
#     plus the scripts and tokenizer beside the source's (default .carry/PROGRAM).
#   Environment: LEAVE_OUT, space-separated file names to drop although the program names them (e.g.
#     "libonnxruntime.so" for an embedctl that runs only Qwen3 models: ONNX Runtime loads only for ONNX models; and
#     "Microsoft.CodeAnalysis.dll Microsoft.CodeAnalysis.Workspaces.dll Humanizer.dll" and the five
#     System.Composition.*.dll (each by its full name), which Orleans' packages name for their build-time code
#     generator and nothing loads at run time: 2 MB of the 64).
set -euo pipefail
cd "$(dirname "$0")/../.."
program=$1
source="${2:-.carry/cuda2}"
destination="${3:-.carry/${program//,/+}}"
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
tar xJf "$source/build.txz" -C "$unpacked"
# The files a program loads are the runtime and native assets its .deps.json names, and the program itself.
python3 - "$unpacked" "$program" > "$unpacked/.keep" <<'PY'
import json, os, sys
folder, programs = sys.argv[1], sys.argv[2].split(",")
keep = set()
for program in programs:
    deps = json.load(open(os.path.join(folder, program + ".deps.json")))
    keep.update(name for name in os.listdir(folder) if name.startswith(program + ".") or name == program)
    for target in deps["targets"].values():
        for library in target.values():
            for kind in ("runtime", "native"):
                keep.update(os.path.basename(path) for path in library.get(kind, {}))
keep -= set(os.environ.get("LEAVE_OUT", "").split())
print("\n".join(sorted(name for name in keep if os.path.exists(os.path.join(folder, name)))))
PY
mkdir -p "$destination"
tar cf - -C "$unpacked" -T "$unpacked/.keep" | xz -9 -T2 > "$destination/build.txz"
for extra in "$source"/*; do [ "$(basename "$extra")" = build.txz ] || cp "$extra" "$destination/"; done
ls -la "$destination"
