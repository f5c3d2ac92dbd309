"""Standards other offices published, each in its own layout (tests/fixtures/standards/,
rebuilt by build.py there, each builder naming its source): every area, item, point and
text field read as the file holds it, and what was assumed said."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from assessment.importers import read_standard
from assessment.models import Standard

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "standards"
DEFAULT = [("excellent", 90), ("good", 80), ("pass", 60)]


def read(name):
    return read_standard(FIXTURES / name)


def areas(parsed):
    return [(a.number, a.name, a.points) for a in parsed.areas]


def items(parsed):
    return [(i.number, i.area_number, i.points, i.content, i.criteria, i.check_method, i.evidence)
            for i in parsed.items]


def bands(parsed):
    return [(grade, minimum) for grade, minimum in parsed.grade_bands]


def test_wuhao_village_sheet_vertical_areas_and_a_fill_in_line():
    parsed = read("wuhao-cun-yanshou.xlsx")
    assert (parsed.name, parsed.sheet, parsed.header_row, parsed.file_kind) == (
        "“五个好”村党组织考评验收评分表", "评分表", 3, "xlsx")
    assert parsed.columns == {"area": "A", "content": "B", "points": "C", "criteria": "D", "check_method": "E"}
    assert parsed.description == ""  # the fill-in line 党组织名称：… 验收时间：… is no note
    assert areas(parsed) == [(1, "好的班子", 20), (2, "好的队伍", 20), (3, "好的机制", 20), (4, "好的业绩", 20),
                             (5, "好的反映", 20)]
    assert items(parsed) == [
        (1, 1, 10, "村党组织书记政治素质好，带富能力和服务能力强。",
         "群众认可度低于80%扣5分；带领发展无明显成效扣5分。", "个别访谈、民主测评", ""),
        (2, 1, 10, "班子成员团结协作，分工明确，村“两委”班子职数配备到位。",
         "班子不团结扣5分；职数未配齐扣5分。", "查阅资料", ""),
        (3, 2, 10, "党员队伍结构合理，每两年至少发展1名35岁以下党员。",
         "两年未发展党员扣5分；未发展年轻党员扣5分。", "查阅发展党员档案", ""),
        (4, 2, 10, "党员教育管理经常，党员年度集中学习培训不少于32学时。", "每少4学时扣2分。", "查阅培训记录", ""),
        (5, 3, 10, "落实“三会一课”、组织生活会、民主评议党员等制度。", "缺1项扣3分。", "查阅会议记录", ""),
        (6, 3, 10, "实行“四议两公开”工作法，村务公开每季度不少于1次。",
         "未落实扣5分；公开不及时扣5分。", "查阅资料、实地查看", ""),
        (7, 4, 10, "村集体经济年收入达到5万元以上。", "未达到的扣10分。", "查阅财务账目", ""),
        (8, 4, 10, "村容村貌整洁，基础设施完善。", "酌情扣分。", "实地查看", ""),
        (9, 5, 15, "群众对村党组织满意率达到90%以上。", "满意率每低5个百分点扣3分。", "问卷调查", ""),
        (10, 5, 5, "无越级上访和群体性事件。", "发生1起扣5分。", "查阅信访记录", ""),
    ]
    assert (parsed.vetoes, parsed.bonuses, parsed.bonus_cap) == ([], [], 0)
    assert bands(parsed) == DEFAULT  # read from the note, not defaulted: no warning
    assert parsed.warnings == []


def test_quality_branch_xls_with_a_repeated_header_and_numbered_items():
    parsed = read("zhiliangxing-yanshou.xls")
    assert (parsed.name, parsed.sheet, parsed.header_row, parsed.file_kind) == (
        "质量型党支部验收评分表", "验收评分表", 3, "xls")
    assert parsed.columns == {"area": "A", "content": "B", "points": "C", "check_method": "D"}
    assert parsed.description == ""  # 填报单位（盖章）：… 填报时间：年 月 日
    assert areas(parsed) == [(1, "政治功能强", 20), (2, "组织力强", 30), (3, "服务力强", 25), (4, "保障有力", 25)]
    assert items(parsed) == [
        (1, 1, 10, "坚持“第一议题”制度，及时传达学习党中央决策部署。", "", "查阅会议记录", ""),
        (2, 1, 10, "严格落实意识形态工作责任制。", "", "查阅资料", ""),
        (3, 2, 15, "支部班子健全，书记履职尽责。", "", "个别谈话", ""),
        (4, 2, 15, "“三会一课”等组织生活制度落实到位。", "", "查阅记录", ""),
        (5, 3, 15, "党员亮身份、作表率，设立党员先锋岗。", "", "实地查看", ""),
        (6, 3, 10, "开展党员志愿服务，每季度不少于1次。", "", "查阅资料", ""),
        (7, 4, 15, "有固定活动场所，党建经费保障到位。", "", "实地查看", ""),
        (8, 4, 10, "台账资料规范齐全。", "", "查阅台账", ""),
    ]
    assert bands(parsed) == [("excellent", 90), ("good", 75), ("pass", 60)]
    assert parsed.warnings == ["第9行重复了表头，已跳过。"]


def test_county_rules_with_area_lines_and_a_standard_beside_the_scoring_method():
    parsed = read("biaozhunhua-kaohe-xize.xlsx")
    assert (parsed.name, parsed.sheet, parsed.header_row) == ("党支部标准化规范化建设考核细则", "考核细则", 2)
    assert parsed.columns == {"number": "A", "content": "B", "points": "D", "criteria": "E"}
    assert areas(parsed) == [(1, "队伍建设标准化", 25), (2, "组织生活标准化", 30), (3, "阵地建设标准化", 20),
                             (4, "制度机制标准化", 25)]
    assert items(parsed) == [
        (1, 1, 10, "支部班子", "考核标准：支部委员会设置规范，书记、委员分工明确。\n评分办法：未按规定设置扣5分；分工不明确扣5分。", "", ""),
        (2, 1, 15, "党员队伍", "考核标准：党员信息完整准确，及时录入党员管理信息系统。\n评分办法：信息错误1处扣1分。", "", ""),
        (3, 2, 15, "三会一课", "考核标准：支部党员大会每季度至少召开1次，支委会每月至少召开1次。\n评分办法：每少1次扣2分。", "", ""),
        (4, 2, 15, "主题党日", "考核标准：每月固定开展1次主题党日活动。\n评分办法：每少1次扣2分。", "", ""),
        (5, 3, 10, "活动场所", "考核标准：有固定的党员活动室，标识规范。\n评分办法：无活动室扣10分。", "", ""),
        (6, 3, 10, "党建宣传", "考核标准：设有党建宣传栏，内容每季度更新。\n评分办法：未更新扣5分。", "", ""),
        (7, 4, 10, "工作制度", "考核标准：建立健全“三会一课”、党员发展等制度。\n评分办法：缺1项扣2分。", "", ""),
        (8, 4, 15, "台账资料", "考核标准：各类会议记录、台账齐全规范。\n评分办法：缺1类扣3分。", "", ""),
    ]
    assert [(v.code, v.text) for v in parsed.vetoes] == [
        ("否1", "支部书记违纪违法受到党纪政务处分的。"), ("否2", "发生重大安全事故或群体性事件的。"),
    ]
    assert [(b.code, b.text, b.points) for b in parsed.bonuses] == [
        ("加1", "支部工作经验被县级以上推广的，加3分。", 3), ("加2", "支部被评为县级以上先进基层党组织的，加5分。", 5),
    ]
    assert parsed.bonus_cap == 5
    assert bands(parsed) == DEFAULT
    assert parsed.warnings == ["C列“考核标准”并入“评分标准”，以列名标明。"]


def test_village_scores_out_of_200_with_item_names_merged_down():
    parsed = read("nongcun-dangjian-pingfen.xlsx")
    assert parsed.name == "村级党建工作评分标准（总分200分）"
    assert parsed.columns == {"area": "A", "name": "B", "content": "C", "points": "D", "criteria": "E",
                              "check_method": "F"}
    assert areas(parsed) == [(1, "组织建设", 80), (2, "发展建设", 120)]
    assert items(parsed) == [
        (1, 1, 20, "班子建设：村党组织书记年度述职评议“好”的比例达到80%以上。", "未达到的扣10分。", "查阅资料", ""),
        (2, 1, 20, "班子建设：村“两委”班子成员交叉任职比例符合要求。", "不符合的扣10分。", "查阅资料", ""),
        (3, 1, 20, "党员管理：党员档案规范，流动党员管理到位。", "档案不规范扣5分；流动党员失联每人扣2分。", "查阅档案", ""),
        (4, 1, 20, "党员管理：按规定收缴党费，按月公示。", "未按月收缴扣10分。", "查阅记录", ""),
        (5, 2, 40, "集体经济：村集体经济收入达到10万元以上。", "每少1万元扣4分。", "查阅账目", ""),
        (6, 2, 30, "集体经济：有稳定的集体经济增收项目。", "无项目扣30分。", "实地查看", ""),
        (7, 2, 50, "乡村治理：推行“四议两公开”，重大事项民主决策。", "未落实扣20分；程序不规范扣10分。", "查阅记录", ""),
    ]
    assert parsed.total_points == 200
    assert bands(parsed) == [("excellent", 180), ("good", 160), ("pass", 120)]
    assert parsed.warnings == [
        "B列“考核项目”作为项目名称，写在考核内容之前。",
        "序号不完整或有重复，已按顺序重新编号为1至7。",
        "考核项目合计200分，不是100分；已按200分导入。",
    ]


def test_organ_branch_word_table_with_points_only_in_the_item_names():
    parsed = read("jiguan-zhibu-xize.docx")
    assert (parsed.name, parsed.sheet, parsed.header_row, parsed.file_kind) == (
        "机关党支部标准化规范化建设考核细则", "Word表格1", 1, "docx")
    assert parsed.columns == {"area": "A", "name": "B", "content": "C", "criteria": "D"}
    assert parsed.description == "说明：本细则满分100分，由机关党委组织考核。"
    assert areas(parsed) == [(1, "组织建设", 30), (2, "组织生活", 40), (3, "作用发挥", 30)]
    assert items(parsed) == [
        (1, 1, 10, "班子健全：支部委员会由3至5人组成，设书记1名，按期换届。", "未按期换届扣5分；委员缺额未及时补选扣5分。", "", ""),
        (2, 1, 10, "党员管理：党员组织关系及时转接，党员信息准确。", "组织关系转接不及时每人次扣2分。", "", ""),
        (3, 1, 10, "发展党员：严格按照程序发展党员，档案完整。", "程序不规范扣5分；档案缺项扣5分。", "", ""),
        (4, 2, 20, "三会一课：按时召开支部党员大会、支委会、党小组会，按时上党课。", "每缺1次扣2分。", "", ""),
        (5, 2, 10, "主题党日：每月开展1次主题党日活动。", "每缺1次扣1分。", "", ""),
        (6, 2, 10, "组织生活会：每年召开组织生活会，开展民主评议党员。", "未召开扣10分。", "", ""),
        (7, 3, 15, "服务中心工作：围绕机关中心工作设立党员先锋岗、责任区。", "未设立扣10分。", "", ""),
        (8, 3, 15, "志愿服务：党员到社区报到，参加志愿服务每年不少于2次。", "每少1人次扣1分。", "", ""),
    ]
    assert bands(parsed) == DEFAULT  # from the paragraph below the table
    assert parsed.warnings == [
        "B列“考核项目”作为项目名称，写在考核内容之前。",
        "表中没有“分值”列，8个考核项目的分值取自其文字中的“（N分）”。",
    ]


def test_state_enterprise_word_table_with_a_header_over_name_and_content():
    parsed = read("guoqi-dabiao-yanshou.docx")
    assert (parsed.name, parsed.sheet, parsed.header_row) == ("党支部达标创建验收标准", "Word表格1", 1)
    assert parsed.columns == {"name": "A", "content": "B", "points": "C", "criteria": "D", "check_method": "E"}
    assert parsed.description == ""  # 党组织名称： 验收时间：
    assert areas(parsed) == [(1, "阵地建设", 20), (2, "组织建设", 40), (3, "作用发挥", 40)]
    assert items(parsed) == [
        (1, 1, 10, "场所设置：有贴挂党组织名称标识牌的办公室和党员活动室，面积满足活动需要。",
         "无活动室扣10分；标识不规范扣3分。", "实地查看", ""),
        (2, 1, 10, "制度上墙：党支部工作职责、“三会一课”等制度上墙公示。", "缺1项扣2分。", "实地查看", ""),
        (3, 2, 20, "班子建设：支部委员会按期换届，委员配备齐全。", "未按期换届扣10分；委员缺额扣5分。", "查阅资料", ""),
        (4, 2, 20, "组织生活：按时召开“三会一课”，每年召开组织生活会。", "每少1次扣2分。", "查阅记录", ""),
        (5, 3, 20, "党建融合：围绕企业生产经营开展党员先锋岗、攻关项目。", "未开展扣10分。", "查阅资料、现场查看", ""),
        (6, 3, 20, "群众评价：职工群众对党支部工作满意度达到90%以上。", "每低5个百分点扣4分。", "问卷调查", ""),
    ]
    assert bands(parsed) == [("excellent", 95), ("good", 85), ("pass", 70)]
    assert parsed.warnings == [
        "A列“考核项目”作为项目名称，写在考核内容之前。", "序号不完整或有重复，已按顺序重新编号为1至6。",
    ]


# --- the command line ---------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("import_standard", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("name", [path.name for path in sorted(FIXTURES.iterdir()) if path.suffix != ".py"])
def test_each_published_standard_imports_on_the_command_line(db, name):
    lines = run(str(FIXTURES / name))
    parsed = read(name)
    assert lines == [f"提示：{warning}" for warning in parsed.warnings] + [parsed.summary()]
    standard = Standard.objects.get()
    assert standard.items.count() == len(parsed.items)
    assert sum(standard.items.values_list("points", flat=True)) == parsed.total_points
    assert list(standard.items.values_list("number", "content", "criteria", "check_method")) == [
        (i.number, i.content, i.criteria, i.check_method) for i in parsed.items
    ]


def test_a_total_of_200_is_written_and_said(db):
    lines = run(str(FIXTURES / "nongcun-dangjian-pingfen.xlsx"))
    assert "提示：考核项目合计200分，不是100分；已按200分导入。" in lines
    assert lines[-1] == "村级党建工作评分标准（总分200分）：2个方面，7个考核项目，合计200分，一票否决0项，加分项0项（上限0分）"
    standard = Standard.objects.get()
    assert list(standard.areas.values_list("name", "points")) == [("组织建设", Decimal("80")), ("发展建设", Decimal("120"))]
    assert list(standard.grade_bands.values_list("grade", "min_score")) == [
        ("excellent", Decimal("180")), ("good", Decimal("160")), ("pass", Decimal("120")),
    ]
