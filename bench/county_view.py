"""Benchmark: the county's view (县委组织部) on PostgreSQL: 1,000 branches in 10 townships.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huayu_county_view .venv/bin/python bench/county_view.py \\
        [--townships 10] [--branches 1000] [--repeat 15] [--fresh]

1. Creates the database if needed (--fresh: drops it first), migrates, and seeds with
   bulk_create: the default standard (56 items) issued by the county 基准县, --townships
   townships sharing --branches branches, the county user, and two county rounds: last year's
   and this year's, each one published round per township (every branch scored on site, a few
   deductions, a few vetoes, rectification items, some overdue). Running it again with the same
   sizes reuses the data.
2. Starts gunicorn (bench/checklist.py's Server), logs in as the county user and GETs the
   county round's progress page, the ranking across the county (first and last page) and the
   county's home --repeat times after a warm-up: the median of the server's own time
   (Server-Timing) and the client's median and p95; the queries of one in-process request.
   Bar: progress and ranking median server time < 150 ms.
3. Prints the figures and writes them to bench/out/county_view.json.
"""

import argparse
import datetime
import json
import os
import random
import shlex
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checklist import OUT, PASSWORD, Server, default_standard, login, setup_django  # noqa: E402
from bench.county import database_url, ensure_database, in_process, p95, timed_gets  # noqa: E402

COUNTY = "基准县"
USER = "bench_xian"
PAGE_BAR_MS = 150
SEED = 2019
ROUNDS = ((lambda year: year - 1, "上年度全县考核"), (lambda year: year, "本年度全县考核"))


