#!/usr/bin/env bash
# From a fresh checkout: install everything, then spin a Slack clone on the
# embedded Postgres seeded with the acme-corp fixture. Extra arguments go to
# `asymkit spin` (e.g. --json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/asymkit spin slack --seed acme-corp "$@"
