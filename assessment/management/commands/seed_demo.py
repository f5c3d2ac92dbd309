"""Demo data: 化峪镇 with 25 branches, a 2026 round on the default standard, a published 2025
round on the 2025 version of it, a township admin, two assessors and one secretary per branch
(people's names), and a year of 清单式推进 records; its county 稷山县 with two smaller townships
(翟店镇, 西社镇: their admins, assessors and secretaries), the county user (县委组织部) and the
finished 2025 county round (the 2025 round of all three townships, published).

Loaded only into an empty database (no user, no township): a database someone has worked in
is left alone, so `python3 dev.py run` never brings back a deleted demo account, its public
password or a renamed branch. `--reset` loads it again on purpose (idempotent: what is
missing of the demo is created again; nothing else is deleted, nothing is recorded twice)."""

import datetime
import random
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from assessment.models import (
    ZERO, BonusClaim, Branch, BranchKind, County, CountyRound, Phase, Rectification, RectificationStatus, Role,
    Round, Score, Standard, Status, Township, User, VetoFinding,
)
from assessment.demo_models import seed_models
from assessment.demo_spotcheck import seed_spot_check
from assessment.demo_plan import seed_plan
from assessment.services.rounds import round_prepare
from assessment.services.standards import standard_copy

DEMO_PASSWORD = "huayu2026"
DEFAULT_STANDARD = "化峪镇党支部规范化建设考核验收标准（2026年版）"
STANDARD_2025 = "化峪镇党支部规范化建设考核验收标准（2025年版）"
# The secretaries of the 25 branches, in branch order.
SECRETARIES = [
    "张建国", "李秀英", "王志刚", "赵红梅", "刘德胜", "陈桂兰", "杨文斌", "黄丽娟", "周永平", "吴晓燕",
    "徐海军", "孙玉珍", "马国强", "朱春花", "胡建华", "郭淑芬", "何志明", "高彩霞", "林卫东", "罗秀兰",
    "梁晓东", "宋丽华", "郑建军", "谢雅琴", "韩振华",
]

VILLAGES = [
    "化峪村", "西段村", "张开东村", "张开西村", "胡家庄村", "付家庄村", "西堡村", "邢堡村",
    "东段村", "南村", "北村", "吴家庄村", "王家庄村", "李家庄村", "新庄村", "坡底村",
    "上王村", "下王村", "仁和村", "太平村",
]
OTHERS = [
    ("化峪社区", BranchKind.COMMUNITY),
    ("化峪镇机关", BranchKind.ORGAN),
    ("化峪镇中心校", BranchKind.SCHOOL),
    ("化峪镇卫生院", BranchKind.OTHER),
    ("稷山县化峪果业有限公司", BranchKind.ENTERPRISE),
]
DEMONSTRATION = {"化峪村", "西段村", "张开东村", "张开西村"}  # the four 示范点 (assessment/demo_models.py)
HALF = Decimal("0.5")
COUNTY = "稷山县"
COUNTY_ROUND_2025 = "2025年度规范化建设考核验收"  # 化峪镇's 2025 round, and the county's of that year
# The county's two smaller townships: (name, login prefix, admin, [(branch, kind, secretary)]).
TOWNSHIPS = [
    ("翟店镇", "zd", "镇党委组织委员 侯晓军", [
        ("翟店村", BranchKind.RURAL, "侯志强"), ("北行庄村", BranchKind.RURAL, "杨秋菊"),
        ("南阳村", BranchKind.RURAL, "王建平"), ("东王村", BranchKind.RURAL, "史红霞"),
        ("太阳村", BranchKind.RURAL, "张国庆"), ("翟店社区", BranchKind.COMMUNITY, "薛丽萍"),
        ("翟店镇机关", BranchKind.ORGAN, "卫东升"),
    ]),
    ("西社镇", "xs", "镇党委组织委员 原丽霞", [
        ("西社村", BranchKind.RURAL, "原志红"), ("马家沟村", BranchKind.RURAL, "马保林"),
        ("吴城村", BranchKind.RURAL, "吴秀珍"), ("里望村", BranchKind.RURAL, "柴建民"),
        ("西社镇中心校", BranchKind.SCHOOL, "贾文静"), ("西社镇机关", BranchKind.ORGAN, "段永刚"),
    ]),
]


