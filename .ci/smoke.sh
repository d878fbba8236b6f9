#!/usr/bin/env bash
# Install the built wheel into fresh virtual environments in a temporary folder, away from the
# checkout (no spec/, no ../shared, no editable paths), and check what a user gets:
#   (a) client only: only the runtime dependencies; the client works; the extras are named
#   (b) [mock]: the client against the in-process mock; issuetrak-mock serving on loopback
#   (c) [contract]: issuetrak contract on a few operations against the embedded mock
# usage: bash .ci/smoke.sh DIST_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dist="$(cd "${1:?usage: smoke.sh DIST_DIR}" && pwd)"
wheels=("$dist"/issuetrak-*.whl)
[ "${#wheels[@]}" -eq 1 ] && [ -f "${wheels[0]}" ] || { echo "smoke: expected one wheel in $dist" >&2; exit 2; }
wheel="${wheels[0]}"
python="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/issuetrak-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$here/smoke.py" "$work/"
cd "$work"
# nothing may point back into a checkout or at a vendor document
unset ISSUETRAK_SPEC ISSUETRAK_PROJECT_ROOT ISSUETRAK_SPEC_LABEL ISSUETRAK_SITE ISSUETRAK_TOKEN PYTHONPATH

echo "== (a) client only: pip install $(basename "$wheel")"
"$python" -m venv client
client/bin/python -m pip install --quiet --disable-pip-version-check "$wheel"
client/bin/python -m pip list --disable-pip-version-check
client/bin/python smoke.py client
client/bin/python -m pip install --quiet --disable-pip-version-check pytest   # pytest alone, not [mock]
client/bin/python smoke.py plugin

echo "== (b) with [mock]"
"$python" -m venv full
full/bin/python -m pip install --quiet --disable-pip-version-check "${wheel}[mock]"
full/bin/python smoke.py mock

echo "== (c) with [contract]"
full/bin/python -m pip install --quiet --disable-pip-version-check "${wheel}[contract]"
full/bin/python smoke.py contract
echo "smoke: all checks passed"
