#!/usr/bin/env bash
# The main job, end to end on a fresh machine: builds the module, starts a local stack on loopback
# (PostgreSQL, Redis, an HTTP API with /health/ready), runs samples/portfolio-advisor.ps1 in pwsh,
# prints the health table, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")"
./tools/bootstrap.sh
exec dotnet pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Demo
