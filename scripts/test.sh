#!/usr/bin/env bash
# `npm test`: provisions the services the tests need, builds, runs every test with real services,
# and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/services/install.sh || exit 1
npm run --silent build || { echo "build failed" >&2; exit 1; }
mkdir -p .tmp
rm -f .tmp/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json "$@"
rc=$?
node scripts/test-summary.mjs .tmp/vitest.json || rc=1
exit $rc
