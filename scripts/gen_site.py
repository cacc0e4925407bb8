#!/usr/bin/env python3
"""Generates a synthetic policy site for benchmarks.

usage: scripts/gen_site.py DIR [PAGES]

PAGES (default 10000) is split 20% policies, 60% measures, 20% metrics. Every
measure names a policy and two metrics, bodies carry wikilinks and CJK text,
metrics have eight quarters of values and a target — so links, backlinks and
taxonomies are exercised as in a real site.
"""
import os
import random
import sys

TEXT = ("推动工业经济高质量发展，加快数字化转型和绿色低碳转型，"
        "培育先进制造业集群，支持专精特新企业发展。")


def main():
    out = sys.argv[1]
    pages = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    n_pol, n_met = pages // 5, pages // 5
    n_mea = pages - n_pol - n_met
    rnd = random.Random(7)
    for sub in ("policies", "measures", "metrics"):
        os.makedirs(os.path.join(out, "content", sub), exist_ok=True)
    with open(os.path.join(out, "site.toml"), "w") as f:
        f.write('title = "基准站点"\nbase_url = "https://example.org/"\n'
                '[taxonomies]\ntags = "标签"\nissuer = "发文机关"\nstatus = "状态"\n')
    with open(os.path.join(out, "content", "_index.md"), "w") as f:
        f.write("---\ntitle: 首页\n---\n\n基准站点。\n")
    for i in range(n_pol):
        with open(os.path.join(out, "content", "policies", f"政策{i}.md"), "w") as f:
            f.write(f"---\ntitle: 关于推动第{i}项工作的意见\nissued: {2020 + i % 6}-0{1 + i % 9}\n"
                    f"issuer: [省政府办公厅{i % 12}]\nstatus: in-force\ntags: [标签{i % 40}, 工业]\n"
                    f"summary: 第{i}项政策的摘要。\n---\n\n")
            for h in range(3):
                f.write(f"## 第{h + 1}部分\n\n{TEXT * 3}\n\n- 要点一\n- 要点二\n\n")
            f.write(f"参见[[政策{(i + 1) % n_pol}]]。\n")
    for i in range(n_mea):
        p = rnd.randrange(n_pol)
        m1, m2 = rnd.randrange(n_met), rnd.randrange(n_met)
        with open(os.path.join(out, "content", "measures", f"措施{i}.md"), "w") as f:
            f.write(f"---\ntitle: 第{i}项措施\npolicy: 政策{p}\nmetrics: [指标{m1}, 指标{m2}]\n"
                    f"status: ongoing\ntags: [标签{i % 40}]\n---\n\n## 主要做法\n\n{TEXT * 2}\n\n"
                    f"落实[[政策{p}#第2部分]]，跟踪[[指标{m1}]]。\n")
    for i in range(n_met):
        with open(os.path.join(out, "content", "metrics", f"指标{i}.yaml"), "w") as f:
            f.write(f'title: 第{i}项指标\nunit: "%"\nbetter: higher\ncategory: 类别{i % 8}\n'
                    f"description: 指标说明，见[[政策{i % n_pol}]]。\nvalues:\n")
            for q in range(8):
                f.write(f'  - period: "{2023 + q // 4}-Q{q % 4 + 1}"\n    value: {rnd.randint(10, 90)}.{rnd.randint(0, 9)}\n')
            f.write(f'targets:\n  - period: "2025"\n    value: 95\n    set_by: 政策{i % n_pol}\n')


if __name__ == "__main__":
    main()
