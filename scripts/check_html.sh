#!/usr/bin/env bash
# Builds the example site, each test fixture site and the user guide, then
# runs the Nu HTML Checker (vnu) over every page they hold. Exits non-zero on
# any error. Installs what it needs when missing: the checker (npm package
# vnu-jar, kept under target/tools/) and Java (Debian's default-jre-headless).
#
# usage: scripts/check_html.sh [PINAKES_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/tools
jar=$tools/node_modules/vnu-jar/build/dist/vnu.jar

if [ ! -f "$jar" ]; then
  echo "== installing the Nu HTML Checker"
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --ignore-scripts vnu-jar >/dev/null
fi
if ! command -v java >/dev/null 2>&1; then
  echo "== installing java"
  apt-get update && apt-get install -y default-jre-headless
fi

bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --locked -q
  bin=target/release/pinakes
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The real-world fixture gets, as its tests give it, a file whose name
# (`?`) cannot be kept in the repository on every system.
cp -r tests/fixtures "$work.src"
printf '# 为什么\n\n正文。\n' > "$work.src/real-world/content/policies/为什么?.md"
sites=(. docs "$work.src"/*/)
for site in "${sites[@]}"; do
  name=$(basename "$(realpath "$site")")
  "$bin" build --root "$site" --output "$work/$name" >/dev/null
done
rm -rf "$work.src"

pages=$(find "$work" -name '*.html' | wc -l)
echo "== Nu HTML Checker: $pages pages of ${#sites[@]} sites"
if java -jar "$jar" --errors-only --skip-non-html --format gnu "$work" 2>"$work.log"; then
  echo "ok: $pages pages, 0 errors"
  rm -f "$work.log"
else
  sed "s|$work/||" "$work.log"
  echo "FAIL: $(grep -c ':' "$work.log") errors in $pages pages"
  rm -f "$work.log"
  exit 1
fi
