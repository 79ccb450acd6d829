#!/usr/bin/env bash
# Install packages into a venv: with uv when the venv has it (several times faster than pip),
# else with pip. Usage: scripts/venv-install.sh VENV ARGS...
set -euo pipefail
venv="$1"
shift
if [ -x "$venv/bin/uv" ]; then
  exec "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" "$@"
fi
exec "$venv/bin/python" -m pip install --quiet "$@"
