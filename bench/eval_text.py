"""Evaluate the text detectors on held-out splits of ../shared/data (never trained on).

Prints precision, recall and F1 per label and data set, for the full classify path (rules + model,
the scores `qinglian classify` prints, 0.5 as the decision point) and for the model alone:

- marketing, loan: cn_sms_spam test split (template-deduplicated; loan = weak label, see train.py);
- fraud, impersonation: teleantifraud test split (impersonation without kidnap/lottery scams);
- fraud: antifraud_sft_golfxiao test0902 (speaker names neutralised);
- rules-only labels have no labelled data here: their positive rate on cn_sms_spam's *normal*
  test messages is printed as a false-positive proxy;
- marketing on hand-written ordinary SMS with punctuation (ORDINARY_SMS), hand-written transactional
  notices (NOTICES_SEEN, NOTICES_HELD_OUT) and a few hand-written ads: cn_sms_spam's normal messages
  are fragments cut at punctuation, so a model can learn "，" = ad, and it has no service notices;
- marketing on long non-marketing texts (teleantifraud normal service calls and golfxiao non-fraud
  dialogues, test splits): the positive rate shows how far the SMS-trained model carries to text
  unlike its training data (whose normal messages are short).
Target (issue 3): marketing F1 >= 0.985.

``--cv`` first prints marketing on cn_sms_spam *train+dev* by 5-fold template-grouped cross-validation
(the shipped recipe retrained per fold, train.marketing_oof; about two minutes): the figure to develop
rules and detectors against, so that the test split stays held out.

    .venv/bin/python bench/eval_text.py [--data ../shared/data] [--cv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qinglian.detect.text.detectors import TextBatch, marketing
from qinglian.detect.text.engine import classify_batch
from qinglian.detect.text.matcher import default_matcher
from qinglian.detect.text.model import shipped_model
from qinglian.detect.text.normalize import normalize_batch
from qinglian.detect.text.rules import LABELS
from qinglian.training import corpora

# Hand-written for this check (not from any corpus, never trained on): ordinary SMS with the
# punctuation of everyday writing — personal messages, notices, reminders — none of them marketing.
ORDINARY_SMS = [
    "您的快递已到，请到门口取件。",
    "你好，在吗？",
    "妈，我今晚加班，不回家吃饭了。",
    "明天上午十点开会，请准时参加，谢谢！",
    "好的，收到，我马上过去。",
    "【顺丰速运】您的快件已由前台代收，如有疑问请联系快递员。",
    "您尾号1234的银行卡于11月20日14:32支出人民币256.00元，余额3,120.50元。",
    "您的验证码是482913，5分钟内有效，请勿告诉他人。",
    "老婆，晚上想吃什么？我下班顺路买菜。",
    "张老师您好，孩子今天发烧了，想请一天假，谢谢！",
    "你到哪儿了？我们已经到饭店了，在二楼包间。",
    "生日快乐！祝你天天开心，万事如意！",
    "今天的会议改到下午三点，地点不变。",
    "师傅，我在小区南门等你，车牌号多少？",
    "您预约的门诊时间为11月28日上午9:30，请携带身份证按时就诊。",
    "房租已经转给你了，麻烦查收一下。",
    "周末一起去爬山吧？天气预报说是晴天。",
    "不好意思，刚才在开车，没接到电话，有什么事吗？",
    "钥匙放在门口的鞋柜里了，回来自己拿。",
    "您好，您的外卖已送达，祝您用餐愉快！",
    "您本月的话费账单已出，共计58.00元，请于月底前缴清。",
    "爸，我到学校了，一切都好，别担心。",
    "谢谢你今天帮忙，改天请你吃饭！",
    "会议材料我已经发到你邮箱了，请查收。",
    "小区将于明天上午8:00至12:00停水检修，请提前做好储水准备。",
    "我们下周三出发，机票已经订好了，记得带护照。",
    "孩子放学了吗？今天谁去接？",
    "您的航班CA1234将于19:30起飞，请提前到达机场办理值机。",
    "你好，我是楼下的邻居，你家的水管好像漏水了，能下来看看吗？",
    "刚才的文件有个错别字，我改好了，重新发你一下。",
    "明天降温，出门多穿点衣服。",
    "您的车辆已完成保养，可以随时来店提车。",
    "新年快乐！感谢这一年来的照顾，祝全家身体健康！",
    "面试通过了！下周一就可以去上班了，太开心了！",
    "请问这周六的课还上吗？",
    "快递放驿站了，取件码是3-2-1105。",
    "我在超市，家里还缺什么吗？",
    "王经理您好，合同已经盖章寄出，单号SF123456789，请注意查收。",
    "晚上七点老地方见，不见不散！",
    "医生说没什么大问题，休息几天就好了，放心吧。",
]
# Hand-written transactional notices (bank movements, codes, deliveries, bills, bookings …): not
# marketing, though they carry signatures, amounts and dates like ads. Not from any corpus, never
# trained on. The first 30 were in view while notices.py was written and the next 20 while the
# generated notices (synthetic.py) were, so their rate is a development figure.
NOTICES_SEEN = [
    "【工商银行】您尾号8832卡12月3日09:15快捷支付支出(财付通)45.00元，余额1,203.66元。",
    "【招商银行】您账户0921于12月02日18:40入账工资8,500.00元，可用余额9,120.33元。",
    "您的登录验证码为615204，10分钟内有效。如非本人操作，请忽略本短信。",
    "【支付宝】校验码739102，您正在进行身份验证，打死不要告诉别人哦！",
    "【京东】您的订单1234567890已发货，由京东快递配送，请保持电话畅通。",
    "【菜鸟驿站】凭取件码8-2-3011到幸福里小区东门驿站取件，营业时间9:00-21:00。",
    "【中国移动】尊敬的客户，截至11月30日您的账户余额为12.35元，为避免停机请及时缴费。",
    "【国家电网】您户号3300123456本月电费126.40元已从您的账户扣款成功。",
    "【12306】订单E123456789,张先生您已购12月10日G1234次5车12F号,北京南站14:05开。",
    "【南方航空】您预订的CZ3101航班12月8日08:00广州白云机场起飞，请提前90分钟办理值机。",
    "【XX医院】您已成功预约12月5日上午心内科王医生门诊，就诊序号12，请携带身份证和医保卡。",
    "【XX物业】因管道维修，12月6日9:00至15:00三号楼停水，给您带来不便敬请谅解。",
    "【XX燃气】您的燃气表余量不足，请尽快充值以免影响使用。",
    "您的信用卡本期账单金额3,256.80元，最低还款325.68元，到期还款日12月15日。",
    "【中通快递】您的包裹已由小区菜鸟驿站代收，请凭取件码5-1-2208及时领取。",
    "【美团】您的外卖订单已由骑手接单，预计12:35送达。",
    "【滴滴出行】您的司机王师傅已到达上车点，车牌京A·12345，白色大众朗逸。",
    "【社保局】您的社保卡已制作完成，请于工作日携带身份证到街道服务中心领取。",
    "【交通违法】您的车辆沪B12345于11月28日在延安路违反规定停放，请及时处理。",
    "【XX银行】您尾号6620的借记卡于12月01日转入人民币5,000.00元，活期余额6,210.45元。",
    "【微信支付】您在XX超市消费68.50元，支付方式为零钱。",
    "您好，您的手机号已成功办理停机保号业务，如需恢复请拨打10086。",
    "【XX小学】明天上午八点召开家长会，请家长准时到校，地点为三楼会议室。",
    "【XX公积金】您的公积金账户11月汇缴1,260.00元已到账，当前余额23,458.00元。",
    "【顺丰速运】您的快件SF1234567890123正在派送中，派送员李师傅电话13800000000。",
    "【携程】您预订的XX酒店12月12日入住1晚已确认，订单号20261204001。",
    "【中国联通】您本月流量已使用80%，剩余1.2GB，详情可登录营业厅查询。",
    "【XX区税务局】您的个人所得税汇算清缴退税426.00元已退至尾号1234的银行账户。",
    "【XX驾校】您预约的科目二考试时间为12月9日上午8:30，请携带身份证提前到场。",
    "【XX医院】您的检验报告已出，可在自助机或公众号查询。",
    "【中国银行】您的账户6217****1234于12月04日10:22发生一笔跨行转账，金额2,000.00元。",
    "【建设银行】您尾号5521的储蓄卡12月4日网上银行支出1,500.00元，活期余额3,402.18元。",
    "【淘宝】您购买的宝贝已由申通快递揽收，运单号773012345678，请留意物流信息。",
    "尊敬的用户，您的宽带账户将于12月31日到期，请及时续费以免影响使用。",
    "【腾讯科技】您的QQ号正在异地登录，验证码为302918，如非本人操作请立即修改密码。",
    "【XX自来水】12月8日8:00-18:00因主管网维修，河西片区暂停供水，请提前储水。",
    "【东方航空】尊敬的旅客，您乘坐的MU5101航班因天气原因延误，预计起飞时间21:40。",
    "【XX人民医院】您的核酸检测结果为阴性，检测时间12月3日。",
    "【XX法院】您的案件(2026)沪0101民初123号将于12月15日9:30开庭，请准时到庭。",
    "【华为】您的设备维修已完成，请携带取机单到服务中心取机。",
    "【XX幼儿园】明天因降雪停课一天，请家长做好安排。",
    "【中国电信】您12月话费账单：套餐费59.00元，合计59.00元，已从账户余额中扣除。",
    "【饿了么】骑手已取餐，正在赶往您的地址，预计18:20送达。",
    "【XX物流】您的货物已到达杭州转运中心，预计明日派送。",
    "【铁路12306】您的候补订单已兑现，G7512次12月20日08:05上海虹桥开，请按时乘车。",
    "【XX证券】您于12月4日委托买入的000001平安银行已成交100股，成交价12.35元。",
    "【XX小区】本周六上午9点在小区广场召开业主大会，欢迎各位业主参加。",
    "【XX银行】您的信用卡本期账单已出，应还金额1,260.00元，到期还款日12月25日。",
    "【XX车管所】您的机动车检验有效期至12月31日，请及时办理年检。",
    "【XX公司】您好，您申请的发票已开具，请登录邮箱查收电子发票。",
]
# Written before synthetic.py and looked at only as a rate: the held-out figure for notices.
NOTICES_HELD_OUT = [
    "【农业银行】您尾号3307账户12月04日15:08向张三转账支出800.00元，余额652.10元。",
    "【平安银行】您的信用卡于12月3日在京东商城消费1,299.00元，当前可用额度8,701.00元。",
    "【韵达快递】您的快递已到达南山区科技园站点，快递员刘师傅正在为您派送，电话13900000000。",
    "【拼多多】您的订单已签收，如有问题请在7天内申请售后。",
    "【抖音】验证码836201，用于手机号登录，5分钟内有效，请勿泄露。",
    "【国家税务总局】您2026年度个人所得税综合所得汇算已办理完成，应退税额312.00元。",
    "【XX供电局】因线路检修，12月10日8:00-17:00城东片区计划停电，请做好准备。",
    "【海南航空】您预订的HU7181航班已出票，12月18日07:25北京首都机场T2起飞。",
    "【XX眼科医院】您明天上午9:00的复查预约已确认，请提前15分钟到二楼签到。",
    "【XX区人社局】您的失业保险金已发放，本月金额1,850.00元，请注意查收。",
    "【XX燃气】您家的燃气安全检查安排在12月7日下午，届时工作人员将上门，请留人在家。",
    "【XX中学】期末考试安排已发布，请登录家校通查看，考试期间请保证学生按时到校。",
    "【哈啰出行】您的骑行已结束，本次骑行时长18分钟，费用1.50元已从余额扣除。",
    "【XX图书馆】您借阅的《百年孤独》将于12月9日到期，请按时归还或办理续借。",
    "【XX交警】您的驾驶证记分周期将于12月20日清分，当前记分0分。",
    "【XX社区】本周五下午在社区卫生服务中心为65岁以上老人免费体检，请携带身份证。",
    "【中国移动】您已成功充值话费100.00元，当前余额128.60元。",
    "【XX物业】您家12月物业费216.00元已缴纳成功，感谢您的支持。",
    "【XX快递柜】您的包裹已存入幸福小区3号柜，取件码602193，请24小时内取出。",
    "【XX公积金中心】您的公积金贷款本月还款2,310.00元已扣收，剩余本金256,400.00元。",
]
# and a few hand-written ads, so that a low rate above is not bought by flagging nothing.
HAND_ADS = [
    "【XX银行】尊敬的客户，您已获得最高20万元信用贷款额度，日息低至万分之二，点击链接立即申请，退订回T。",
    "本店周年庆，全场商品五折起，满200减50，欢迎新老顾客光临！",
    "亲，双十一狂欢价提前享，前100名下单送豪华礼包，赶紧抢购吧！",
    "您好，我是XX装饰的小李，本月签约可享免费设计和八折优惠，详情请致电13800000000。",
    "新楼盘开盘，首付仅需5万，地铁口精装修，欢迎来电咨询！",
    "健身房开业特惠，年卡仅需999元，前50名再送私教课两节。",
    "急用钱？无抵押信用贷款，当天放款，详情加微信。",
    "暑期英语培训班火热报名中，报名即送教材，名额有限，先到先得！",
    "尊敬的会员，您的积分即将过期，现在兑换可享双倍礼品，回复TD退订。",
    "美容院开业酬宾，新客体验价仅需39元，预约电话：0571-88888888。",
    "您好，我是XX金融的客服小王，看到您之前有资金需求，我们现在推出低息信用贷，最快当天放款，您需要了解一下吗？",
    "先生您好，这边是XX地产，城东新楼盘首付只要十万，现在看房还送家电，您周末有空过来看看吗？",
]


def prf(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(y & p))
    prec = tp / max(float(np.sum(p)), 1.0)
    rec = tp / max(float(np.sum(y)), 1.0)
    f1 = 2 * prec * rec / max(prec + rec, 1e-12)
    return prec, rec, f1


def scores(texts: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    full = np.vstack([classify_batch(texts[i : i + 5000]).scores for i in range(0, len(texts), 5000)])
    model = shipped_model().logits(normalize_batch(texts))
    return full, model


HEADER = f"{'label':<15}{'data':<34}{'n':>6}{'pos':>6}   {'P':>7}{'R':>8}{'F1':>8}   model only: P / R / F1"


def row(label: str, name: str, y: np.ndarray, p_full: np.ndarray, p_model: np.ndarray) -> None:
    """One line of the table: P, R and F1 of the full path and of the model alone."""
    a, b = prf(y, p_full), prf(y, p_model)
    print(
        f"{label:<15}{name:<34}{len(y):>6}{int(y.sum()):>6}   {a[0]:7.4f}{a[1]:8.4f}{a[2]:8.4f}"
        f"   {b[0]:.4f} / {b[1]:.4f} / {b[2]:.4f}"
    )


def cross_validated(data: Path) -> None:
    from qinglian.training.train import marketing_oof

    texts, y, oof = marketing_oof(data)
    norm = normalize_batch(texts)
    full = marketing(TextBatch(norm, default_matcher().find(norm), {"marketing": oof})).scores >= 0.5
    yb = y.astype(bool)
    row("marketing", "cn_sms_spam/train+dev, grouped CV", yb, full, oof >= 0.0)
    print(f"   (FP {int(np.sum(full & ~yb))}, FN {int(np.sum(~full & yb))})\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=corpora.DEFAULT_DATA)
    ap.add_argument("--cv", action="store_true", help="first: marketing by grouped CV on train+dev")
    args = ap.parse_args()
    if args.cv:
        print(HEADER)
        cross_validated(args.data)
    sms = corpora.cn_sms_spam(args.data)
    tele = corpora.teleantifraud(args.data)
    gx = corpora.golfxiao(args.data)
    tasks = [
        ("marketing", sms, "cn_sms_spam/test"),
        ("loan", sms, "cn_sms_spam/test (weak labels)"),
        ("fraud", tele, "teleantifraud/test"),
        ("impersonation", tele, "teleantifraud/test"),
        ("fraud", gx, "golfxiao/test0902"),
    ]
    print(HEADER)
    for label, corpus, name in tasks:
        texts, ys = corpora.selected(corpus, label, ["test"])
        y = np.asarray(ys, dtype=bool)
        full, model = scores(texts)
        row(label, name, y, full[:, LABELS.index(label)] >= 0.5, model[label] >= 0.0)
    texts, ys = corpora.selected(sms, "marketing", ["test"])
    normal = [t for t, y in zip(texts, ys, strict=True) if y == 0]
    spam = [t for t, y in zip(texts, ys, strict=True) if y == 1]
    full_normal, _ = scores(normal)
    full_spam, _ = scores(spam)
    print(
        f"\npositive rate per label on cn_sms_spam/test: normal (n={len(normal)}) | marketing (n={len(spam)})"
    )
    for j, label in enumerate(LABELS):
        print(
            f"  {label:<17}{np.mean(full_normal[:, j] >= 0.5):8.4f} | {np.mean(full_spam[:, j] >= 0.5):8.4f}"
        )
    print("\nmarketing positive rate on long non-marketing texts (test splits):")
    for name, corpus in (("teleantifraud normal calls", tele), ("golfxiao non-fraud dialogues", gx)):
        texts, ys = corpora.selected(corpus, "fraud", ["test"])
        normal = [t for t, y in zip(texts, ys, strict=True) if y == 0]
        full, _ = scores(normal)
        print(f"  {name:<30} n={len(normal):<6}{np.mean(full[:, LABELS.index('marketing')] >= 0.5):8.4f}")
    print("\nmarketing positive rate on hand-written SMS (full path | model only):")
    for name, texts in (
        ("ordinary, not marketing", ORDINARY_SMS),
        ("notices (development)", NOTICES_SEEN),
        ("notices (held out)", NOTICES_HELD_OUT),
        ("ads", HAND_ADS),
    ):
        full, model = scores(texts)
        print(
            f"  {name:<30} n={len(texts):<6}{np.mean(full[:, LABELS.index('marketing')] >= 0.5):8.4f}"
            f" | {np.mean(model['marketing'] >= 0.0):.4f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
