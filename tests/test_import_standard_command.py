"""manage.py import_standard and load_default_standard."""

import io

import pytest
from django.core.management import CommandError, call_command

from assessment.models import Item, Standard
from tests import xlsx_factory as xf

REAL_NAME = "化峪镇党支部规范化建设考核验收标准（2026年版）"
SUMMARY = f"{REAL_NAME}：7个方面，56个考核项目，合计100分，一票否决4项，加分项3项（上限5分）"


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_prints_one_summary_line(db):
    output = run("import_standard", str(xf.REAL_FILE))
    assert output.strip() == SUMMARY
    assert output.count("\n") == 1
    standard = Standard.objects.get()
    assert (standard.name, standard.version, standard.items.count()) == (REAL_NAME, 1, 56)


def test_dry_run_writes_nothing(db):
    output = run("import_standard", str(xf.REAL_FILE), "--dry-run")
    assert output.strip() == "试运行，未写入：" + SUMMARY
    assert Standard.objects.count() == 0


def test_name_option_and_versions(db):
    run("import_standard", str(xf.REAL_FILE), "--name", "西镇标准")
    output = run("import_standard", str(xf.REAL_FILE), "--name", "西镇标准")
    assert output.startswith("西镇标准：7个方面")
    assert list(Standard.objects.values_list("name", "version")) == [("西镇标准", 2), ("西镇标准", 1)]


def test_bad_file_fails_with_one_line_and_writes_nothing(db, tmp_path):
    item = xf.good_item(2, "两分")
    path = xf.simple(tmp_path / "bad.xlsx", [xf.good_item(1), item])
    before = (Standard.objects.count(), Item.objects.count())
    with pytest.raises(CommandError) as caught:
        run("import_standard", str(path))
    assert str(caught.value) == "工作表“考核标准”第4行E列（分值）：“两分”不是数字"
    assert (Standard.objects.count(), Item.objects.count()) == before


def test_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("import_standard", str(tmp_path / "nope.xlsx"))


def test_load_default_standard_is_idempotent(db):
    first = run("load_default_standard")
    assert first.strip() == "已导入 " + SUMMARY
    second = run("load_default_standard")
    assert second.strip() == f"已有考核标准“{REAL_NAME}（第1版）”，未重复导入。"
    assert Standard.objects.count() == 1
    assert Item.objects.count() == 56


def test_the_shipped_copy_is_the_townships_file():
    shared = xf.REAL_FILE.parents[3] / "shared" / "standard" / "huayu-standard-2026.xlsx"
    if not shared.exists():
        pytest.skip("the shared folder exists only on the development machine")
    assert shared.read_bytes() == xf.REAL_FILE.read_bytes()


WEIGHTS = ["序号", "考核方面", "考核内容", "评分标准", "权重", "考核方式", "佐证材料"]


def test_map_sets_the_columns_as_the_admin_mapping_does(db, tmp_path):
    path = xf.simple(tmp_path / "weights.xlsx", [xf.good_item(1, 3), xf.good_item(2, 2)], header=WEIGHTS)
    with pytest.raises(CommandError) as caught:
        run("import_standard", str(path))
    assert str(caught.value) == "工作表“考核标准”第2行的表头中找不到“分值”列，请指定各列对应的内容。"
    output = run("import_standard", str(path), "--map", "考核内容=C,分值=E", "--dry-run")
    assert output.splitlines() == [
        "提示：未读到等次评定，按优秀90分、良好80分、合格60分设置。",
        "提示：考核项目合计5分，不是100分；已按5分导入。",
        "试运行，未写入：测试标准：1个方面，2个考核项目，合计5分，一票否决0项，加分项0项（上限0分）",
    ]
    assert Standard.objects.count() == 0
    run("import_standard", str(path), "--map", "分值=e,评分标准=G,佐证材料=")
    item = Item.objects.get(number=1)
    assert (item.points, item.criteria, item.evidence) == (3, "材料1", "")


@pytest.mark.parametrize("mapping, message", [
    ("权重=E", "--map 中的“权重=E”无法识别，应写作“考核内容=C,分值=E”。"),
    ("分值", "--map 中的“分值”无法识别，应写作“考核内容=C,分值=E”。"),
    ("分值=5", "--map 中的“分值=5”：列应写作字母，如C。"),
])
def test_a_bad_map_is_refused(db, mapping, message):
    with pytest.raises(CommandError) as caught:
        run("import_standard", str(xf.REAL_FILE), "--map", mapping)
    assert str(caught.value) == message
    assert Standard.objects.count() == 0
