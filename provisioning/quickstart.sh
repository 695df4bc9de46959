#!/usr/bin/env bash
# Set up and run the gateway on embedded defaults: SQLite, a local spool folder for mail, no LLM.
# Usage: bash provisioning/quickstart.sh [DIR]   (DIR defaults to ./local; drop .eml files in DIR/data/spool)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DIR=${1:-local}
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -m venv --help >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2> >(grep -v 'is ignored' >&2)
[ -f "$DIR/busybee.toml" ] || .venv/bin/busybee init "$DIR"
echo "dashboard: http://127.0.0.1:8080  |  drop .eml files into $DIR/data/spool  |  Ctrl-C stops" >&2
exec .venv/bin/busybee --config "$DIR/busybee.toml" run
