"""What the audit log's codes mean, in the words of the interface: the actions (AuditLog.action's
choices, so Django admin shows them as labels in its list and its filter) and the old and new
values of a status or a phase."""

from django.utils.translation import gettext_lazy as _

from .models import Phase, RectificationStatus, Status

ACTIONS = [
    ("round_prepare", _("生成考核记录")),
    ("round_phase", _("变更阶段")),
    ("round_phase_back", _("退回上一阶段")),
    ("round_rectification_days", _("设置整改天数")),
    ("self_start", _("开始自评")),
    ("self_score", _("自评得分")),
    ("self_note", _("自评说明")),
    ("self_submit", _("提交自评")),
    ("self_return", _("退回自评")),
    ("self_extend", _("延长自评截止")),
    ("self_late", _("进入现场考评时延长自评")),
    ("self_skip", _("按未自评考评")),
    ("self_reopen", _("恢复自评")),
    ("reminder", _("自评提醒")),
    ("evidence_add", _("上传佐证材料")),
    ("evidence_remove", _("删除佐证材料")),
    ("bonus_claim_save", _("申报加分项")),
    ("bonus_claim_withdraw", _("撤回加分申报")),
    ("onsite_start", _("开始现场考评")),
    ("onsite_score", _("考评得分")),
    ("onsite_reason", _("扣分原因")),
    ("onsite_rectification", _("标记需整改")),
    ("onsite_requirement", _("整改要求")),
    ("onsite_veto_add", _("记录否决情形")),
    ("onsite_veto_note", _("修改否决情况说明")),
    ("onsite_veto_remove", _("撤销否决情形")),
    ("onsite_bonus", _("认定加分项")),
    ("onsite_finalise", _("确认考评完成")),
    ("onsite_reopen", _("重新打开考评")),
    ("rectification_propose", _("生成拟整改事项")),
    ("rectification_draft", _("修改拟整改事项")),
    ("rectification_draft_add", _("添加拟整改事项")),
    ("rectification_draft_remove", _("移除拟整改事项")),
    ("notice_text", _("保存通报正文")),
    ("notice_publish", _("发布通报")),
    ("rectification_report", _("报告整改")),
    ("rectification_verify", _("销号")),
    ("rectification_return", _("退回整改")),
    ("rectification_reminders", _("整改提醒")),
    ("standard_import", _("导入考核标准")),
    ("standard_copy", _("复制考核标准")),
    ("county_round_open", _("开启全县考核批次")),
    ("county_round_township", _("开启乡镇考核批次（全县）")),
    ("schedule_set", _("安排考评")),
    ("admin_add", _("后台新增")),
    ("admin_change", _("后台修改")),
    ("admin_delete", _("后台删除")),
    ("duty_set", _("设置年度任务")),
    ("duty_remove", _("移除年度任务")),
    ("record_add", _("登记年度记录")),
    ("record_change", _("修改年度记录")),
    ("record_delete", _("删除年度记录")),
    ("record_file_add", _("上传记录附件")),
    ("record_file_remove", _("删除记录附件")),
    ("plan_remind", _("年度任务提醒")),
    ("plan_year_close", _("锁定年度记录")),
    ("model_mark", _("设为示范做法")),
    ("model_withdraw", _("撤回示范做法")),
    ("model_carry_over", _("沿用示范做法")),
    ("site_theme_set", _("设置示范点主题")),
    ("visit_add", _("登记观摩")),
    ("pairing_add", _("结对帮带")),
    ("pairing_end", _("结束结对")),
    ("roster_import", _("导入花名册")),
    ("roster_township_create", _("花名册新增乡镇")),
    ("roster_branch_create", _("花名册新增党支部")),
    ("roster_branch_update", _("花名册更新党支部")),
    ("roster_secretary_phone", _("花名册更新联系电话")),
    ("account_create", _("新建账号")),
    ("account_deactivate", _("停用账号")),
    ("account_sheet_download", _("下载账号表")),
    ("password_reissue", _("重新发放一次性密码")),
    ("password_set_own", _("设置本人密码")),
]

VALUES = {
    "status": {**dict(Status.choices), **dict(RectificationStatus.choices)},
    "phase": dict(Phase.choices),
}


def value_label(field, value):
    """The label of a status or phase code in `field`; anything else as it is."""
    return str(VALUES.get(field, {}).get(value, value))
