#!/usr/bin/env bash
# Writes the lock files from pyproject.toml, with every package's hashes, for any
# platform on Python 3.11 and newer:
#   requirements/base.txt   the server (with the uvicorn extra): the container, ./dev serve
#   requirements/dev.txt    the same versions plus the dev extra: ./dev test, CI, the audit
#
#   requirements/lock.sh                          after editing pyproject.toml (keeps other pins)
#   requirements/lock.sh --upgrade                every package to its newest allowed release
#   requirements/lock.sh --upgrade-package NAME   one package
#
# uv comes with the dev extra (./dev test installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
compile() {
  "$UV" pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "requirements/lock.sh" "$@"
}
compile --extra uvicorn -o requirements/base.txt "$@"
compile --extra uvicorn --extra dev --constraint requirements/base.txt -o requirements/dev.txt "$@"
