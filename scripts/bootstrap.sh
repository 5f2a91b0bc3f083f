#!/usr/bin/env bash
# Sets up a fresh Debian machine for this project: the system programs the engine and its tests use,
# then the npm dependencies (which bring Node 24 into node_modules/.bin; `npm run` puts it first on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

# redis-server and postgresql: the queue-mode end-to-end test starts throwaway instances of each.
debian_packages=(ffmpeg nginx libnginx-mod-rtmp redis-server postgresql)
missing=()
for package in "${debian_packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "Installing ${missing[*]} from Debian..."
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# onnxruntime-node's install step would download CUDA binaries; its CPU binaries are already in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
if [[ -f package-lock.json ]]; then
	npm ci --no-audit --no-fund --loglevel=error
else
	npm install --no-audit --no-fund --loglevel=error
fi

node_version=$(node_modules/.bin/node --version)
echo "Ready: Node ${node_version} in node_modules/.bin, $(ffmpeg -version | head -n 1 | cut -d' ' -f1-3)."
