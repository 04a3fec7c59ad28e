"""Generated transactional notices: extra negatives for training the ``marketing`` model.

cn_sms_spam has almost no service messages (its normal messages are personal fragments), so a model
trained on it reads a bank movement, a delivery or a bill, with their 【signature】, amounts and
dates, as advertising. SMS platforms send mostly such notices, so the model must see them as what
they are. These are built from templates of the notice types platforms send (account movements,
card bills, codes, deliveries, orders, rides, telecom and utility bills, travel, appointments,
public services, schools and estates, brokerage fills) with random slots; none is an offer.

Training only (qinglian/detect/train.py); reproducible from the seed. The hand-written notices in
bench/eval_text.py are not generated from these templates and are never trained on.
"""

from __future__ import annotations

import random
from collections.abc import Callable

_BANKS = ("工商银行", "农业银行", "中国银行", "建设银行", "交通银行", "招商银行", "邮储银行", "兴业银行",
          "浦发银行", "中信银行", "民生银行", "光大银行", "华夏银行", "广发银行", "平安银行", "北京银行",
          "宁波银行", "江苏银行", "上海银行", "农商银行")
_APPS = ("支付宝", "微信", "淘宝", "京东", "美团", "抖音", "快手", "拼多多", "饿了么", "滴滴出行", "12306",
         "携程", "小红书", "哔哩哔哩", "网易", "百度", "高德地图", "铁路12306", "闲鱼", "唯品会")
_COURIERS = ("顺丰速运", "中通快递", "圆通速递", "申通快递", "韵达快递", "京东物流", "邮政EMS", "极兔速递",
             "德邦快递", "菜鸟驿站", "丰巢")
_TELCOS = ("中国移动", "中国联通", "中国电信")
_CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "长沙", "郑州", "济南",
           "合肥", "福州", "昆明", "沈阳", "天津", "重庆", "苏州", "宁波")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_PLACES = ("小区东门", "幸福里", "科技园", "人民路", "滨江花园", "新城广场", "学府路", "中山路", "阳光小区",
           "万达广场", "火车站", "开发区", "大学城", "老城区")


class _Slots:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def pick(self, xs: tuple[str, ...] | str) -> str:
        return self.r.choice(xs)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def amount(self, hi: int = 5000) -> str:
        v = self.r.randint(1, hi * 100) / 100
        return f"{v:,.2f}" if self.r.random() < 0.6 else f"{v:.2f}"

    def date(self) -> str:
        return f"{self.r.randint(1, 12)}月{self.r.randint(1, 28)}日"

    def time(self) -> str:
        return f"{self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}"

    def name(self) -> str:
        return self.pick(_SURNAMES) + self.pick(("先生", "女士", "师傅", "某", "经理", ""))

    def comma(self) -> str:
        return "，" if self.r.random() < 0.8 else ","

    def end(self) -> str:
        return self.pick(("。", "。", "。", "", "！"))


def _bank_movement(s: _Slots) -> str:
    card = s.pick(("借记卡", "储蓄卡", "信用卡", "账户", "卡", "银行卡"))
    move = s.pick(("支出", "收入", "转入", "转出", "存入", "消费", "退款", "扣款", "入账工资", "快捷支付支出",
                   "网上银行支出", "ATM取款", "跨行转账", "代发工资"))
    who = s.pick(("", f"向{s.name()}", f"({s.pick(_APPS)})", "在" + s.pick(_CITIES) + s.pick(("超市", "商场", "加油站")), ""))
    tail = s.pick((f"余额{s.amount(90000)}元", f"活期余额{s.amount(90000)}元", f"可用余额{s.amount(90000)}元",
                   f"当前可用额度{s.amount(90000)}元", "如非本人操作请致电客服", ""))
    return (f"【{s.pick(_BANKS)}】您尾号{s.digits(4)}的{card}于{s.date()}{s.time()}{who}{move}"
            f"{s.pick(('人民币', ''))}{s.amount()}元{s.comma() if tail else ''}{tail}{s.end()}")


def _card_bill(s: _Slots) -> str:
    return s.pick((
        f"【{s.pick(_BANKS)}】您的信用卡{s.pick(('本期', str(s.r.randint(1, 12)) + '月'))}账单金额{s.amount()}元"
        f"{s.comma()}最低还款{s.amount(500)}元{s.comma()}到期还款日{s.date()}{s.end()}",
        f"【{s.pick(_BANKS)}】您尾号{s.digits(4)}的信用卡本期应还{s.amount()}元{s.comma()}"
        f"请于{s.date()}前还款{s.end()}",
        f"【{s.pick(_BANKS)}】您的贷款本期应还本息{s.amount()}元将于{s.date()}从尾号{s.digits(4)}账户扣收"
        f"{s.comma()}请保证余额充足{s.end()}",
        f"【{s.pick(_BANKS)}】您尾号{s.digits(4)}的信用卡已还款{s.amount()}元{s.comma()}感谢您的使用{s.end()}",
    ))


