#!/usr/bin/env bash
# The test command: installs the pinned test tools (DuckDB, hyparquet, Azurite) and runs every test project.
# Needs: .NET SDK 10, Node.js 20+, PostgreSQL 15 binaries (/usr/lib/postgresql/*/bin), and ../shared beside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d tests/tools/node_modules ] || [ tests/tools/package-lock.json -nt tests/tools/node_modules ]; then
  (cd tests/tools && npm ci --no-audit --no-fund --loglevel=error)
fi
status=0
# A test that hangs fails after 15 minutes with its name in the log (and a dump), instead of running CI out of time.
dotnet test Clustering.sln -c Release --logger "console;verbosity=minimal" --blame-hang-timeout 15m --blame-hang-dump-type none "$@" || status=$?
echo "tests/run.sh: $((SECONDS / 60)) m $((SECONDS % 60)) s (exit $status)"
exit $status
