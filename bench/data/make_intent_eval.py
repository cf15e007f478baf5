"""Judged queries typed the way new users type them (issue #14), in five classes.

    .venv/bin/python bench/data/make_intent_eval.py      # rewrites queries_intent.jsonl

Classes: ``abbreviation`` (an English abbreviation or name, or a short form, of something the
texts name in Chinese — or the other way round), ``synonym`` (another word for the texts'
term), ``question`` (a sentence: 有没有……的需求, 寻找做……的团队), ``partial`` (a term plus a
generic word the texts do not contain) and ``typo`` (a common input slip: same sound or same
shape). Relevance comes from the concepts tagged on each document (challenges.jsonl,
profiles.jsonl), by the same rules as make_eval.py, never from running a search engine.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

QUERIES = {
    "abbreviation": [
        ("CNC 热误差", [(2, ["数控机床", "热误差"]), (1, ["数控机床"])]),
        ("3D打印", [(2, ["增材制造"])]),
        ("IoT", [(2, ["物联网"])]),
        ("AI", [(2, ["人工智能"])]),
        ("EV 热管理", [(2, ["新能源汽车", "热管理"]), (1, ["新能源汽车"])]),
        ("电池管理系统", [(2, ["BMS"])]),
        ("CFRP", [(2, ["碳纤维"]), (1, ["复合材料"])]),
        ("玻纤", [(2, ["玻璃纤维"])]),
        ("PdM", [(2, ["预测性维护"])]),
        ("IIoT", [(2, ["工业互联网"])]),
        ("LLM", [(2, ["大模型"])]),
        ("挥发性有机物", [(2, ["VOC"])]),
        ("LiDAR", [(2, ["激光雷达"])]),
        ("PV 组件", [(2, ["光伏组件"]), (1, ["光伏"])]),
    ],
    "synonym": [
        ("太阳能电池", [(2, ["光伏电池"]), (1, ["光伏"])]),
        ("锂离子电池", [(2, ["锂电池"])]),
        ("电动汽车 轻量化", [(2, ["新能源汽车", "轻量化"]), (1, ["新能源汽车"])]),
        ("三维打印", [(2, ["增材制造"])]),
        ("减速机", [(2, ["减速器"])]),
        ("瑕疵检测", [(2, ["缺陷检测"])]),
        ("果蔬保鲜", [(2, ["保鲜"])]),
        ("橘子 保鲜", [(2, ["柑橘", "保鲜"]), (1, ["柑橘"])]),
        ("机械臂", [(2, ["机器人"])]),
        ("注射成型 缺陷", [(2, ["注塑", "缺陷检测"]), (1, ["注塑缺陷"]), (1, ["注塑"])]),
        ("钨钢 刀具", [(2, ["硬质合金", "刀具"]), (1, ["硬质合金"])]),
        ("数字双胞胎", [(2, ["数字孪生"])]),
        ("生产执行系统", [(2, ["MES"])]),
    ],
    "question": [
        ("有没有钠离子电池方面的需求", [(2, ["钠离子电池"]), (1, ["电池材料"])]),
        ("寻找做激光焊接的团队", [(2, ["激光", "焊接"])]),
        ("关于眼镜镀膜的榜单", [(2, ["眼镜", "镀膜"]), (1, ["眼镜"]), (1, ["镀膜"])]),
        ("有哪些数控机床热误差的任务", [(2, ["数控机床", "热误差"]), (1, ["数控机床"])]),
        ("求做柑橘保鲜的单位", [(2, ["柑橘", "保鲜"]), (1, ["柑橘"])]),
        ("有没有高盐废水零排放的项目", [(2, ["高盐废水"]), (1, ["零排放"])]),
        ("寻找从事连续流硝化的团队", [(2, ["连续流", "硝化"]), (1, ["连续流"])]),
        ("请问有没有预测性维护相关的需求", [(2, ["预测性维护"])]),
        ("想找做石墨烯导热的合作团队", [(2, ["石墨烯", "导热"]), (1, ["石墨烯"])]),
        ("关于亚硝胺杂质的榜单", [(2, ["亚硝胺"]), (1, ["杂质"])]),
        ("有没有做缝纫机的团队", [(2, ["缝纫机"])]),
        ("寻找固态电池方面的任务", [(2, ["固态电池"])]),
        ("有无镁合金压铸的需求", [(2, ["镁合金", "压铸"]), (1, ["压铸"]), (1, ["镁合金"])]),
    ],
    "partial": [
        ("钛合金 解决方案", [(2, ["钛合金"])]),
        ("热泵 最新技术", [(2, ["热泵"])]),
        ("减速器 国产化方案", [(2, ["减速器"])]),
        ("微反应器 工艺包", [(2, ["微反应器"])]),
        ("摩擦材料 综合评估", [(2, ["摩擦材料"])]),
        ("激光雷达 整体方案", [(2, ["激光雷达"])]),
        ("酶催化 合作机会", [(2, ["酶催化"])]),
        ("户外家具 高端定制", [(2, ["户外家具"])]),
        ("TR90 镜架 创新", [(2, ["TR90"])]),
        ("随形冷却 模具 专家咨询", [(2, ["随形冷却"]), (1, ["模具"])]),
        ("氟硅橡胶 推广", [(2, ["氟硅橡胶"])]),
        ("杨梅 速冻 品牌", [(2, ["杨梅", "速冻"]), (1, ["杨梅"]), (1, ["速冻"])]),
        ("缓释制剂 全流程服务", [(2, ["缓释"])]),
    ],
    "typo": [
        ("弗橡胶", [(2, ["氟橡胶"])]),
        ("钛合全", [(2, ["钛合金"])]),
        ("碳纤唯", [(2, ["碳纤维"])]),
        ("锂电地", [(2, ["锂电池"])]),
        ("亚硝按", [(2, ["亚硝胺"])]),
        ("石墨稀", [(2, ["石墨烯"])]),
        ("硬质和金", [(2, ["硬质合金"])]),
        ("镁合金压祷", [(2, ["镁合金", "压铸"]), (1, ["压铸"]), (1, ["镁合金"])]),
        ("摩檫材料", [(2, ["摩擦材料"])]),
        ("氟硅像胶", [(2, ["氟硅橡胶"])]),
        ("数控机床热误查", [(2, ["数控机床", "热误差"]), (1, ["数控机床"])]),
        ("高温和金", [(2, ["高温合金"])]),
        ("激光焊按", [(2, ["激光", "焊接"])]),
    ],
}


def judge(tags: dict[str, int], rules) -> int:
    best = 0
    for cap, concepts in rules:
        best = max(best, min([cap] + [tags.get(c, 0) for c in concepts]))
    return best


def main() -> int:
    docs = []
    for name, kind in (("challenges.jsonl", "challenge"), ("profiles.jsonl", "profile")):
        for line in (HERE / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = json.loads(line)
                docs.append((f"{kind}:{doc['id']}", doc["concepts"]))
    lines = []
    n = 0
    for kind, queries in QUERIES.items():
        for text, rules in queries:
            n += 1
            relevant = {key: g for key, tags in docs if (g := judge(tags, rules))}
            assert relevant, text
            lines.append(json.dumps({
                "id": f"i{n:02d}", "kinds": [kind], "note": "", "query": text,
                "relevant": dict(sorted(relevant.items())), "rules": [[g, c] for g, c in rules],
            }, ensure_ascii=False))  # fmt: skip
    (HERE / "queries_intent.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{n} queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
