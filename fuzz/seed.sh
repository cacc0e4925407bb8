#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with starting inputs from the example site and
# the test fixtures, so the fuzzers begin from real documents.
set -euo pipefail
cd "$(dirname "$0")/.."
c=fuzz/corpus
mkdir -p "$c"/{front_matter,markdown,period,metric,site}
docs=$(find content tests/fixtures tests/invalid -name '*.md')
metrics=$(find content tests/fixtures tests/invalid -name '*.yaml' -path '*metrics*')
n=0
while IFS= read -r f; do
  n=$((n + 1))
  cp "$f" "$c/front_matter/doc$n"
  cp "$f" "$c/markdown/doc$n"
  # The site target's first byte picks the kind: 0 policy, 1 measure, 3 page.
  { printf '\000'; cat "$f"; } > "$c/site/doc$n"
done <<< "$docs"
while IFS= read -r f; do
  n=$((n + 1))
  cp "$f" "$c/metric/m$n"
  { printf '\002'; cat "$f"; } > "$c/site/m$n"
done <<< "$metrics"
for p in 2024 2025-Q1 2024-H2 2024-05 2024-02-29 2023-2025 '2023—2025' 2023年至2025年; do
  printf '%s' "$p" > "$c/period/$(printf '%s' "$p" | od -An -tx1 | tr -d ' \n')"
done
echo "seeded $(find "$c" -type f | wc -l) inputs"
