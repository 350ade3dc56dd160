#!/usr/bin/env bash
# Sets up what one role needs on a fresh Debian machine, and nothing more:
#   scripts/setup.sh run   serving the app: a venv with the runtime dependencies (LiteRT reads the models,
#                          no TensorFlow), npm packages (TF.js)
#   scripts/setup.sh all   also training and tests: the `train` and `dev` extras, the generator's fonts
#                          and Chromium for the browser tests
# Every Python package comes pinned from requirements.txt (made by pip-tools from pyproject.toml's
# lists: `make lock`). Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
role="${1:-all}"
case "$role" in
  run) extras="" size="" ;;
  all) extras="[train,dev]" size=" (TensorFlow is large: a few minutes the first time)" ;;
  *) echo "usage: scripts/setup.sh run|all" >&2; exit 2 ;;
esac

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if [ "$role" = all ]; then
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt_install chromium fonts-dejavu-core
  fi
  scripts/install_fonts.sh  # the street-number generator's typefaces (training and its tests)
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
stamp=".venv/.installed-$role"
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the pinned Python packages for '$role'$size"
  .venv/bin/pip install -q --disable-pip-version-check -c requirements.txt -e ".$extras"
  .venv/bin/pip check
  touch "$stamp"
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -f web/static/vendor/tf-base.min.js ]; then
  echo "setup: npm ci (TF.js from the lock file)"
  npm ci --no-audit --no-fund --loglevel=error
  node scripts/vendor_tfjs.mjs
elif [ scripts/vendor_tfjs.mjs -nt web/static/vendor/tf-base.min.js ] \
     || [ scripts/tfjs_base.mjs -nt web/static/vendor/tf-base.min.js ]; then
  node scripts/vendor_tfjs.mjs  # what it builds or copies changed; no need to download anything
fi
# The pages load our modules bundled (scripts/build_js.mjs, also run by npm ci): again when a module changed.
if [ ! -f web/static/build/readerWorker.js ] \
   || [ -n "$(find web/static/js scripts/build_js.mjs -newer web/static/build/readerWorker.js -print -quit)" ]; then
  node scripts/build_js.mjs
fi
