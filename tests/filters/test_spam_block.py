from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from filters.base import Document, apply_verdict
from filters.spam_block import SpamBlock

ARTICLE_LINES = [
    "为进一步优化营商环境，区市场监管局近日召开企业座谈会，听取二十余家民营企业负责人的意见建议。",
    "座谈会上，企业代表围绕融资渠道、人才引进、政策兑现等问题畅所欲言，相关科室负责人现场作了解答。",
    "区市场监管局局长表示，将建立问题清单和整改台账，对企业反映的诉求逐项跟踪办理，确保件件有回音。",
    "下一步，该局还将持续开展“局长走企业”活动，推动惠企政策直达快享，为经营主体纾困解难。",
]
ARTICLE = "\n".join(ARTICLE_LINES)


@pytest.fixture(scope="module")
def stage() -> SpamBlock:
    return SpamBlock()


def clean(stage: SpamBlock, text: str) -> tuple[Document, Counter[str]]:
    doc = Document(id="1", url="https://www.example.gov.cn/a.html", text=text)
    apply_verdict(doc, stage.judge(doc), stage)
    return doc, Counter(span.reason for span in doc.removed)


# (spam lines inserted after the article's second line, the reason expected)
SPAM_BLOCKS = {
    "gambling keywords stuffed between bars": (
        ["澳门百家乐|重庆时时彩|北京赛车pk10|幸运飞艇|真人视讯|电子游艺|老虎机"],
        "spam_block_stuffing",
    ),
    "porn title words stuffed between commas": (
        ["中文字幕，无码高清，国产自拍，日韩欧美，免费观看，在线播放"],
        "spam_block_stuffing",
    ),
    "repeated characters with title words": (
        ["色综合久久久久久久 一本到国产精品", "亚洲成人影院永久免费观看"],
        "spam_block_repeated",
    ),
    "casino advertisement with a bonus and a domain": (
        ["新葡京娱乐官网，新用户注册即送88元彩金，提款秒到账，备用网址：www.xpj5577.vip"],
        "spam_block_ad",
    ),
    "lottery tipster with a QQ number": (
        ["六合彩一肖中特免费资料，加QQ：88776655 进群领取"],
        "spam_block_ad",
    ),
    "sentence-shaped advertisement dense with products": (
        ["本平台提供真人百家乐与重庆时时彩以及北京赛车pk10和幸运飞艇的全天候投注服务，首页即可体验。"],
        "spam_block_lexicon",
    ),
    "an illegal site's domain": (["www.010caipiao.com   166cai.com"], "spam_block_domain"),
    "one traditional sentence sending readers to a porn site": (
        [
            "每晚更新精彩成人電影，無碼中文字幕高清播放，電腦手機均可流暢觀看，本站最新網址：kk8899.tv 敬請收藏。"
        ],
        "spam_block_ad",
    ),
    "one simplified sentence giving a porn site's permanent address": (
        ["夜夜都有新片上架，国产偷拍、欧美无码全部免费，请记住永久域名 hh520.cc 防止失联。"],
        "spam_block_ad",
    ),
    "escort ad on short lines with the phone number on its own line": (
        [
            "本地外围 空降酒店 私密可靠",
            "热线：137 1234 5678 同微信",
            "学生妹 兼职妹 包夜优惠",
            "咨询电话：021-5555-8888 QQ:1234567890",
            "楼凤信息 全城上门 不满意不收费",
        ],
        "spam_block_escort",
    ),
    "escort words and a contact on one line": (
        ["外围模特 全城空降 私密可靠 微信：abc778899"],
        "spam_block_escort",
    ),
    "traditional title list with lines holding a single term": (
        [
            "午夜福利影院免費看",
            "亞洲綜合色網站",
            "澳門賭場線上開戶",
            "真人百家樂平台推薦",
            "成人影院每日更新",
        ],
        "spam_block_title_list",
    ),
    "list of porn video titles": (
        ["熟女保养的秘密第二季", "午夜影院今晚上映", "欧美风格自拍技巧大全", "人妻日记完整版"],
        "spam_block_title_list",
    ),
}


@pytest.mark.parametrize("case", sorted(SPAM_BLOCKS))
def test_spam_block_is_removed_and_article_kept(stage: SpamBlock, case: str) -> None:
    spam, reason = SPAM_BLOCKS[case]
    text = "\n".join([*ARTICLE_LINES[:2], *spam, *ARTICLE_LINES[2:]])
    doc, reasons = clean(stage, text)
    assert reasons == Counter({reason: 1})
    assert doc.text == ARTICLE
    assert doc.drop_reason is None
    assert doc.signals["spam_block_lines"] == len(spam)
    assert doc.signals["spam_block_chars"] == sum(len(line) + 1 for line in spam)