def deduction_reason(item, rng):
    """A 扣分原因 that matches the item: what its evidence lacks, or its content not carried out."""
    evidence = (item.evidence or "").strip().rstrip("。；;，,")
    if evidence and rng.random() < 0.6:
        return f"佐证材料不全：缺少{evidence[:30]}"
    return f"{item.content.strip().rstrip('。；;，,')[:30]}，落实不到位"


class Command(BaseCommand):
    help = "创建化峪镇演示数据（只在空数据库中创建；--reset 重新加载）"

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="数据库中已有数据时也重新加载演示数据（补回缺少的演示账号、支部和考核批次）")

    def handle(self, *args, **options):
        if not options["reset"] and (User.objects.exists() or Township.objects.exists()):
            self.stdout.write("数据库中已有数据，未加载演示数据，现有数据保持不变。"
                              "（要重新加载演示数据：python3 dev.py run --reset-demo）")
            return
        call_command("load_default_standard", verbosity=0)
        with transaction.atomic():
            logins = self.seed()
        self.stdout.write("化峪镇演示数据已就绪：25个党支部；2026年度考核批次（自评阶段），"
                          "2025年度考核批次（已通报，含整改事项）。")
        self.stdout.write("稷山县演示数据已就绪：化峪镇、翟店镇、西社镇；2025年度全县考核批次（三个乡镇均已通报），"
                          "2025年度抽查复核（六个支部，已发布）。")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, who in logins:
            self.stdout.write(f"  {username:<12} {who}")

    def seed(self):
        county, _ = County.objects.get_or_create(name="稷山县")
        township, _ = Township.objects.get_or_create(name="化峪镇", defaults={"county": county})
        names = [(name, BranchKind.RURAL) for name in VILLAGES] + OTHERS
        branches = []
        for order, (name, kind) in enumerate(names, start=1):
            branch, _ = Branch.objects.update_or_create(
                township=township, name=name,
                defaults={"kind": kind, "order": order, "is_demonstration": name in DEMONSTRATION,
                          "members": 20 + (order * 7) % 45},
            )
            branches.append(branch)

        logins = [
            self.user("zhen_admin", "镇党委组织委员 王敏", Role.ADMIN, township=township),
            self.user("kaoping1", "考评组 李强", Role.ASSESSOR, township=township),
            self.user("kaoping2", "考评组 赵静", Role.ASSESSOR, township=township),
        ]
        for number, branch in enumerate(branches, start=1):
            logins.append(self.user(f"shuji{number:02d}", SECRETARIES[number - 1], Role.SECRETARY, branch=branch))

        standard = Standard.objects.filter(name=DEFAULT_STANDARD).order_by("-version").first()
        round, created = Round.objects.get_or_create(
            township=township, name="2026年度规范化建设考核验收",
            defaults={
                "standard": standard, "year": 2026, "phase": Phase.SELF,
                "self_start": datetime.date(2026, 11, 16), "self_end": datetime.date(2026, 12, 15),
                "onsite_start": datetime.date(2026, 12, 16), "onsite_end": datetime.date(2026, 12, 25),
            },
        )
        round_prepare(round=round)
        standard_2025 = self.standard_2025(standard)
        self.last_year(township, standard_2025)
        logins += self.county(county, standard_2025)
        # 抽查复核: the county's spot check of six of those branches, re-scored and published (one township flagged)
        seed_spot_check(county=county, actor=User.objects.get(username="xian_admin"), year=2025)
        seed_plan(township, standard, branches, User.objects.get(username="zhen_admin"))
        seed_models(township, standard, User.objects.get(username="zhen_admin"))
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@localhost", DEMO_PASSWORD, display_name="系统管理员")
        logins.insert(0, ("admin", "系统管理员（后台管理）"))
        return logins

    def county(self, county, standard):
        """稷山县: its two smaller townships with their branches, admins and secretaries, the county
        user (县委组织部), and the finished 2025 county round: 化峪镇's 2025 round and the same round
        in the two others, all three published. Returns the new logins."""
        Standard.objects.filter(pk=standard.pk, township__isnull=True).update(county=county)  # the county's
        logins = [self.user("xian_admin", "县委组织部组织科 刘建华", Role.COUNTY, county=county)]
        huayu = Round.objects.get(township__name="化峪镇", name=COUNTY_ROUND_2025)
        county_round, _ = CountyRound.objects.get_or_create(county=county, name=COUNTY_ROUND_2025, defaults={
            "standard": huayu.standard, "year": 2025, "self_end": huayu.self_end,
            "created_at": timezone.make_aware(datetime.datetime(2025, 11, 3, 9, 0)),
            "created_by": User.objects.get(username="xian_admin")})
        for name, prefix, admin_name, branches in TOWNSHIPS:
            township, _ = Township.objects.get_or_create(name=name, defaults={"county": county})
            logins.append(self.user(f"{prefix}_admin", admin_name, Role.ADMIN, township=township))
            logins.append(self.user(f"{prefix}_kaoping", f"考评组 {branches[0][2][0]}敏", Role.ASSESSOR,
                                    township=township))
            for order, (branch_name, kind, secretary) in enumerate(branches, start=1):
                branch, _ = Branch.objects.update_or_create(township=township, name=branch_name, defaults={
                    "kind": kind, "order": order, "is_demonstration": order == 1, "members": 18 + (order * 11) % 40})
                logins.append(self.user(f"{prefix}_shuji{order:02d}", secretary, Role.SECRETARY, branch=branch))
            self.last_year(township, huayu.standard, admin=f"{prefix}_admin", assessor=f"{prefix}_kaoping")
        Round.objects.filter(name=COUNTY_ROUND_2025, township__county=county).update(county_round=county_round)
        return logins

    def standard_2025(self, standard):
        """Last year's version of the standard (the same table), kept by the 2025 round."""
        found = Standard.objects.filter(name=STANDARD_2025).order_by("-version").first()
        if found:
            return found
        copy = standard_copy(standard=standard)
        copy.name, copy.version = STANDARD_2025, 1
        copy.created_at = timezone.make_aware(datetime.datetime(2025, 10, 8, 9, 0))
        copy.save(update_fields=["name", "version", "created_at"])
        return copy

    def last_year(self, township, standard, admin="zhen_admin", assessor="kaoping1"):
        """A finished 2025 round (published, with rectifications), so that the ranking, the
        notice, the rectification board and the comparison with last year have something to show."""
        round, created = Round.objects.get_or_create(
            township=township, name="2025年度规范化建设考核验收",
            defaults={
                "standard": standard, "year": 2025, "phase": Phase.NOTICE, "rectification_days": 60,
                "self_start": datetime.date(2025, 11, 10), "self_end": datetime.date(2025, 12, 5),
                "onsite_start": datetime.date(2025, 12, 8), "onsite_end": datetime.date(2025, 12, 19),
                "notice_date": datetime.date(2026, 1, 9), "notice_number": "化党发〔2026〕2号",
                "published_at": timezone.make_aware(datetime.datetime(2026, 1, 9, 10, 0)),
                "notice_text": f"根据《党支部规范化建设考核验收标准》，镇党委于2025年12月对全镇"
                               f"{township.branches.count()}个党支部进行了考核验收。现将结果通报如下，"
                               "请各支部对照问题清单限期整改。",
            },
        )
        if not created:
            return
        round_prepare(round=round)
        admin = User.objects.get(username=admin)
        assessor = User.objects.get(username=assessor)
        submitted = timezone.make_aware(datetime.datetime(2025, 12, 4, 16, 30))
        finalised = timezone.make_aware(datetime.datetime(2025, 12, 18, 17, 0))
        round.assessments.update(status=Status.PUBLISHED, submitted_at=submitted, finalised_at=finalised,
                                 onsite_date=datetime.date(2025, 12, 18), assessors_present="李强、赵静")
        scores = list(Score.objects.filter(assessment__round=round).select_related("assessment__branch", "item"))
        marked = []
        for score in scores:
            rng = random.Random(f"{score.assessment.branch.name}-{score.item.number}")
            branch = score.assessment.branch
            strength = 0.97 if branch.is_demonstration else (0.8 if branch.order % 6 == 0 else 0.9)
            score.self_score = score.points if rng.random() < 0.9 else score.points - HALF
            score.onsite_score = score.self_score
            if rng.random() > strength:
                score.onsite_score = max(score.points - rng.choice((HALF, HALF * 2, score.points)), ZERO)
            if score.onsite_score < score.points:  # every deduction has its reason, as the app requires
                score.deduction_reason = deduction_reason(score.item, rng)
                score.needs_rectification = rng.random() < 0.6
                if score.needs_rectification:
                    score.requirement = "对照评分标准补齐材料，完善制度并规范执行。"
                    marked.append(score)
        Score.objects.bulk_update(scores, ["self_score", "onsite_score", "deduction_reason",
                                           "needs_rectification", "requirement"], batch_size=500)
        secretaries = {u.branch_id: str(u) for u in User.objects.filter(role=Role.SECRETARY, branch__township=township)}
        rectifications = []
        for n, score in enumerate(marked):
            status = (RectificationStatus.CLOSED, RectificationStatus.REPORTED, RectificationStatus.PENDING)[n % 3]
            done = status != RectificationStatus.PENDING
            rectifications.append(Rectification(
                assessment=score.assessment, item=score.item, problem=score.deduction_reason,
                requirement=score.requirement, deadline=datetime.date(2026, 3, 10) if n % 4 else datetime.date(2026, 12, 31),
                responsible=secretaries.get(score.assessment.branch_id, ""), status=status,
                measures="已召开支委会研究整改，补齐相关材料并建立台账。" if done else "",
                reported_at=timezone.make_aware(datetime.datetime(2026, 2, 20, 9, 0)) if done else None,
                verified_by=admin if status == RectificationStatus.CLOSED else None,
                verified_at=timezone.make_aware(datetime.datetime(2026, 2, 28, 15, 0))
                if status == RectificationStatus.CLOSED else None,
                verify_note="经核验，整改到位，予以销号。" if status == RectificationStatus.CLOSED else "",
            ))
        Rectification.objects.bulk_create(rectifications)
        for bonus in standard.bonuses.all()[:1]:
            for assessment in round.assessments.filter(branch__is_demonstration=True):
                BonusClaim.objects.get_or_create(assessment=assessment, bonus=bonus, defaults={
                    "note": "2025年被评为县级先进基层党组织", "decision": BonusClaim.Decision.APPROVED,
                    "decision_note": "情况属实，予以认定"})
        veto = standard.vetoes.order_by("order").last()
        weak = round.assessments.filter(branch__name="太平村").first()
        if veto and weak:
            VetoFinding.objects.get_or_create(assessment=weak, veto=veto, defaults={
                "note": "自评材料中两项记录系事后补记", "recorded_by": assessor})

    def user(self, username, display_name, role, township=None, branch=None, county=None):
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display_name})
        user.display_name = display_name
        user.role = role
        user.branch = branch
        user.township = township or (branch.township if branch else None)
        user.county = county
        # The township admin also manages the township in Django admin, the county its standards.
        user.is_staff = role in (Role.ADMIN, Role.COUNTY)
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        return username, display_name
