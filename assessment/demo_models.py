"""The demo's 示范点 for seed_demo: the four sites with their themes, models for a dozen items
(each with a photo), one 观摩 at 化峪村, and two pairings whose helped branches improved from
2025 to 2026 (their 2026 self-evaluations submitted, above their 2025 on-site totals).
Idempotent: a township that has models keeps them."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from assessment.models import (
    Branch, DemoSite, ModelPractice, ModelSource, Pairing, Round, Score, Status, Visit,
)
from assessment.services.demo import model_mark, pairing_add, visit_add

SITES = {
    "化峪村": ("党群服务中心", "党群服务中心规范化建设、便民服务代办、场所常态化开放"),
    "西段村": ("党建引领乡村振兴", "支部领办合作社、集体经济增收、“四议两公开”决策"),
    "张开东村": ("党建引领乡风文明", "移风易俗、德孝文化、新时代文明实践站"),
    "张开西村": ("党建引领“三治融合”", "自治法治德治结合、矛盾纠纷就地化解、三张清单"),
}
# (item number, site, title, description)
MODELS = [
    (12, "西段村", "“四议两公开”会议记录范本", "村党支部提议、“两委”会商议、党员大会审议、村民代表会议决议，决议和实施结果公开。每一步的会议记录、签到表、公示照片按事项装订成册。"),
    (14, "化峪村", "坐班值班表和便民服务公示", "村干部轮流坐班，值班表、联系电话在党群服务中心门口公示，代办事项登记簿当天登记、限时办结。"),
    (16, "化峪村", "年度党员学习教育计划", "年初制定学习计划，按月安排学习主题，每次学习有签到、有记录、有学时登记，年底统计每名党员学时。"),
    (26, "西段村", "支委会记录范本", "每月5日前召开支委会，议题提前征求意见；记录写明出席、列席、议题、讨论情况、决定事项和分工，参会人员签名。"),
    (29, "张开东村", "主题党日活动方案和记录", "每月10日为主题党日，“1+X”模式：固定学习加一项实践活动；活动前有方案、活动中有照片、活动后有记录。"),
    (30, "张开西村", "组织生活会问题清单和整改台账", "会前谈心谈话全覆盖、征求群众意见，会上逐一对照检查，会后形成问题清单，明确整改措施、责任人和时限，逐项销号。"),
    (35, "化峪村", "党群服务中心功能布局", "党群服务中心设党员活动室、便民服务室、图书阅览室、调解室，面积和功能分区图上墙，场所日常开放。"),
    (38, "化峪村", "上墙制度样式", "入党誓词、党员权利和义务、支部工作职责、发展党员流程统一版式上墙，字体和尺寸按县委组织部样式。"),
    (43, "张开西村", "书记抓党建“三张清单”", "责任清单、任务清单、问题清单一张表，逐项写明责任人和完成时限，每季度更新一次完成情况。"),
    (51, "西段村", "支部领办合作社", "党支部领办果业合作社，党员带头入股示范，统一技术、统一销售，年底按股分红，带动农户增收。"),
    (54, "张开东村", "新时代文明实践站活动", "建立红白理事会，制定村规民约；每季度评选“好媳妇”“好婆婆”，德孝文化墙和积分超市联动。"),
    (55, "张开西村", "“三治融合”矛盾调解", "村民议事会、法律顾问、乡贤调解员三方联动，矛盾纠纷登记、调解、回访全程留痕，小事不出村。"),
]
PAIRS = [("西段村", "坡底村", "组织生活规范化"), ("张开东村", "太平村", "软弱涣散整顿")]
PAIRED_SINCE = datetime.date(2026, 1, 15)
VISITORS = {"胡家庄村": "书记、组织委员", "坡底村": "书记、宣传委员", "仁和村": "书记、纪检委员", "太平村": "书记"}


def photo(name, color):
    """A small picture for a demo file (a plain panel with a few lines, like a photographed board)."""
    image = Image.new("RGB", (480, 360), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 440, 320), outline="white", width=6)
    for y in range(90, 300, 40):
        draw.line((80, y, 400, y), fill="white", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _improve(round, branch):
    """The helped branch submitted its 2026 self-evaluation: near full marks, above its 2025 total."""
    assessment = round.assessments.filter(branch=branch).first()
    if assessment is None or assessment.status != Status.NOT_STARTED:
        return
    scores = list(Score.objects.filter(assessment=assessment).select_related("item"))
    for n, score in enumerate(scores):
        score.self_score = score.points - (Decimal("0.5") if n % 11 == 0 else 0)
        score.self_note = "已对照标准整改到位" if n % 11 else "仍有不足，正在完善"
    Score.objects.bulk_update(scores, ["self_score", "self_note"], batch_size=500)
    assessment.status, assessment.submitted_at = Status.SUBMITTED, datetime.datetime(
        round.year, 11, 28, 16, 0, tzinfo=datetime.timezone.utc)
    assessment.save(update_fields=["status", "submitted_at", "updated_at"])


def seed_models(township, standard, admin):
    branches = {b.name: b for b in Branch.objects.filter(township=township)}
    for name, (theme, models_for) in SITES.items():
        branch = branches.get(name)
        if branch is None:
            return 0
        if not branch.is_demonstration:
            Branch.objects.filter(pk=branch.pk).update(is_demonstration=True)
            branch.is_demonstration = True
        DemoSite.objects.update_or_create(branch=branch, defaults={"theme": theme, "models_for": models_for})
    if ModelPractice.objects.filter(township=township).exists():
        return 0
    items = {i.number: i for i in standard.items.select_related("standard")}
    colors = ["#b22222", "#c0392b", "#8e44ad", "#2c3e50", "#16a085", "#d35400"]
    for n, (number, site, title, description) in enumerate(MODELS):
        if number in items:
            model_mark(township=township, item=items[number], branch=branches[site], actor=admin, title=title,
                       description=description, year=2025, source=ModelSource.UPLOAD,
                       uploads=[photo(f"{title}.png", colors[n % len(colors)])])
    learning = next((i for i in items.values() if "学习" in i.content and "学时" in i.content), None)
    if not Visit.objects.filter(site__township=township).exists():
        visit_add(site=branches["化峪村"], actor=admin, date=datetime.date(2026, 6, 18),
                  topic="党群服务中心规范化建设现场观摩", item=learning, hours=4,
                  note="参观党群服务中心功能室、便民代办流程和上墙制度，化峪村党支部书记介绍经验。",
                  visitors={branches[name]: people for name, people in VISITORS.items() if name in branches},
                  uploads=[photo("观摩现场.png", "#b22222"), photo("经验交流.png", "#2c3e50")])
    current = Round.objects.filter(township=township, year=2026).order_by("-created_at").first()
    for site, helped, note in PAIRS:
        if not Pairing.objects.filter(site=branches[site], helped=branches[helped], ended_at__isnull=True).exists():
            pairing = pairing_add(site=branches[site], helped=branches[helped], actor=admin, note=note)
            Pairing.objects.filter(pk=pairing.pk).update(since=PAIRED_SINCE)  # after the 2025 notice
        if current:
            _improve(current, branches[helped])
    return len(MODELS)
