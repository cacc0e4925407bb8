#!/usr/bin/env python3
"""Generates a law library for benchmarks: long documents without front matter.

usage: scripts/gen_law.py DIR [DOCS] [SEED] [--no-spaces]

DOCS (default 3500) Markdown files under DIR/content, in folders by level
(法律, 行政法规, 部门规章, 地方性法规/<省>, 司法解释, …). Each file is what a
converted law text looks like: `# 标题`, then `第一章` chapters and `第一条`
articles, no front matter. Sizes follow a real library's: median 14 KB, p90
29 KB, p99 62 KB, and one document of 310 KB. File names are Chinese, with
full-width and ASCII parentheses, dates such as `(2023-12-29)` and, for a few,
spaces (`--no-spaces` leaves those out). The same SEED (default 11) gives the
same library.
"""
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prose  # noqa: E402

# (folder, share of documents, title suffixes)
LEVELS = [
    ("宪法", 0.002, ["宪法"]),
    ("法律", 0.09, ["法", "法"]),
    ("行政法规", 0.16, ["条例", "实施条例", "暂行条例", "规定"]),
    ("部门规章", 0.24, ["办法", "管理办法", "规定", "实施细则"]),
    ("司法解释", 0.05, ["解释", "规定"]),
    ("地方性法规", 0.38, ["条例", "规定", "办法"]),
    ("地方政府规章", 0.078, ["办法", "规定"]),
]
PROVINCES = ["北京市", "上海市", "广东省", "浙江省", "江苏省", "四川省", "湖北省", "山东省", "河南省",
             "福建省", "湖南省", "安徽省", "陕西省", "云南省", "辽宁省", "重庆市"]
# Size quantiles in bytes: (cumulative share, size), interpolated in log space.
QUANTILES = [(0.0, 1_500), (0.10, 5_000), (0.50, 14_000), (0.90, 29_000),
             (0.99, 62_000), (0.999, 140_000), (1.0, 200_000)]
LARGEST = 310_000
NUMS = "〇一二三四五六七八九"


def cn(n):
    """1 -> 一, 12 -> 十二, 105 -> 一百零五 (as laws number articles)."""
    if n < 10:
        return NUMS[n]
    if n < 20:
        return "十" + (NUMS[n % 10] if n % 10 else "")
    if n < 100:
        return NUMS[n // 10] + "十" + (NUMS[n % 10] if n % 10 else "")
    big, unit, step = (1000, "千", 100) if n >= 1000 else (100, "百", 10)
    rest = n % big
    if rest == 0:
        tail = ""
    elif rest < step:
        tail = "零" + cn(rest)
    else:
        tail = cn(rest) if rest >= 20 else "一" + cn(rest)
    return NUMS[n // big] + unit + tail


def size_at(u):
    for (q0, s0), (q1, s1) in zip(QUANTILES, QUANTILES[1:]):
        if u <= q1:
            t = (u - q0) / (q1 - q0)
            return int(math.exp(math.log(s0) + t * (math.log(s1) - math.log(s0))))
    return QUANTILES[-1][1]


def article(rnd, n):
    text = f"第{cn(n)}条　{prose.paragraph(rnd, rnd.randint(1, 4))}"
    if rnd.random() < 0.2:
        text += "有下列情形之一的，依照本法有关规定处理：\n\n" + prose.items(rnd)
    return text + "\n\n"


def law_text(rnd, title, size):
    out = [f"# {title}\n\n"]
    if rnd.random() < 0.6:
        out.append(f"（{2000 + rnd.randrange(24)}年{1 + rnd.randrange(12)}月{1 + rnd.randrange(28)}日"
                   f"第{cn(1 + rnd.randrange(14))}届全国人民代表大会常务委员会第{cn(1 + rnd.randrange(30))}次会议通过）\n\n")
    n_art, chapter, total = 1, 1, sum(len(p.encode()) for p in out)
    per_chapter = max(5, size // 280 // rnd.randint(5, 12))
    middle = ["管理职责", "规划与建设", "监督检查", "保障措施", "服务与促进", "法律责任"]
    while total < size:
        if (n_art - 1) % per_chapter == 0 and n_art // per_chapter + 1 == chapter:
            last = total + 1500 > size
            name = "总则" if chapter == 1 else "附则" if last else middle[(chapter - 2) % len(middle)]
            piece = f"## 第{cn(chapter)}章　{name}\n\n"
            chapter += 1
        else:
            piece = article(rnd, n_art)
            n_art += 1
        out.append(piece)
        total += len(piece.encode())
    return "".join(out)


def file_name(rnd, i, title, spaces):
    date = f"{2000 + rnd.randrange(25)}-{1 + rnd.randrange(12):02d}-{1 + rnd.randrange(28):02d}"
    form = rnd.random()
    if form < 0.45:
        name = f"{title}({date})"
    elif form < 0.75:
        name = f"{title}（{date[:4]}年修正）"
    elif form < 0.9:
        name = f"{title}（{date[:4]}年修订）({date})"
    else:
        name = title
    if spaces and i % 97 == 0:
        name = name.replace("(", " (", 1) if "(" in name else name + " 附件"
    return name + ".md"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    spaces = "--no-spaces" not in sys.argv
    out = args[0]
    docs = int(args[1]) if len(args) > 1 else 3500
    rnd = random.Random(int(args[2]) if len(args) > 2 else 11)
    os.makedirs(os.path.join(out, "content"), exist_ok=True)
    with open(os.path.join(out, "site.toml"), "w") as f:
        f.write('title = "法规库"\nbase_url = "https://example.org/"\n')
    with open(os.path.join(out, "content", "_index.md"), "w") as f:
        f.write("---\ntitle: 法规库\n---\n\n法律、行政法规、部门规章和地方性法规。\n")
    sizes = [size_at((k + 0.5) / docs) for k in range(docs)]
    sizes[-1] = LARGEST
    rnd.shuffle(sizes)
    used = set()
    for i, size in enumerate(sizes):
        u, acc = rnd.random(), 0.0
        for folder, share, suffixes in LEVELS:
            acc += share
            if u <= acc:
                break
        region = rnd.choice(PROVINCES) if folder.startswith("地方") else ""
        title = (f"{region}{'中华人民共和国' if folder == '法律' else ''}"
                 f"{prose.noun(rnd)}{rnd.choice(prose.OBJECTS)}{rnd.choice(suffixes)}")
        name = file_name(rnd, i, title, spaces)
        # A page's id is its file name, unique across the library.
        while name in used:
            name = name[:-3] + f"（第{cn(len(used) % 100 + 1)}号）.md"
        used.add(name)
        path = os.path.join(out, "content", folder, region, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(law_text(rnd, title, size))


if __name__ == "__main__":
    main()