def seed(townships, branches):
    """The county's data; reused when seeded with the same sizes. Returns (county round, seconds, reused)."""
    import contextlib
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from assessment.models import (
        Assessment, Branch, County, CountyRound, Phase, Rectification, RectificationStatus, Role, Round, Score,
        Status, Township, User, VetoFinding,
    )

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    with contextlib.redirect_stdout(io.StringIO()):
        standard = default_standard()
    county = County.objects.filter(name=COUNTY).first()
    current = CountyRound.objects.filter(county=county, name=ROUNDS[1][1]).first() if county else None
    if current and Branch.objects.filter(township__county=county).count() == branches \
            and Township.objects.filter(county=county).count() == townships:
        user = User.objects.get(username=USER)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return current, time.perf_counter() - started, True

    from assessment.audit import guard_lifted
    from django.db import connection

    rng = random.Random(SEED)
    today = timezone.localdate()
    at = timezone.now()
    items = list(standard.items.order_by("number"))
    veto = standard.vetoes.first()
    with transaction.atomic(), guard_lifted(connection):
        if county:  # another size: this county's data goes, nothing else
            rounds = Round.objects.filter(township__county=county)
            Rectification.objects.filter(assessment__round__in=rounds).delete()
            VetoFinding.objects.filter(assessment__round__in=rounds).delete()
            Score.objects.filter(assessment__round__in=rounds).delete()
            Assessment.objects.filter(round__in=rounds).delete()
            rounds.delete()
            CountyRound.objects.filter(county=county).delete()
            User.objects.filter(county=county).delete()
            User.objects.filter(township__county=county).delete()
            Branch.objects.filter(township__county=county).delete()
            Township.objects.filter(county=county).delete()
        else:
            county = County.objects.create(name=COUNTY)
        User.objects.create_user(USER, password=PASSWORD, role=Role.COUNTY, county=county, display_name="县委组织部")
        places = [Township.objects.create(name=f"基准{n + 1:02d}镇", county=county) for n in range(townships)]
        rows = []
        for i in range(branches):
            township = places[i % townships]
            rows.append(Branch(township=township, name=f"{township.name[2:4]}{i:04d}村党支部", order=i,
                               is_demonstration=i % 40 == 7, members=rng.randint(8, 90)))
        all_branches = Branch.objects.bulk_create(rows, batch_size=2000)
        by_township = {}
        for branch in all_branches:
            by_township.setdefault(branch.township_id, []).append(branch)
        for year_of, name in ROUNDS:
            year = year_of(today.year)
            county_round = CountyRound.objects.create(county=county, standard=standard, name=name, year=year,
                                                      self_end=datetime.date(year, 12, 1),
                                                      created_at=at - datetime.timedelta(days=365 * (today.year - year)))
            for township in places:
                round = Round.objects.create(
                    township=township, standard=standard, name=name, year=year, phase=Phase.NOTICE,
                    county_round=county_round, published_at=at - datetime.timedelta(days=30),
                    self_end=datetime.date(year, 12, 1))
                assessments = Assessment.objects.bulk_create([
                    Assessment(round=round, branch=b, status=Status.PUBLISHED, submitted_at=at, finalised_at=at)
                    for b in by_township[township.pk]])
                scores, rects, vetoes = [], [], []
                for a in assessments:
                    deducted = set(rng.sample(range(len(items)), rng.randint(0, 8)))
                    for index, item in enumerate(items):
                        cut = min(item.points, Decimal("1")) if index in deducted else Decimal("0")
                        scores.append(Score(assessment=a, item=item, points=item.points, self_score=item.points,
                                            onsite_score=item.points - cut,
                                            deduction_reason="记录不全" if cut else ""))
                        if cut and len(rects) < 10 * len(assessments):
                            rects.append(Rectification(
                                assessment=a, item=item, problem="记录不全", requirement="补齐",
                                deadline=today + datetime.timedelta(days=rng.randint(-20, 40)),
                                status=rng.choice([RectificationStatus.PENDING, RectificationStatus.REPORTED,
                                                   RectificationStatus.CLOSED])))
                    if veto and rng.random() < 0.01:
                        vetoes.append(VetoFinding(assessment=a, veto=veto, note="基准否决"))
                Score.objects.bulk_create(scores, batch_size=5000)
                Rectification.objects.bulk_create(rects, batch_size=5000)
                VetoFinding.objects.bulk_create(vetoes)
    return current or CountyRound.objects.get(county=county, name=ROUNDS[1][1]), time.perf_counter() - started, False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--townships", type=int, default=10)
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--allow-sqlite", action="store_true")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    url = database_url(args)
    ensure_database(url, fresh=args.fresh)
    setup_django()
    from django.conf import settings
    from django.urls import reverse

    from assessment.models import User

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    county_round, seconds, reused = seed(args.townships, args.branches)
    county_round.refresh_from_db()
    print(f"database: {engine} · {'reused the seeded data' if reused else 'seeded'} in {seconds:.1f} s · "
          f"{args.townships} townships, {args.branches} branches, two county rounds")
    user = User.objects.get(username=USER)
    last_page = -(-args.branches // 100)
    targets = [
        ("全县进度 county-round", reverse("county-round", args=[county_round.pk]), PAGE_BAR_MS),
        ("全县排名 county-ranking", reverse("county-ranking", args=[county_round.pk]), PAGE_BAR_MS),
        (f"全县排名 第{last_page}页", reverse("county-ranking", args=[county_round.pk]) + f"?page={last_page}",
         PAGE_BAR_MS),
        ("县首页 home", reverse("home"), None),
    ]
    figures = []
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} (other work on the machine slows every figure)")
    with Server(workers=args.workers) as server:
        client = login(server.base, USER, PASSWORD)
        for label, path, bar in targets:
            status, n, db_ms, _ = in_process(path, user)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status} in-process")
            own = []
            latencies, size = timed_gets(client, server.base + path, args.repeat, args.warmup, server=own)
            server_median = statistics.median(own) if own else statistics.median(latencies)
            passed = None if bar is None else server_median < bar
            figures.append({"figure": label, "path": path, "server_median_ms": round(server_median, 1),
                            "client_median_ms": round(statistics.median(latencies), 1),
                            "client_p95_ms": round(p95(latencies), 1), "queries": n, "db_ms": round(db_ms, 1),
                            "kib": size // 1024, "bar": f"< {bar} ms" if bar else None,
                            "result": None if passed is None else ("PASS" if passed else "FAIL")})
            print(f"  {label:<22} server median {server_median:7.1f} ms · client median "
                  f"{statistics.median(latencies):7.1f} ms  p95 {p95(latencies):7.1f} ms  {n} queries "
                  f"({db_ms:.1f} ms in the database in-process)  {size // 1024} KiB"
                  + (f"  bar < {bar} ms: {'PASS' if passed else 'FAIL'}" if bar else ""))
    command = shlex.join([f"DATABASE_URL={url}", os.path.relpath(sys.executable, ROOT), "bench/county_view.py", *argv])
    report = {"command": command, "engine": engine, "townships": args.townships, "branches": args.branches,
              "load_average": load[0], "figures": figures}
    (OUT / "county_view.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {os.path.relpath(OUT / 'county_view.json', ROOT)}")
    return 0 if all(f["result"] != "FAIL" for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
