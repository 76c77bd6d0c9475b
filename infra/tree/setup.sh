#!/usr/bin/env bash
# A Python virtual environment with LightGBM for the tree reference (`npm run bench:tree`), from the pins in
# requirements.txt, at ${HS_CACHE_DIR:-~/.cache/headstream}/tree-venv. Idempotent; prints the interpreter's path.
#
#   bash infra/tree/setup.sh [--force]
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${HS_CACHE_DIR:-$HOME/.cache/headstream}/tree-venv"
log() { printf '[tree] %s\n' "$*" >&2; }
case "${1:-}" in
  --force) rm -rf "$VENV" ;;
  '') ;;
  *) log "unknown option '$1' (bash infra/tree/setup.sh [--force])"; exit 2 ;;
esac
command -v python3 >/dev/null || { log 'FAILED: python3 is not on PATH'; exit 1; }
if ! "$VENV/bin/python" -c 'import lightgbm' 2>/dev/null; then
  log "creating $VENV"
  python3 -m venv "$VENV" || { log "FAILED: python3 -m venv (on Debian: apt install python3-venv)"; exit 1; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$SCRIPT_DIR/requirements.txt" >&2
fi
"$VENV/bin/python" -c 'import lightgbm, numpy; print(f"[tree] lightgbm {lightgbm.__version__}, numpy {numpy.__version__}", file=__import__("sys").stderr)'
echo "$VENV/bin/python"
