#!/usr/bin/env python3
"""Generates a synthetic policy site for benchmarks.

usage: scripts/gen_site.py DIR [PAGES] [SEED]

PAGES (default 10000) is split 15% policies, 60% measures, 25% metrics.
Bodies are 2-4 KB of varied Chinese prose (see prose.py) with headings,
lists, a table, and 3-6 wikilinks; pages carry tags, issuers and statuses;
metrics have eight quarters of values and a target. The same SEED (default
7) gives the same site.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prose  # noqa: E402

ISSUERS = ["省人民政府", "省政府办公厅", "省发展改革委", "省工业和信息化厅", "省科技厅",
           "省财政厅", "省生态环境厅", "省商务厅", "省市场监管局", "省统计局", "省教育厅", "省卫生健康委"]
POLICY_STATUS = ["in-force", "in-force", "in-force", "expired", "superseded"]
MEASURE_STATUS = ["ongoing", "ongoing", "completed", "planned", "suspended"]


def body(rnd, links, heads):
    """Headings with prose, a list and a table; `links` are spread over it."""
    out = []
    links = list(links)
    for h, head in enumerate(heads):
        out.append(f"## {head}\n\n{prose.paragraph(rnd)}")
        if links:
            out.append(f"详见{links.pop()}。")
        out.append("\n\n")
        if h == 0:
            out.append("".join(f"- {prose.sentence(rnd)}\n" for _ in range(rnd.randint(2, 4))) + "\n")
        if h == 1:
            out.append("| 项目 | 目标 | 责任单位 |\n|---|---|---|\n")
            for _ in range(rnd.randint(2, 4)):
                out.append(f"| {prose.noun(rnd)} | {rnd.randint(10, 95)}% | {rnd.choice(ISSUERS)} |\n")
            out.append("\n")
        out.append(prose.paragraph(rnd) + "\n\n")
    out.append("".join(f"参见{link}。\n" for link in links))
    return "".join(out)


def main():
    out = sys.argv[1]
    pages = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    n_pol, n_met = max(1, pages * 15 // 100), max(1, pages // 4)
    n_mea = pages - n_pol - n_met
    for sub in ("policies", "measures", "metrics"):
        os.makedirs(os.path.join(out, "content", sub), exist_ok=True)
    with open(os.path.join(out, "site.toml"), "w") as f:
        f.write('title = "基准站点"\nbase_url = "https://example.org/"\n'
                '[taxonomies]\ntags = "标签"\nissuer = "发文机关"\nstatus = "状态"\n')
    with open(os.path.join(out, "content", "_index.md"), "w") as f:
        f.write("---\ntitle: 首页\n---\n\n基准站点。\n")
    for i in range(n_pol):
        links = [f"[[政策{rnd.randrange(n_pol)}]]" for _ in range(rnd.randint(1, 2))]
        links += [f"[[指标{rnd.randrange(n_met)}]]" for _ in range(rnd.randint(2, 3))]
        noun = prose.noun(rnd)
        with open(os.path.join(out, "content", "policies", f"政策{i}.md"), "w") as f:
            f.write(f"---\ntitle: 关于加快{noun}发展的若干意见（第{i}号）\n"
                    f"issued: {2018 + i % 8}-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
                    f"issuer: [{rnd.choice(ISSUERS)}]\nstatus: {rnd.choice(POLICY_STATUS)}\n"
                    f"tags: [{noun}, 标签{i % 40}]\nsummary: {prose.sentence(rnd)}\n---\n\n")
            f.write(body(rnd, links, ["总体要求", "主要任务", "保障措施", "组织实施"][: rnd.randint(3, 4)]))
    for i in range(n_mea):
        p = rnd.randrange(n_pol)
        m1, m2 = rnd.randrange(n_met), rnd.randrange(n_met)
        links = [f"[[政策{p}#主要任务]]", f"[[指标{m1}]]", f"[[指标{m2}]]"]
        links += [f"[[措施{rnd.randrange(n_mea)}]]" for _ in range(rnd.randint(0, 3))]
        with open(os.path.join(out, "content", "measures", f"措施{i}.md"), "w") as f:
            f.write(f"---\ntitle: {prose.noun(rnd)}专项行动第{i}项措施\npolicy: 政策{p}\n"
                    f"metrics: [指标{m1}, 指标{m2}]\nowner: {rnd.choice(ISSUERS)}\n"
                    f"status: {rnd.choice(MEASURE_STATUS)}\ntags: [标签{i % 40}]\n---\n\n")
            f.write(body(rnd, links, ["主要做法", "进展情况", "下一步安排"]))
    for i in range(n_met):
        with open(os.path.join(out, "content", "metrics", f"指标{i}.yaml"), "w") as f:
            f.write(f'title: {prose.noun(rnd)}指标{i}\nunit: "%"\nbetter: higher\ncategory: 类别{i % 8}\n'
                    f"description: {prose.sentence(rnd)}见[[政策{i % n_pol}]]。\nvalues:\n")
            for q in range(8):
                f.write(f'  - period: "{2023 + q // 4}-Q{q % 4 + 1}"\n'
                        f'    value: {rnd.randint(10, 90)}.{rnd.randint(0, 9)}\n')
            f.write(f'targets:\n  - period: "2025"\n    value: 95\n    set_by: 政策{i % n_pol}\n')


if __name__ == "__main__":
    main()
