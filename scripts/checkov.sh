#!/usr/bin/env bash
# Runs checkov over every generated template, with its network features off, and fails on any
# failed check. Each template's passed, failed and skipped counts are printed; skipped checks
# carry their reasons in the resources' Metadata.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/venv.sh" requirements-checkov.txt .venv-checkov
checkov=$root/.venv-checkov/bin/checkov

status=0
for template in "$root"/out/bootstrap.template.json "$root"/out/*/auth.template.json; do
  relative=${template#"$root"/}
  # --skip-download and BC_SKIP_MAPPING keep checkov from calling the Prisma Cloud API, and
  # CKV_SKIP_PACKAGE_UPDATE_CHECK from asking PyPI for a newer checkov on every run.
  if output=$(BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE "$checkov" --skip-download --framework cloudformation \
    --compact --file "$template" 2>&1); then
    failed=0
  else
    failed=1
    status=1
  fi
  summary=$(grep -E '^Passed checks' <<<"$output" || true)
  echo "$relative: ${summary:-no checks ran}"
  if [[ $failed -eq 1 ]]; then
    grep -E 'Check:|FAILED' <<<"$output" >&2 || echo "$output" >&2
  fi
done
exit "$status"
