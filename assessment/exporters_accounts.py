"""账号表: the accounts of a township to hand out, one line a person, cut into slips or handed
whole: 姓名, 党支部, 登录名, 初始密码 (one-time), the address to log in at."""

from django.utils import timezone

from .xlsx import Column, Exporter


class AccountSheet(Exporter):
    sheet_name = "账号表"
    # 登录地址 as wide as A4 allows (112): an address of 46 characters prints on one line of a slip.
    columns = [Column("序号", 6), Column("姓名", 10), Column("党支部", 22), Column("登录名", 14),
               Column("初始密码", 14), Column("登录地址", 46)]

    def __init__(self, township, rows, address):
        self.township = township
        self.people = rows
        self.address = address
        today = timezone.localdate()
        self.title = f"{township.name}考核系统账号表"
        self.filename = f"账号表-{township.name}-{today:%Y%m%d}.xlsx"
        self.made = f"{today.year}年{today.month}月{today.day}日"

    def lines(self):
        return [f"生成日期：{self.made}。初始密码只能使用一次：首次登录后须设置自己的密码。本表只能下载一次，请妥善保管，发放后销毁。"]

    def rows(self):
        for number, (name, branch, username, password) in enumerate(self.people, start=1):
            yield [number, name, branch, username, password, self.address]

    def footer(self):
        return [f"共{len(self.people)}人。忘记密码的人员，由镇党委管理员在管理后台重新生成一次性密码。"]
