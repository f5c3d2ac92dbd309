"""The floor of the checklist benchmark: the same 56 rows the checklist shows, rendered
from memory by a bare Django template with hand-written inputs. No database, no login,
no forms library: what the page would cost if the app did nothing but render it.

The rows are read once, at import, from the JSON file named by BENCH_FLOOR_ROWS
(bench/checklist.py writes it from the seeded standard, so both pages show the same
texts); without it, 7 areas of 8 made-up items.
"""

import json
import os

from django.shortcuts import render


def _made_up_rows():
    rows = []
    for a in range(1, 8):
        for i in range(1, 9):
            n = (a - 1) * 8 + i
            rows.append({
                "area": f"第{a}方面 组织建设规范化",
                "number": n,
                "content": f"第{n}项：按照党章和党内法规要求，规范开展支部工作，做到制度健全、记录完整、资料齐备。",
                "criteria": "未按要求开展的扣1分；记录不完整的扣0.5分；资料不齐备的酌情扣分，扣完为止。",
                "check_method": "查阅资料、实地查看",
                "evidence": "会议记录、签到表、照片",
                "points": "2",
                "score": "2" if n % 2 else "",
                "note": "已按要求开展" if n % 2 else "",
            })
    return rows


def _load():
    path = os.environ.get("BENCH_FLOOR_ROWS")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
    else:
        rows = _made_up_rows()
    areas, by_name = [], {}
    for row in rows:
        if row["area"] not in by_name:
            by_name[row["area"]] = {"name": row["area"], "rows": []}
            areas.append(by_name[row["area"]])
        by_name[row["area"]]["rows"].append(row)
    return areas


AREAS = _load()


def floor(request):
    return render(request, "bench/floor.html", {"areas": AREAS})
