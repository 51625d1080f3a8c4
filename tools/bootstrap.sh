#!/usr/bin/env bash
# Installs what the tests and the demo need and is missing: Debian packages (as root), pwsh from the
# tool manifest, Pester and the other test tools from NuGet. Says which package is missing when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
command -v redis-server >/dev/null || packages+=(redis-server)
command -v redis-cli >/dev/null || packages+=(redis-tools)
command -v dockerd >/dev/null || packages+=(docker.io)
{ [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static; } || packages+=(busybox-static)
command -v curl >/dev/null || packages+=(curl)
command -v file >/dev/null || packages+=(file)
command -v setpriv >/dev/null || packages+=(util-linux)
command -v prometheus >/dev/null || packages+=(prometheus)
command -v jq >/dev/null || packages+=(jq)

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${packages[*]}. Install them as root: apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  echo "Installing: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || { echo "apt-get update failed; cannot install ${packages[*]}" >&2; exit 1; }
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

dotnet tool restore >/dev/null
dotnet restore tests/tools/tools.csproj --verbosity quiet
