#!/usr/bin/env bash
# Lint, type-check and run the whole test suite (installing first if needed).
# Arguments go to pytest. Exits non-zero on any failure, including "no tests ran".
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pytest ]; then
    bash scripts/install.sh
fi
.venv/bin/ruff check asymkit tests benchmarks
.venv/bin/ruff format --check asymkit tests benchmarks
.venv/bin/mypy
# The bundled Slack and Linear clones are templates, type-checked on their own (they never
# import asymkit).
(cd asymkit/templates/slack && ../../../.venv/bin/mypy --strict --python-version 3.10 -p slack_clone)
(cd asymkit/templates/linear && ../../../.venv/bin/mypy --strict --python-version 3.10 -p linear_clone)
# The Linear template's review renderer runs in the SDK's process (it imports asymkit).
(cd asymkit/templates/linear && ../../../.venv/bin/mypy --strict --python-version 3.10 linear_review.py)
# Coverage of the SDK in this process (the clone apps and CLI subprocesses run apart).
# One worker per core (pytest-xdist), each with its own ASYMKIT_HOME and embedded Postgres.
.venv/bin/pytest -n auto --cov --cov-report=term:skip-covered "$@"
