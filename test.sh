#!/usr/bin/env bash
# The one test command: on a fresh Debian 12 machine (as root) it installs what is missing, then builds
# the module and runs both suites against real services. Prints "N passed, N failed"; exits 1 on failure.
set -euo pipefail
cd "$(dirname "$0")"
./tools/bootstrap.sh
exec dotnet pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Test "$@"