def test_spam_block_at_the_end_of_a_traditional_page(stage: SpamBlock) -> None:
    article = (
        "近年來，天河區大力支持民主黨派加強自身建設，黨派工作取得新成績。\n"
        "目前，全區八大民主黨派基層組織共有成員1057人、支部48個，在辦公場地、調研經費方面實現了從無到有。"
    )
    spam = (
        "\n極品少婦粉嫩精品視頻,國產日韓精品在線視頻,青青草免費精品視頻在線播放"
        "\n色綜合久久久久久久 | 一區二區三區國產 | 亞洲中文字幕在線 | 在線永久免費AV網站"
    )
    doc, reasons = clean(stage, article + spam)
    assert doc.text == article
    assert sum(reasons.values()) == 1
    assert doc.tags["spam_block_category"] == "porn"


HARD_NEGATIVES = {
    "扫黄打非 campaign news": [
        "扫黄打非·净网2024专项行动取得阶段性成效",
        "今年以来，市扫黄打非办公室联合公安、网信、文旅等部门，持续开展净网专项整治行动。",
        "行动中共查处传播淫秽色情信息、网络赌博、非法彩票等案件42起，关闭违法网站120余个，"
        "清理“百家乐”“六合彩”等赌博类有害信息3600余条。",
        "下一步，市扫黄打非办公室将继续保持高压态势，营造清朗网络空间。",
    ],
    "court report on an online casino": [
        "近日，某区人民法院依法公开审理一起开设赌场案。",
        "经审理查明，被告人张某自2021年起租用境外服务器搭建“金沙娱乐”网络赌博平台，"
        "以真人百家乐、重庆时时彩、北京赛车等方式组织他人赌博。",
        "被告人通过微信群发布网址，以注册送彩金、首存返水等手段招揽会员，累计投注流水达3000余万元。",
        "法院以开设赌场罪判处被告人张某有期徒刑五年，并处罚金人民币五十万元。",
    ],
    "police notice about illegal lotteries": [
        "关于严厉打击非法彩票活动的通告",
        "近期，部分不法分子利用网络和手机APP销售私彩、六合彩，以“一肖中特”“内部资料”为名实施诈骗。",
        "警方提醒：凡是宣称“注册就送彩金”“百家乐稳赚不赔”的网站均为诈骗平台，请广大群众提高警惕。",
        "发现相关违法犯罪线索，请及时拨打110或向当地公安机关举报。",
    ],
    "ordinary words that porn titles stack": [
        "守正出新 久久为功",
        "国产大飞机C919完成首次商业载客飞行",
        "打造精品文旅线路 助力乡村振兴",
        "日韩游客赴华旅游人数同比增长",
        "他连说三声“好好好”，对国产精品牌的发展前景表示肯定。",
        "学校组织高清在线观看航天员太空授课直播，同学们反响热烈。",
    ],
    "a list of films to watch online": [
        "《长津湖》高清在线观看",
        "《觉醒年代》全集免费观看",
        "《建党伟业》高清完整版在线播放",
        "《山海情》第1集在线观看",
    ],
    "case titles of a court's typical cases": [
        "典型案例一：王某某开设赌场案",
        "典型案例二：李某某组织网络赌博案（涉百家乐、时时彩）",
        "典型案例三：张某某非法经营六合彩案",
    ],
    "Macau gaming revenue news": [
        "澳门特区政府博彩监察协调局公布，10月份幸运博彩毛收入193亿澳门元，同比增长超过四成。",
        "澳门六大博彩公司：澳博控股、银河娱乐、金沙中国、永利澳门、美高梅中国、新濠博亚",
    ],
    "a report naming several games without context words": [
        "调查显示，部分青少年通过短视频平台接触到所谓“百家乐”“六合彩”“时时彩”等游戏，"
        "学校和家长需要加强引导，帮助孩子树立正确的消费观念和娱乐观念。",
    ],
    "police report on an escort ring that used WeChat and phones": [
        "近日，市公安局治安支队民警根据群众举报，依法查处一个利用微信发布招嫖信息的卖淫团伙，抓获犯罪嫌疑人5名。",
        "经查，该团伙以“外围女”“学生妹”“空降酒店”“包夜服务”为噱头，通过微信和电话13912345678联系嫖客。",
        "警方提醒：凡是宣称“同城空降”“上门服务”的网站和微信账号均涉嫌违法，请勿轻信，发现线索请拨打110举报。",
    ],
    "court and 扫黄打非 reports naming porn sites and their addresses": [
        "法院以组织卖淫罪判处被告人有期徒刑六年，并处罚金。涉案网站www.abc-ye.com已被依法关闭。",
        "扫黄打非办公室通报：今年以来共关闭传播淫秽色情内容的网站86个，"
        "其中多个网站以“永久地址”“最新网址”诱导网民收藏，并发布国产、无码等低俗视频。",
    ],
    "home-care and repair notices with service hotlines": [
        "社区卫生服务中心为辖区失能老人提供上门服务",
        "同城配送 上门安装 保修三年 全套设备",
        "服务热线：0571-8765-4321",
    ],
    "airborne troops and a qualifying round with a contact line": [
        "空降兵某旅开展外围警戒 同城联训",
        "联系电话：010-6666-1234",
        "世预赛外围赛 国足主场迎战对手",
    ],
    "a government page citing a web site": [
        "详情请登录中国政府网（www.gov.cn）或拨打咨询电话13800138000查询。",
    ],
}


