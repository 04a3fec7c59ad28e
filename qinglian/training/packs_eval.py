"""A generated evaluation set per industry pack: texts that break the pack's rules (false promises,
official guises) in wordings written apart from the rules, and lawful texts of the same industry
(signed offers with an opt-out, refund policies, appointments, subsidy notices, scam warnings).

Each text is a sentence from a list below inside a frame (a signature and opt-out, a call opening or
nothing); the label is the list's. Wordings the rules were not written for are kept on purpose, so
recall is not 1 by construction. Used by bench/eval_packs.py; never imported at run time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# label -> sentences; "" is a lawful text (no false_promise, no impersonation)
SENTENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "real_estate": {
        "false_promise": (
            "城东新盘保证升值，三年翻一番", "买这套房稳赚不赔，只涨不跌", "投资公寓年回报8%，售后包租十年",
            "学区房保证入学，孩子直升重点小学", "零首付就能买房，首付分期无压力", "内部房源内部价，只给老客户",
            "首付可贷，月供比房租还低", "此房升值空间巨大，买到就是赚到", "包租返租，每年租金回报6%",
            "购房送名校学位，百分百对口名校", "首付只要两万，剩下的我们帮您垫", "房价明年肯定涨，现在买稳赚",
        ),
        "impersonation": (
            "我是市住建局的工作人员，您家的房子需要重新登记", "这里是不动产登记中心，您的房产证信息要核验",
            "住建局通知：辖区二手房需统一评估，请联系我们", "我们是房管局的，通知您小区有安置房名额",
            "我这边是房产交易中心的，您的网签需要补材料", "我是区自然资源局的，您名下房产要做确权",
        ),
        "": (
            "您登记关注的小区有新房源上架，建筑面积89平方米，欢迎预约看房", "感谢您到店咨询，您预约的看房时间为周六上午",
            "本房源学位情况以教育部门当年公布的划片为准", "房东急售，价格可谈，欢迎看房", "三室两厅南北通透，满五唯一",
            "提醒：谨防冒充住建局工作人员的诈骗电话", "本月成交均价以网签备案为准，欢迎来电了解",
            "您委托出售的房屋已有客户预约看房", "新盘开盘，样板间开放，欢迎参观", "租房合同下月到期，请问是否续租",
            "购房首付比例按当地政策执行，详情请咨询银行", "不动产登记中心办事需本人携带身份证前往",
        ),
    },
    "renovation": {
        "false_promise": (
            "0元装修，拎包入住", "免费装修，只需承担材料费", "装修终身质保，有问题随叫随到",
            "全包价绝无增项，一口价到底", "永久保修，质保一辈子", "零元家装活动火热进行中",
            "装修不花钱，政府全额买单", "全包零增项，多一分钱我们赔", "终身免费维修，十年不用操心",
            "签约即送全屋装修，一分钱不要", "质保五十年，保证不开裂不漏水", "0元整装，先住后付",
        ),
        "impersonation": (
            "我是街道办的，咱们小区统一做防水检测", "物业通知：本楼统一安排管道改造检测，请预约",
            "这边是社区居委会，老旧小区改造需要入户测量", "我们是物业服务中心的，您家水管需要更换",
            "街道办统一组织燃气管道检测，请留下时间", "我是燃气公司的，上门检查后可以给您出改造方案",
        ),
        "": (
            "您预约的免费量房已安排在周六上午", "全包套餐报价以合同清单为准，欢迎来电了解",
            "家装以旧换新可申请政府补贴，详情见商务部门公告", "本公司提供免费设计，签约后按图施工",
            "水电改造按实际米数结算，报价单请查收", "质保期两年，隐蔽工程五年，以合同为准",
            "提醒：谨防冒充物业、街道办上门推销装修", "您家的施工进度：本周完成瓷砖铺贴",
            "样板间开放日欢迎参观，到店有礼", "设计师将在明天上午电话联系您确认方案",
            "物业通知：本周六停水，请提前储水", "社区提醒：装修垃圾请按规定时间清运",
        ),
    },
    "education": {
        "false_promise": (
            "中考冲刺班签约保过", "暑期班保证提高30分", "考研集训营包上岸，不过全额退费",
            "命题专家亲授，考点全覆盖", "内部名额仅剩5个，直升重点高中", "教师资格证包过，拿不到证退费",
            "阅卷老师亲授答题技巧，保分冲刺", "押中原题，考前三天密训", "一对一辅导，保证考上重点",
            "成人学历包拿证，无需考试", "考不上退费，签约保障", "出题老师内部讲座，名额有限",
        ),
        "impersonation": (
            "家长您好，我是区教育局的，孩子的暑期测评需要在指定机构报名", "教育局通知：暑期学业测评须在指定机构报名",
            "这里是市考试院，考生需参加指定培训", "我是学校教务处的，孩子需要补课请联系指定机构",
            "我们是招生办的，您孩子有一个特招资格", "考试院提醒：考生须在指定网站缴纳培训费",
        ),
        "": (
            "您预约的试听课安排在周六上午九点", "秋季班开始报名，课程和收费以合同为准",
            "对课程不满意的，开课两周内可申请退费", "提醒：谨防冒充教育局的诈骗电话", "名师授课，小班教学，欢迎试听",
            "本周作业已发布，请家长督促完成", "期中考试成绩已出，请登录查看", "考前模拟卷已上传，欢迎下载",
            "教育局提醒：暑期校外培训须选择正规机构", "寒假班课表已更新，请查收", "孩子本次测验进步明显，继续加油",
            "学费可分三期缴纳，详见缴费须知",
        ),
    },
}

_SMS_FRAMES = ("【{sig}】{s}，详询4008xxxxxx，回T退订", "【{sig}】{s}。拒收请回R", "{s}")
_CALL_FRAMES = ("坐席：您好，{s}。客户：嗯，然后呢？坐席：您方便的话我们约个时间。", "您好，{s}，您看有需要吗？")
_SIGS = {"real_estate": ("安家置业", "链城地产", "宜居房产"), "renovation": ("美居装饰", "匠心家装", "安心整装"),
         "education": ("启航教育", "博学课堂", "英才培训")}


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # "false_promise" | "impersonation" | "" (lawful)


def generated(pack: str, seed: int = 11) -> list[Example]:
    """Every sentence of the pack in every frame (a fixed, deterministic set)."""
    rng = random.Random(f"{pack}:{seed}")
    out: list[Example] = []
    for label, sentences in SENTENCES[pack].items():
        for s in sentences:
            for frame in (*_SMS_FRAMES, *_CALL_FRAMES):
                out.append(Example(frame.format(sig=rng.choice(_SIGS[pack]), s=s), label))
    return out
