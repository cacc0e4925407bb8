#!/usr/bin/env bash
# Builds the inputs that once hit limits, and prints the time and the peak
# memory of each build: one 70 MB policy (a law collection in one file) and a
# list nested 3,000 levels deep (with block quotes and raw HTML, so the
# sanitizer's parser sees the depth too).
#
# usage: scripts/big_input.sh          PINAKES=path  a binary (default: release, built here)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMP:-/tmp}/pinakes-big.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "${PINAKES:-}" ]; then
  cargo build --release -q
  PINAKES=$PWD/target/release/pinakes
fi

python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
def site(name, file, text):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, "content/policies"), exist_ok=True)
    open(os.path.join(d, "site.toml"), "w").write('title = "big"\n')
    open(os.path.join(d, "content/policies", file), "w").write(text)

clause = "操纵证券、期货市场，情节严重的，依法追究刑事责任。"
parts, size, n = ["# 法律汇编\n\n"], 0, 0
while size < 70_000_000:
    n += 1
    if n % 50 == 0:
        line = f"## 第{n}章\n\n"
    elif n % 7 == 0:
        line = f"- 第{n}条：{clause}\n"
    else:
        line = f"第{n}条 {clause * 3}见[[法律汇编]]。\n\n"
    parts.append(line)
    size += len(line.encode())
site("70mb", "法律汇编.md", "".join(parts))

deep = ["# 深层列表\n\n<div>raw</div>\n\n"]
deep += ["  " * i + f"- 第{i}层 <b>粗</b>\n" for i in range(3000)]
deep.append("\n" + "> " * 3000 + "引用\n")
site("deep", "深层.md", "".join(deep))
PY

for s in 70mb deep; do
  size=$(du -sh "$work/$s/content" | cut -f1)
  /usr/bin/time -f "$s ($size): %e s wall, %M KB peak memory" \
    "$PINAKES" build --root "$work/$s" >/dev/null
done
