#!/usr/bin/env bash
# Creates .venv with the pinned Python tools from requirements.txt, unless it already matches
# that file. Never touches the system Python's packages.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# `scripts/venv.sh REQUIREMENTS VENV` builds another environment, such as checkov's.
requirements=$root/${1:-requirements.txt}
venv=$root/${2:-.venv}
stamp=$venv/.requirements.sha256

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "error: the tests need Python 3.10 or newer as \`$python\`; install it or set PYTHON" >&2
  exit 1
fi

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
  exit 0
fi

echo "installing the Python tools from ${requirements#"$root"/} into ${venv#"$root"/}" >&2
"$python" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
  --require-virtualenv -r "$requirements"
echo "$wanted" >"$stamp"