def _code(s: _Slots) -> str:
    code = s.digits(s.r.choice((4, 6, 6)))
    purpose = s.pick(("您正在登录", "用于身份验证", "您正在修改密码", "您正在绑定手机号", "用于注册",
                      "您正在进行支付", "用于找回密码", "您正在注销账号"))
    return s.pick((
        f"【{s.pick(_APPS)}】验证码{code}{s.comma()}{purpose}{s.comma()}{s.r.randint(2, 30)}分钟内有效{s.comma()}请勿泄露{s.end()}",
        f"【{s.pick(_APPS + _BANKS)}】{purpose}{s.comma()}校验码{code}{s.comma()}切勿告知他人{s.end()}",
        f"{code}是您的{s.pick(_APPS)}验证码{s.comma()}{s.r.randint(2, 30)}分钟内有效{s.end()}",
        f"【{s.pick(_APPS)}】您的动态码为{code}{s.comma()}如非本人操作请忽略本短信{s.end()}",
    ))


def _delivery(s: _Slots) -> str:
    c = s.pick(_COURIERS)
    return s.pick((
        f"【{c}】您的快件{s.pick(('', 'SF', 'YT', 'JD'))}{s.digits(12)}已{s.pick(('签收', '被代收', '到达' + s.pick(_CITIES) + '转运中心', '发出', '揽收'))}{s.end()}",
        f"【{c}】您的包裹已到{s.pick(_PLACES)}驿站{s.comma()}取件码{s.r.randint(1, 9)}-{s.r.randint(1, 9)}-{s.digits(4)}"
        f"{s.comma()}请及时领取{s.end()}",
        f"【{c}】快递员{s.name()}正在为您派送{s.comma()}电话1{s.digits(10)}{s.end()}",
        f"【{c}】您的包裹已存入{s.pick(_PLACES)}快递柜{s.comma()}取件码{s.digits(6)}{s.comma()}"
        f"请于{s.r.randint(12, 48)}小时内取出{s.end()}",
        f"您的快递已放在{s.pick(('门卫室', '前台', '快递柜', '家门口', '物业'))}{s.comma()}请注意查收{s.end()}",
    ))


def _order(s: _Slots) -> str:
    a = s.pick(_APPS)
    return s.pick((
        f"【{a}】您的订单{s.digits(s.r.randint(10, 16))}已{s.pick(('发货', '签收', '取消', '退款成功', '完成'))}{s.end()}",
        f"【{a}】您购买的商品已由{s.pick(_COURIERS)}发出{s.comma()}运单号{s.digits(12)}{s.end()}",
        f"【{a}】您的退款{s.amount(2000)}元已原路退回{s.comma()}预计1-3个工作日到账{s.end()}",
        f"【{a}】骑手已取餐{s.comma()}预计{s.time()}送达{s.end()}",
        f"【{a}】司机{s.name()}已到达上车点{s.comma()}车牌{s.pick(_CITIES)[:1]}{s.pick('ABCDE')}{s.digits(5)}{s.end()}",
        f"【{a}】您的行程已结束{s.comma()}费用{s.amount(200)}元已支付{s.end()}",
    ))


def _utility(s: _Slots) -> str:
    t = s.pick(_TELCOS)
    return s.pick((
        f"【{t}】尊敬的客户{s.comma()}您{s.r.randint(1, 12)}月话费{s.amount(300)}元{s.comma()}当前余额{s.amount(200)}元{s.end()}",
        f"【{t}】您已成功充值{s.amount(300)}元{s.comma()}当前余额{s.amount(400)}元{s.end()}",
        f"【{t}】您本月流量已使用{s.r.randint(50, 100)}%{s.comma()}剩余{s.r.randint(1, 9)}.{s.r.randint(0, 9)}GB{s.end()}",
        f"【{t}】您的账户已欠费{s.amount(100)}元{s.comma()}请及时缴费以免停机{s.end()}",
        f"【{s.pick(_CITIES)}{s.pick(('供电局', '自来水公司', '燃气公司', '热力公司'))}】您户号{s.digits(10)}"
        f"本月{s.pick(('电费', '水费', '燃气费', '采暖费'))}{s.amount(600)}元{s.pick(('已扣款成功', '请按时缴纳', '已缴清'))}{s.end()}",
        f"【{s.pick(_CITIES)}{s.pick(('供电局', '自来水公司', '燃气公司'))}】因{s.pick(('线路检修', '管网维修', '设备改造'))}"
        f"{s.comma()}{s.date()}{s.time()}至{s.time()}{s.pick(_PLACES)}一带{s.pick(('停电', '停水', '停气', '暂停供水'))}"
        f"{s.comma()}请提前做好准备{s.end()}",
    ))


