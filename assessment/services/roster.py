"""The organisation from a roster, and the accounts people are handed.

`roster_plan` compares a ParsedRoster with the database (what is new, changed, missing);
`roster_import` writes it in one transaction, audited: townships, branches (matched by
township and branch name; never deleted), one secretary per branch with a login and a
one-time password.

One-time passwords: the user's record holds only the hash (a light PBKDF2, see
assessment.hashers.OneTimePasswordHasher: the password is random, so iterations add little, and
1,000 accounts are made in a second); the clear text waits in PendingPassword until the
township's account sheet is downloaded — `account_sheet_take` hands it out and deletes it in the
same transaction, so it is never shown twice. Whoever forgets theirs gets a new one
(`password_reissue`). Until the person sets their own password, every page sends them to the
password change page (assessment.middleware.password_change_required).
"""

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import get_hasher, make_password
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import Branch, BranchKind, County, PendingPassword, Role, Township, User

from .base import ServiceError, audit, audit_many, audit_record

OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
OTP_LENGTH = 10  # about 50 bits
OTP_HASHER = "pbkdf2_sha256_otp"
MOBILE = re.compile(r"^1\d{10}$")


def new_one_time_password():
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(OTP_LENGTH))


def hash_one_time_password(password):
    try:
        get_hasher(OTP_HASHER)
    except ValueError:  # settings without the light hasher: the default one
        return make_password(password)
    return make_password(password, hasher=OTP_HASHER)


@dataclass
class Change:
    township: str
    branch: str
    row: int
    fields: list = field(default_factory=list)  # [(label, old, new)]


@dataclass
class RosterPlan:
    new_townships: list = field(default_factory=list)
    new_branches: list = field(default_factory=list)  # RosterRow
    changed: list = field(default_factory=list)  # Change
    missing: list = field(default_factory=list)  # Branch
    unchanged: int = 0
    new_accounts: int = 0

    def summary(self):
        return _("新增乡镇%(townships)d个、党支部%(new)d个，变更%(changed)d个，未变%(same)d个，"
                 "花名册中没有的%(missing)d个；新建账号%(accounts)d个。") % {
            "townships": len(self.new_townships), "new": len(self.new_branches), "changed": len(self.changed),
            "same": self.unchanged, "missing": len(self.missing), "accounts": self.new_accounts,
        }


def _may_import(actor):
    return actor is None or actor.is_superuser or (actor.role == Role.ADMIN and actor.township_id)


def _check_townships(parsed, actor):
    """A township admin imports only their own township."""
    if not _may_import(actor):
        raise ServiceError(_("只有镇党委管理员可以导入花名册。"))
    if actor is None or actor.is_superuser:
        return
    own = actor.township.name
    for row in parsed.rows:
        if row.township != own:
            raise ServiceError(_("工作表“%(sheet)s”第%(row)d行：乡镇“%(township)s”不是您所在的%(own)s，不能导入。") % {
                "sheet": parsed.sheet, "row": row.row, "township": row.township, "own": own})


def _secretaries(branch_ids):
    """{branch id: the branch's active secretary (the first)}."""
    found = {}
    users = User.objects.filter(branch_id__in=branch_ids, role=Role.SECRETARY, is_active=True).order_by("id")
    for user in users:
        found.setdefault(user.branch_id, user)
    return found


def roster_plan(*, parsed, actor=None):
    """What importing `parsed` would do; nothing is written."""
    _check_townships(parsed, actor)
    names = parsed.townships()
    townships = {t.name: t for t in Township.objects.filter(name__in=names)}
    plan = RosterPlan(new_townships=[name for name in names if name not in townships])
    branches = {(b.township.name, b.name): b for b in Branch.objects.filter(township__in=townships.values())
                .select_related("township")}
    secretaries = _secretaries([b.pk for b in branches.values()])
    kinds = dict(BranchKind.choices)
    yes_no = {True: _("是"), False: _("否")}
    seen = set()
    for order, row in enumerate(parsed.rows, start=1):
        key = (row.township, row.branch)
        seen.add(key)
        branch = branches.get(key)
        if branch is None:
            plan.new_branches.append(row)
            plan.new_accounts += bool(row.secretary)
            continue
        change = Change(row.township, row.branch, row.row)
        if branch.kind != row.kind:
            change.fields.append((_("类型"), kinds.get(branch.kind, branch.kind), kinds[row.kind]))
        if branch.members != row.members:
            change.fields.append((_("党员人数"), branch.members, row.members))
        if branch.is_demonstration != row.demonstration:
            change.fields.append((_("示范点"), yes_no[branch.is_demonstration], yes_no[row.demonstration]))
        secretary = secretaries.get(branch.pk)
        if row.secretary:
            if secretary is None or secretary.display_name != row.secretary:
                change.fields.append((_("支部书记"), secretary.display_name if secretary else "", row.secretary))
                plan.new_accounts += 1
            elif row.phone and secretary.phone != row.phone:
                change.fields.append((_("联系电话"), secretary.phone, row.phone))
        if change.fields:
            plan.changed.append(change)
        else:
            plan.unchanged += 1
    plan.missing = sorted((b for key, b in branches.items() if key not in seen),
                          key=lambda b: (b.township.name, b.order, b.name))
    return plan


