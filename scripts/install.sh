#!/usr/bin/env bash
# Install asymkit and its development tools into ./.venv (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
# The review page's browser test drives the system's Chromium (Debian's package): install
# it (and an emoji font for the screenshot) when it is missing and we may (root), quietly;
# elsewhere the test skips, saying why (in CI it fails).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji) \
        >/dev/null 2>&1 || echo "install.sh: could not install chromium (the browser test will skip)" >&2
fi