def _travel(s: _Slots) -> str:
    airline = s.pick(("国航", "东方航空", "南方航空", "海南航空", "厦门航空", "深圳航空", "四川航空"))
    flight = s.pick(("CA", "MU", "CZ", "HU", "MF", "ZH", "3U")) + s.digits(4)
    return s.pick((
        f"【{airline}】您的{flight}航班{s.date()}{s.time()}{s.pick(_CITIES)}起飞{s.comma()}请提前办理值机{s.end()}",
        f"【{airline}】您乘坐的{flight}航班{s.pick(('延误', '取消', '变更登机口'))}{s.comma()}请留意机场广播{s.end()}",
        f"【铁路12306】{s.name()}已购{s.date()}{s.pick('GDK')}{s.digits(4)}次{s.r.randint(1, 16)}车{s.r.randint(1, 20)}{s.pick('ABCDF')}号"
        f"{s.comma()}{s.pick(_CITIES)}站{s.time()}开{s.comma()}检票口{s.pick('AB')}{s.r.randint(1, 20)}{s.end()}",
        f"【{s.pick(_APPS)}】您预订的{s.pick(_CITIES)}{s.pick(('酒店', '民宿', '宾馆'))}{s.date()}入住已确认"
        f"{s.comma()}订单号{s.digits(12)}{s.end()}",
    ))


def _appointment(s: _Slots) -> str:
    org = s.pick(_CITIES) + s.pick(("人民医院", "中医院", "妇幼保健院", "口腔医院", "眼科医院", "社区卫生服务中心"))
    return s.pick((
        f"【{org}】您已预约{s.date()}{s.pick(('上午', '下午'))}{s.pick(('内科', '外科', '儿科', '口腔科', '眼科'))}门诊"
        f"{s.comma()}就诊序号{s.r.randint(1, 60)}{s.comma()}请携带身份证{s.end()}",
        f"【{org}】您的{s.pick(('检验报告', '体检报告', '检查结果'))}已出{s.comma()}可在自助机查询{s.end()}",
        f"【{s.pick(_CITIES)}{s.pick(('车管所', '驾校', '考试中心'))}】您预约的{s.pick(('科目一', '科目二', '科目三', '年检'))}"
        f"时间为{s.date()}{s.time()}{s.comma()}请携带身份证按时到场{s.end()}",
        f"【{s.pick(_CITIES)}{s.pick(('政务服务中心', '出入境管理局', '不动产登记中心'))}】您的"
        f"{s.pick(('证件', '护照', '不动产证', '营业执照'))}已办结{s.comma()}请于工作日携带回执领取{s.end()}",
    ))


def _public(s: _Slots) -> str:
    c = s.pick(_CITIES)
    return s.pick((
        f"【{c}社保】您的社保卡已制作完成{s.comma()}请到{s.pick(_PLACES)}服务网点领取{s.end()}",
        f"【{c}公积金】您的公积金账户{s.r.randint(1, 12)}月汇缴{s.amount(5000)}元已到账{s.comma()}余额{s.amount(90000)}元{s.end()}",
        f"【{c}税务】您的个人所得税退税{s.amount(3000)}元已退至尾号{s.digits(4)}的账户{s.end()}",
        f"【{c}交警】您的车辆{s.pick(_CITIES)[:1]}{s.pick('ABCDE')}{s.digits(5)}于{s.date()}在{s.pick(_PLACES)}"
        f"{s.pick(('违反规定停放', '超速行驶', '闯红灯'))}{s.comma()}请及时处理{s.end()}",
        f"【{c}法院】您的案件将于{s.date()}{s.time()}开庭{s.comma()}请准时到庭{s.end()}",
        f"【{c}{s.pick(('小学', '中学', '幼儿园'))}】{s.pick(('明天', '本周五', s.date()))}"
        f"{s.pick(('召开家长会', '停课一天', '期末考试', '放假'))}{s.comma()}请家长{s.pick(('准时参加', '做好安排', '注意安全'))}{s.end()}",
        f"【{s.pick(_PLACES)}物业】{s.date()}{s.pick(('电梯维保', '消防检查', '管道维修', '外墙清洗'))}"
        f"{s.comma()}给您带来不便敬请谅解{s.end()}",
        f"【{s.pick(_PLACES)}物业】您家{s.r.randint(1, 12)}月物业费{s.amount(800)}元已缴纳成功{s.end()}",
    ))


def _brokerage(s: _Slots) -> str:
    return (f"【{s.pick(('华泰证券', '中信证券', '国泰君安', '招商证券', '东方财富'))}】您于{s.date()}委托"
            f"{s.pick(('买入', '卖出'))}{s.digits(6)}已成交{s.r.randint(1, 50) * 100}股{s.comma()}"
            f"成交价{s.amount(100)}元{s.end()}")


_KINDS: tuple[Callable[[_Slots], str], ...] = (
    _bank_movement, _card_bill, _code, _delivery, _order, _utility, _travel, _appointment, _public, _brokerage,
)


def notices(n: int, seed: int = 20261204) -> list[str]:
    """``n`` generated notices (the same for the same seed), every kind equally often."""
    s = _Slots(random.Random(seed))
    out: list[str] = []
    for i in range(n):
        text = _KINDS[i % len(_KINDS)](s)
        if s.r.random() < 0.15 and text.startswith("【"):  # some platforms put the signature last
            j = text.index("】") + 1
            text = text[j:] + text[:j]
        out.append(text)
    return out