class Usernames:
    """Logins: the phone number when it is a mobile number nobody uses, else zhibu0001, zhibu0002 …"""

    def __init__(self):
        self.taken = set(User.objects.values_list("username", flat=True))
        self.number = 0

    def new(self, phone):
        if MOBILE.match(phone or "") and phone not in self.taken:
            name = phone
        else:
            while True:
                self.number += 1
                name = f"zhibu{self.number:04d}"
                if name not in self.taken:
                    break
        self.taken.add(name)
        return name


def roster_import(*, parsed, actor=None, county=""):
    """Write the roster: one transaction, audited. Returns the RosterPlan it carried out.
    `county` (a county's name, the superuser's import only): the roster's townships are that
    county's — made if new, and a township of no county yet joins it; one of another county is
    refused."""
    records = []
    county = county.strip()

    def log(**kwargs):
        records.append(audit_record(actor=actor, **kwargs))

    if county and actor is not None and not actor.is_superuser:
        raise ServiceError(_("只有系统管理员可以为县（市、区）导入花名册。"))
    with transaction.atomic():
        plan = roster_plan(parsed=parsed, actor=actor)
        if plan.new_townships and actor is not None and not actor.is_superuser:
            raise ServiceError(_("镇党委管理员不能新建乡镇。"))
        if county:
            county, made = County.objects.get_or_create(name=county)
            if made:
                log(action="roster_county_create", target=county.name, new=county.name)
        for name in plan.new_townships:
            township = Township.objects.create(name=name, county=county or None)
            log(action="roster_township_create", target=name, new=name)
        townships = {t.name: t for t in Township.objects.filter(name__in=parsed.townships()).select_related("county")}
        if county:
            for township in townships.values():
                if township.county_id is None:
                    township.county = county
                    township.save(update_fields=["county"])
                    log(action="roster_township_county", target=township.name, field="county", new=county.name)
                elif township.county_id != county.pk:
                    raise ServiceError(_("乡镇“%(township)s”属于%(other)s，不是%(county)s，不能导入。") % {
                        "township": township.name, "other": township.county.name, "county": county.name})
        branches = {(b.township_id, b.name): b for b in Branch.objects.filter(township__in=townships.values())}
        secretaries = _secretaries([b.pk for b in branches.values()])
        usernames = Usernames()
        new_branches, to_update, accounts = [], [], []
        for order, row in enumerate(parsed.rows, start=1):
            township = townships[row.township]
            branch = branches.get((township.pk, row.branch))
            target = f"{row.township} {row.branch}"
            if branch is None:
                branch = Branch(township=township, name=row.branch, kind=row.kind, members=row.members,
                                is_demonstration=row.demonstration, order=order)
                new_branches.append((branch, row))
                continue
            before = (branch.kind, branch.members, branch.is_demonstration)
            after = (row.kind, row.members, row.demonstration)
            if before != after or branch.order != order:
                branch.kind, branch.members, branch.is_demonstration, branch.order = *after, order
                to_update.append(branch)
                if before != after:
                    log(action="roster_branch_update", target=target,
                        old=_branch_text(*before), new=_branch_text(*after))
            secretary = secretaries.get(branch.pk)
            if not row.secretary:
                continue
            if secretary is not None and secretary.display_name == row.secretary:
                if row.phone and secretary.phone != row.phone:
                    log(action="roster_secretary_phone", target=target, field="phone",
                        old=secretary.phone, new=row.phone)
                    secretary.phone = row.phone
                    secretary.save(update_fields=["phone"])
                continue
            if secretary is not None:  # another person now: the old account stops, kept for the records
                secretary.is_active = False
                secretary.save(update_fields=["is_active"])
                PendingPassword.objects.filter(user=secretary).delete()
                log(action="account_deactivate", target=f"{target} {secretary.username}", old=secretary.display_name,
                    new=row.secretary, note=_("花名册中的支部书记已更换"))
            accounts.append((branch, row))
        Branch.objects.bulk_update(to_update, ["kind", "members", "is_demonstration", "order"])
        Branch.objects.bulk_create([branch for branch, _row in new_branches])
        for branch, row in new_branches:
            log(action="roster_branch_create", target=f"{row.township} {row.branch}",
                new=_branch_text(row.kind, row.members, row.demonstration))
            if row.secretary:
                accounts.append((branch, row))
        if not new_branches[:1] or new_branches[0][0].pk is None:  # backends that give no ids back
            ids = {(b.township_id, b.name): b for b in Branch.objects.filter(township__in=townships.values())}
            accounts = [(ids[(branch.township_id, branch.name)], row) for branch, row in accounts]
        _create_accounts(accounts, usernames, log)
        log(action="roster_import", target=parsed.filename or _("花名册"), note=plan.summary())
        audit_many(records)
    return plan


