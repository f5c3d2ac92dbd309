"""Demo data: 化峪镇 with 25 branches, a 2026 round on the default standard,
a township admin, two assessors and one secretary per branch. Idempotent."""

import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from assessment.models import Branch, BranchKind, Phase, Role, Round, Standard, Township, User
from assessment.services.rounds import round_prepare

DEMO_PASSWORD = "huayu2026"
DEFAULT_STANDARD = "化峪镇党支部规范化建设考核验收标准（2026年版）"

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
DEMONSTRATION = {"化峪村", "西段村", "化峪镇机关"}


class Command(BaseCommand):
    help = "创建化峪镇演示数据（可重复运行）"

    def handle(self, *args, **options):
        call_command("load_default_standard", verbosity=0)
        with transaction.atomic():
            logins = self.seed()
        self.stdout.write("化峪镇演示数据已就绪：25个党支部，2026年度考核批次。")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, who in logins:
            self.stdout.write(f"  {username:<12} {who}")

    def seed(self):
        township, _ = Township.objects.get_or_create(name="化峪镇", defaults={"county": "稷山县"})
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
            logins.append(self.user(f"shuji{number:02d}", f"{branch.name}支部书记", Role.SECRETARY, branch=branch))

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
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@localhost", DEMO_PASSWORD, display_name="系统管理员")
        logins.insert(0, ("admin", "系统管理员（后台管理）"))
        return logins

    def user(self, username, display_name, role, township=None, branch=None):
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": display_name})
        user.display_name = display_name
        user.role = role
        user.branch = branch
        user.township = township or branch.township
        user.is_staff = role == Role.ADMIN  # the township admin also manages the township in Django admin
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        return username, display_name