@pytest.mark.parametrize("case", sorted(HARD_NEGATIVES))
def test_reports_and_ordinary_text_keep_every_sentence(stage: SpamBlock, case: str) -> None:
    text = "\n".join([*HARD_NEGATIVES[case], *ARTICLE_LINES])
    doc, reasons = clean(stage, text)
    assert reasons == Counter()
    assert doc.text == text
    assert doc.drop_reason is None
    assert doc.signals["spam_block_lines"] == 0


def test_signals_are_recorded_for_kept_pages(stage: SpamBlock) -> None:
    doc, _ = clean(stage, "\n".join(HARD_NEGATIVES["court report on an online casino"]))
    assert doc.signals["spam_block_lexicon_hits"] >= 4
    assert doc.signals["spam_block_score"] == 0  # every line is vetoed by its context words
    assert doc.signals["spam_block_chars"] == 0


def test_page_that_is_mostly_spam_is_dropped(stage: SpamBlock) -> None:
    text = "\n".join(
        [
            "首页",
            "澳门新葡京官方网站-新葡京娱乐场-新葡京百家乐官网",
            "新葡京娱乐官网，新用户注册即送88元彩金，提款秒到账，备用网址：www.xpj5577.vip",
            "百家乐|龙虎斗|骰宝|老虎机|真人视讯|体育投注|电子游艺|捕鱼达人",
            "版权所有",
        ]
    )
    doc, _ = clean(stage, text)
    assert doc.drop_reason == "spam_block_mostly_spam"


def test_short_article_with_a_spam_line_is_not_dropped(stage: SpamBlock) -> None:
    text = ARTICLE_LINES[0] + "\n百家乐,六合彩,时时彩,北京赛车,幸运飞艇"
    doc, reasons = clean(stage, text)
    assert doc.drop_reason is None
    assert doc.text == ARTICLE_LINES[0]
    assert reasons == Counter({"spam_block_stuffing": 1})


def test_drop_can_be_turned_off() -> None:
    stage = SpamBlock(min_remaining_han=None)
    doc = Document(id="1", url="u", text="澳门百家乐|重庆时时彩|北京赛车pk10|幸运飞艇|真人视讯")
    verdict = stage.judge(doc)
    assert verdict.drop is None and len(verdict.removals) == 1


def test_lexicon_directory_can_be_replaced(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("# test list\n星际彩票\n银河彩票\n月球彩票\n", encoding="utf-8")
    (tmp_path / "spam_lexicons.yaml").write_text(
        "lists:\n  - file: words.txt\n    category: gambling\n    weight: 3\n", encoding="utf-8"
    )
    stage = SpamBlock(lexicon_dir=str(tmp_path))
    _, reasons = clean(stage, ARTICLE + "\n星际彩票、银河彩票、月球彩票、火星彩票")
    assert reasons == Counter({"spam_block_stuffing": 1})
    _, reasons = clean(stage, ARTICLE + "\n百家乐|六合彩|时时彩|北京赛车|幸运飞艇")
    assert reasons == Counter()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "百家乐",
        "\ud800六合彩\U00020000",
        "久" * 10000,
        ("六合彩," * 20000)[:-1],
        "a\u0301" * 100,
    ],
)
def test_odd_input_never_crashes(stage: SpamBlock, text: str) -> None:
    doc = Document(id="1", url="u", text=text)
    apply_verdict(doc, stage.judge(doc), stage)
