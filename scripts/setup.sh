#!/usr/bin/env bash
# Installs everything the app and its tests need on a fresh Debian machine:
# Chromium (for the browser tests), the generator's fonts, a venv with the pinned
# requirements, and npm packages.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if [ "${SKIP_BROWSER:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium for the browser tests"
  apt_install chromium fonts-dejavu-core
fi
# The street-number generator's typefaces (training and its tests; the app does not need them).
if [ "${SKIP_FONTS:-0}" != 1 ]; then
  scripts/install_fonts.sh
fi
if ! command -v npm >/dev/null; then
  echo "setup: installing Node.js and npm"
  apt_install nodejs npm
fi
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  echo "setup: installing python3-venv"
  apt_install python3-venv
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ requirements.txt -nt .venv/.installed ]; then
  echo "setup: installing pinned Python requirements (TensorFlow is large: a few minutes the first time)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/pip check
  touch .venv/.installed
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -f web/static/vendor/tf.min.js ]; then
  echo "setup: npm ci (TF.js from the lock file)"
  npm ci --no-audit --no-fund --loglevel=error
  node scripts/vendor_tfjs.mjs
elif [ scripts/vendor_tfjs.mjs -nt web/static/vendor/tf.min.js ]; then
  node scripts/vendor_tfjs.mjs  # which builds it copies changed; no need to download anything
fi
