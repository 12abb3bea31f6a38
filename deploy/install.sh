#!/bin/sh
# The container's install step (Dockerfile), which CI runs too (tests/package):
#
#   deploy/install.sh VENV STATIC_ROOT
#
# from the checkout: makes a virtual environment at VENV, installs the server's locked
# dependencies into it (requirements/base.txt, every hash checked), builds this project
# as a wheel and installs that (not an editable checkout), and collects the static files
# for production into STATIC_ROOT (hashed names, compressed). The server then starts with
# the Dockerfile's CMD from VENV/bin, with STATIC_ROOT set to the same folder.
set -eu
if [ $# -ne 2 ]; then
  echo "usage: deploy/install.sh VENV STATIC_ROOT" >&2
  exit 2
fi
venv=$1
static_root=$2
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT

"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --require-hashes -r requirements/base.txt
"$venv/bin/python" -m pip wheel --quiet --no-deps --wheel-dir "$wheels" .
"$venv/bin/python" -m pip install --quiet --no-deps "$wheels"/game_server-*.whl
# Production settings refuse to load without a key and a host; neither is kept.
DEBUG=False SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost STATIC_ROOT="$static_root" \
  "$venv/bin/game-server" collectstatic --noinput --verbosity 0