def _branch_text(kind, members, demonstration):
    """农村、52人、示范点: a branch as the audit log shows it."""
    parts = [str(BranchKind(kind).label), _("%(members)d人") % {"members": members}]
    return "、".join(parts + ([_("示范点")] if demonstration else []))


def _create_accounts(accounts, usernames, log):
    users, passwords = [], []
    for branch, row in accounts:
        password = new_one_time_password()
        user = User(username=usernames.new(row.phone), display_name=row.secretary, phone=row.phone,
                    role=Role.SECRETARY, branch=branch, township_id=branch.township_id,
                    must_change_password=True, password=hash_one_time_password(password))
        users.append(user)
        passwords.append(password)
    User.objects.bulk_create(users)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    pending = []
    for user, password in zip(users, passwords):
        user = by_name[user.username]
        pending.append(PendingPassword(user=user, township_id=user.township_id, password=password))
        log(action="account_create", target=f"{user.branch_id} {user.username}", new=user.display_name,
            note=_("一次性密码待下载账号表时发放"))
    PendingPassword.objects.bulk_create(pending)


def password_reissue(*, user, actor):
    """A new one-time password for someone who forgot theirs: it waits for the next account sheet."""
    if not (actor.is_superuser or (actor.role == Role.ADMIN and actor.township_id == user.township_id)):
        raise ServiceError(_("只能为本乡镇的人员重新生成密码。"))
    if user.is_superuser or user.township_id is None:
        raise ServiceError(_("该账号不属于任何乡镇，不能在此重新生成密码。"))
    with transaction.atomic():
        password = new_one_time_password()
        user.password = hash_one_time_password(password)
        user.must_change_password = True
        user.is_active = True
        user.save(update_fields=["password", "must_change_password", "is_active"])
        PendingPassword.objects.update_or_create(user=user, defaults={"township_id": user.township_id,
                                                                      "password": password})
        audit(actor=actor, action="password_reissue", target=user.username, note=_("新的一次性密码待下载账号表时发放"))


def pending_count(township_id):
    return PendingPassword.objects.filter(township_id=township_id).count()


def account_sheet_take(*, actor, township):
    """The one-time passwords waiting for `township`, as rows (姓名, 党支部, 登录名, 初始密码), deleted
    as they are handed out: a second download has none of them."""
    if not (actor.is_superuser or (actor.role == Role.ADMIN and actor.township_id == township.pk)):
        raise ServiceError(_("只能下载本乡镇的账号表。"))
    with transaction.atomic():
        pending = list(
            PendingPassword.objects.select_for_update(of=("self",)).filter(township=township)
            .select_related("user", "user__branch").order_by("user__branch__order", "user__branch__name", "user__id")
        )
        if not pending:
            raise ServiceError(_("没有待发放的一次性密码：账号表已下载过，忘记密码的人员请重新生成密码。"))
        rows = [(p.user.display_name, p.user.branch.name if p.user.branch else "", p.user.username, p.password)
                for p in pending]
        PendingPassword.objects.filter(pk__in=[p.pk for p in pending]).delete()
        audit(actor=actor, action="account_sheet_download", target=township.name,
              note=_("发放一次性密码%(count)d个") % {"count": len(rows)})
    return rows


def password_set_own(*, user):
    """The person has set their own password (audited, whoever they are); one who came with a
    one-time password may use every page again."""
    with transaction.atomic():
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        audit(actor=user, action="password_set_own", target=user.username)
