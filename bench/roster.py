"""Benchmark: importing a county's roster of 1,000 branches in 10 townships, with its preview.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huayu_roster .venv/bin/python bench/roster.py [--branches 1000]
    .venv/bin/python bench/roster.py --allow-sqlite

Drops and creates the database (PostgreSQL) or file (SQLite), migrates, writes an .xlsx roster
as an office keeps it (title, header on row 3, the township merged down over its branches, phone
numbers as numbers, a 合计 row), then times, as the admin pages do them: the preview (read the
file, compare with the database: `read_roster` + `roster_plan`), the import (`roster_import`: 10
townships, 1,000 branches, 1,000 secretaries with one-time passwords, every step audited), and
a second preview and import of the same file (nothing changes). Bar: preview + import < 30 s.
Writes bench/out/roster.json.
"""

import argparse
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checklist import OUT, setup_django  # noqa: E402
from bench.county import database_url, ensure_database  # noqa: E402

BAR_SECONDS = 30


def roster_bytes(branches, townships=10):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["基准县党组织花名册"])
    sheet.append(["序号", "乡镇", "党支部名称", "类型", "党员人数", "示范点", "支部书记", "联系电话"])
    per = branches // townships
    for t in range(townships):
        first = sheet.max_row + 1
        for b in range(per):
            number = t * per + b + 1
            sheet.append([number, f"基准{t + 1}镇" if b == 0 else None, f"第{number}村党支部",
                          "社区" if b % 7 == 0 else "农村", 20 + b % 40, "是" if b % 25 == 0 else "否",
                          f"书记{number}", 13900000000 + number])
        sheet.merge_cells(start_row=first, end_row=sheet.max_row, start_column=2, end_column=2)
    sheet.append(["合计", None, None, None, "=SUM(E3:E1002)"])
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--allow-sqlite", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    import os

    if not os.environ.get("DATABASE_URL") and args.allow_sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'roster.sqlite3'}"
    url = database_url(args)
    ensure_database(url, fresh=True)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from assessment.importers.roster import read_roster
    from assessment.models import Branch, PendingPassword, User
    from assessment.services.roster import roster_import, roster_plan

    data = roster_bytes(args.branches)
    figures = {"branches": args.branches, "database": url.split(":")[0], "file_bytes": len(data)}
    for run in ("first", "again"):
        started = time.perf_counter()
        parsed = read_roster(data, filename="roster.xlsx")
        plan = roster_plan(parsed=parsed)
        preview = time.perf_counter() - started
        started = time.perf_counter()
        roster_import(parsed=read_roster(data, filename="roster.xlsx"))
        imported = time.perf_counter() - started
        figures[run] = {"preview_s": round(preview, 2), "import_s": round(imported, 2),
                        "total_s": round(preview + imported, 2), "summary": plan.summary()}
        print(f"{run}: preview {preview:.2f} s, import {imported:.2f} s — {plan.summary()}")
    figures["counts"] = {"branches": Branch.objects.count(), "users": User.objects.count(),
                         "pending_passwords": PendingPassword.objects.count()}
    figures["bar_s"] = BAR_SECONDS
    figures["ok"] = figures["first"]["total_s"] < BAR_SECONDS
    (OUT / "roster.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print(json.dumps(figures["counts"], ensure_ascii=False), "bar met" if figures["ok"] else "BAR MISSED")


if __name__ == "__main__":
    main()
