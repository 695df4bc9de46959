#!/usr/bin/env bash
# Set up and run every test: apt packages for the real services, a venv, ruff, mypy, pytest.
# Usage: bash tests/run.sh [pytest args...]      (CI: .ci/run calls exactly this)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

# Real services the tests start themselves: dovecot (IMAP), mosquitto (MQTT), Chromium (dashboard),
# fonts so Korean/Japanese/Thai render in screenshots.
APT_PACKAGES=(python3-venv openssl systemd dovecot-imapd mosquitto mosquitto-clients chromium
              fonts-wqy-zenhei fonts-tlwg-garuda-ttf)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -q >/dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,train]' 2> >(grep -v 'is ignored' >&2)

.venv/bin/ruff check .
.venv/bin/mypy
export REQUIRE_SERVICES=1
exec .venv/bin/python -m pytest "$@"
