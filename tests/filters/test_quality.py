"""The quality stage: signals on every document, drops only for text that is clearly not prose."""

from __future__ import annotations

import pytest

from filters.base import Document, Verdict
from filters.quality import Quality

# ---------------------------------------------------------------- ordinary pages that must pass

STATISTICS_BULLETIN = """\
2023年临江市国民经济和社会发展统计公报
临江市统计局
2024年3月18日
一、综合
初步核算，全年全市地区生产总值（GDP）4286.37亿元，按不变价格计算，比上年增长6.1%。其中，第一产业增加值312.58亿元，增长3.9%；第二产业增加值1745.20亿元，增长6.8%；第三产业增加值2228.59亿元，增长5.9%。三次产业结构为7.3∶40.7∶52.0。
全年居民消费价格比上年上涨0.4%，其中食品烟酒类价格下降0.6%。工业生产者出厂价格下降2.1%，工业生产者购进价格下降3.0%。
表1 2023年居民消费价格比上年涨跌幅度
单位：%
| 指标 | 全市 | 城市 | 农村 |
|---|---|---|---|
| 居民消费价格 | 0.4 | 0.4 | 0.3 |
| 食品烟酒 | -0.6 | -0.5 | -0.8 |
| 衣着 | 1.2 | 1.3 | 0.9 |
| 居住 | -0.3 | -0.3 | -0.2 |
| 生活用品及服务 | 0.1 | 0.1 | 0.2 |
| 交通通信 | -1.9 | -1.9 | -2.0 |
| 教育文化娱乐 | 2.1 | 2.2 | 1.8 |
| 医疗保健 | 0.8 | 0.8 | 0.7 |
| 其他用品及服务 | 3.5 | 3.6 | 3.1 |
二、农业
全年粮食种植面积186.4千公顷，比上年增加1.2千公顷。其中，稻谷种植面积92.7千公顷，小麦种植面积41.3千公顷。全年粮食产量128.6万吨，比上年增长2.3%。
表2 2023年主要农产品产量及其增长速度
| 产品名称 | 单位 | 产量 | 比上年增长（%） |
|---|---|---|---|
| 粮食 | 万吨 | 128.6 | 2.3 |
| 油料 | 万吨 | 9.8 | 4.1 |
| 蔬菜 | 万吨 | 356.2 | 3.7 |
| 水果 | 万吨 | 87.5 | 5.2 |
| 猪肉 | 万吨 | 21.4 | -1.6 |
| 禽蛋 | 万吨 | 12.9 | 1.1 |
| 水产品 | 万吨 | 18.3 | 2.8 |
三、工业和建筑业
全年规模以上工业增加值比上年增长7.2%。分经济类型看，国有控股企业增长5.1%，股份制企业增长7.6%，外商及港澳台商投资企业增长4.3%。分门类看，采矿业增长2.4%，制造业增长7.9%，电力、热力、燃气及水生产和供应业增长3.8%。
表3 2023年规模以上工业主要产品产量及其增长速度
| 产品名称 | 单位 | 产量 | 比上年增长（%） |
|---|---|---|---|
| 发电量 | 亿千瓦时 | 215.37 | 4.6 |
| 水泥 | 万吨 | 1382.55 | -3.2 |
| 钢材 | 万吨 | 467.10 | 2.9 |
| 汽车 | 万辆 | 18.62 | 12.4 |
| 新能源汽车 | 万辆 | 6.35 | 41.8 |
| 集成电路 | 亿块 | 3.27 | 18.6 |
| 移动通信手持机 | 万台 | 842.00 | 6.7 |
四、固定资产投资
全年固定资产投资比上年增长5.4%。其中，基础设施投资增长8.7%，制造业投资增长10.2%，房地产开发投资下降6.9%。
注：
1.本公报中数据均为初步统计数，部分数据因四舍五入的原因，存在总计与分项合计不等的情况。
2.地区生产总值、各产业增加值绝对数按现价计算，增长速度按不变价格计算。
"""

WORK_REPORT = """\
青溪区2024年政府工作报告（摘要）
各位代表：
现在，我代表区人民政府，向大会报告工作，请予审议，并请区政协委员和其他列席人员提出意见。
一、2023年工作回顾
（一）经济运行稳中向好
一是项目建设提速。全年实施重点项目126个，完成投资248亿元，新开工亿元以上项目41个。
二是产业升级加快。新增规模以上工业企业37家，高新技术企业总数达到215家。
三是消费市场回暖。社会消费品零售总额增长7.5%，新增限额以上商贸企业62家。
（二）城乡面貌持续改善
一是城市更新有序推进。完成老旧小区改造43个，惠及居民1.2万户。
二是乡村振兴扎实开展。建成美丽乡村示范村12个，农村生活污水治理实现全覆盖。
三是生态环境持续向好。空气质量优良天数比例达到91.3%，主要河流断面水质稳定达标。
（三）民生福祉不断增进
一是就业形势总体稳定。城镇新增就业1.6万人，城镇登记失业率控制在3%以内。
二是教育事业均衡发展。新建改扩建中小学、幼儿园9所，新增学位5400个。
三是健康青溪加快建设。区人民医院新院区投入使用，家庭医生签约服务覆盖率提高到78%。
二、2024年主要任务
（一）聚焦实体经济，加快构建现代化产业体系
一是做强先进制造业。实施制造业“强链补链”行动，推动15个技改项目竣工投产。
二是做优现代服务业。加快建设区域物流中心，培育省级服务业集聚区2个。
三是做实科技创新。新增高新技术企业30家以上，研发经费投入强度达到2.8%。
（二）聚焦改革开放，持续优化营商环境
一是深化“放管服”改革。推行“一件事一次办”，政务服务事项网上可办率保持100%。
二是扩大有效投资。全年谋划储备重大项目150个，完成固定资产投资增长6%以上。
（三）聚焦民生实事，不断提升群众获得感
一是稳定和扩大就业。开发公益性岗位300个，开展职业技能培训1万人次。
二是办好人民满意的教育。推进集团化办学，新建幼儿园2所。
三是织密社会保障网。城乡居民基本医疗保险参保率稳定在95%以上。
各位代表，新的一年任务艰巨、使命光荣。让我们在区委的坚强领导下，凝心聚力、真抓实干，为建设现代化青溪而不懈奋斗！
"""

APPOINTMENT_NOTICE = """\
临江市人民政府关于陈建国等同志职务任免的通知
各县（市、区）人民政府，市政府各部门、各直属机构：
经市政府研究决定：
任命陈建国为临江市发展和改革委员会副主任；
任命林晓燕为临江市发展和改革委员会副主任；
任命王志强为临江市发展和改革委员会总经济师；
任命黄丽华为临江市教育局副局长；
任命郑永明为临江市教育局副局长；
任命吴海涛为临江市财政局副局长；
任命刘思远为临江市财政局副局长；
任命许文静为临江市交通运输局副局长；
免去赵德明的临江市发展和改革委员会副主任职务；
免去孙立新的临江市发展和改革委员会副主任职务；
免去周建华的临江市教育局副局长职务；
免去钱国栋的临江市教育局副局长职务；
免去冯志刚的临江市财政局副局长职务；
免去韩玉梅的临江市交通运输局副局长职务。
临江市人民政府
2024年1月15日
"""

MEMBER_LIST = """\
中国人民政治协商会议临江市第九届委员会委员名单
（2022年1月8日政协临江市第八届委员会常务委员会第二十五次会议协商通过）
中共（21人）
丁　勇　于海峰　马　丽　马振华　王　军　王小红　王永昌　王佳怡　方　明　卢国平
叶春生　田晓光　冯　涛　朱建英　任重远　刘　洋　刘红梅　许国华　孙　静　李长江　杨建新
民革（12人）
吴　敏　何立新　沈　洁　宋志勇　张　伟　张丽君　陈　刚　陈晓东　林　峰　罗文华　周　平　郑国庆
民盟（14人）
孟繁荣　赵　磊　赵雅琴　胡建平　柳　青　段宏伟　姜　红　袁志强　顾　鹏　钱玉兰　徐　斌　高　翔　郭海燕　黄志明
民建（13人）
曹　阳　龚丽娟　崔永生　梁　晨　彭建军　董　立　蒋文斌　韩　冰　程晓梅　傅国强　鲁　颖　谢天明　蔡　宁
无党派人士（16人）
潘　虹　薛志远　戴国辉　魏　平　于　洁　马德胜　王　卉　方志刚　邓　超　石　磊　卢　燕　叶　飞　史红霞　白　杨　冯　敏　邢志国
"""

SHORT_NOTICE = """\
关于召开2024年第一季度安全生产工作例会的通知
各科室、各直属单位：
会议时间：3月15日（星期五）上午9:00
会议地点：局机关三楼会议室
参会人员：各科室、各直属单位主要负责人
请参会人员准时参加，不得缺席。
局办公室
2024年3月12日
"""

POINT_FORM_NOTICE = """\
关于开展“学习强国”线下学习活动的安排
活动时间：4月18日下午2:30
活动地点：区图书馆二楼报告厅
参加人员：机关全体党员干部
联系人：办公室 何静 0571-86012345
"""

COMMENDATION = """\
关于表彰2023年度全市安全生产工作先进集体和先进个人的决定
各县（市、区）人民政府，市政府各部门：
2023年，全市各地各部门认真贯彻落实党中央、国务院关于安全生产的决策部署，涌现出一批先进集体和先进个人。为表彰先进，市政府决定对以下单位和个人予以通报表彰。
先进集体
市应急管理局、市公安局交通警察支队、市住房和城乡建设局、市交通运输局、市市场监督管理局、市消防救援支队、临江县应急管理局、东湖区住房和城乡建设局、西山区交通运输局、南港区市场监督管理局、北岸镇人民政府、青石街道办事处、临江港务集团有限公司、临江燃气有限公司
先进个人
王建军、李晓红、张国庆、刘志明、陈丽萍、杨海波、赵文龙、黄建平、周小燕、吴国强、徐立新、孙志华、胡晓东、朱丽娟
希望受表彰的单位和个人珍惜荣誉，再接再厉。
"""

POLICY_WITH_KEYWORDS = """\
临江市优化营商环境三年行动方案政策解读
一、出台背景
为深入贯彻落实党中央、国务院关于优化营商环境的决策部署，进一步激发市场主体活力，市政府制定了本方案。
二、主要内容
方案提出，到2026年，全市营商环境主要指标达到全省前列，政务服务事项全程网办率达到95%以上，企业开办时间压缩至1个工作日以内。
三、保障措施
各地各部门要建立工作专班，明确责任分工，定期通报进展情况，确保各项任务落到实处。
关键词：营商环境 政务服务 市场主体 一网通办 放管服 数字政府 信用体系 惠企政策 要素保障 法治环境
"""

BILINGUAL_PAGE = """\
临江市简介 About Linjiang
临江市位于长江下游南岸，总面积4260平方公里，常住人口312万人。
Linjiang is located on the south bank of the lower reaches of the Yangtze River, covering a total area of 4,260 square kilometres with a resident population of 3.12 million.
临江历史悠久，是国家历史文化名城。
With a long history, Linjiang is a national famous historical and cultural city.
"""

PROBATION_NOTICE = """\
关于王军等同志试用期满正式任职的通知
各科室：
王军等同志试用期已满，经考核合格，局党组研究决定，正式任职如下：
王军为副主任科员；
李红为副主任科员；
张伟为副主任科员；
刘洋为副主任科员；
陈静为副主任科员；
杨帆为副主任科员；
赵敏为副主任科员；
黄磊为副主任科员；
周婷为副主任科员；
吴昊为副主任科员。
任职时间从2024年3月1日起计算。
局政治处
2024年3月5日
"""

# A statistics release as the visible-text fallback gives it: one table cell per line.
FALLBACK_TABLE = "\n".join(
    [
        "2024年1-2月临江市主要经济指标",
        "现将1-2月全市主要经济指标发布如下。",
        "指标",
        "单位",
        "1-2月",
        "同比增长（%）",
    ]
    + [
        cell
        for row in [
            ("规模以上工业增加值", "亿元", "215.6", "6.8"),
            ("固定资产投资", "亿元", "402.3", "5.1"),
            ("社会消费品零售总额", "亿元", "388.9", "7.4"),
            ("一般公共预算收入", "亿元", "96.2", "3.3"),
            ("外贸进出口总额", "亿元", "301.7", "8.0"),
            ("城镇居民人均可支配收入", "元", "12873", "5.2"),
            ("农村居民人均可支配收入", "元", "6921", "6.9"),
            ("居民消费价格指数", "%", "100.4", "0.4"),
        ]
        for cell in row
    ]
)

ORDINARY_PAGES = {
    "statistics bulletin": STATISTICS_BULLETIN,
    "work report": WORK_REPORT,
    "appointment notice": APPOINTMENT_NOTICE,
    "member list": MEMBER_LIST,
    "short notice": SHORT_NOTICE,
    "point-form notice": POINT_FORM_NOTICE,
    "commendation": COMMENDATION,
    "policy with keywords": POLICY_WITH_KEYWORDS,
    "bilingual page": BILINGUAL_PAGE,
    "probation notice": PROBATION_NOTICE,
    "fallback table": FALLBACK_TABLE,
}

# ---------------------------------------------------------------- pages that are not prose

SCRIPT_DUMP = """\
首页
var _hmt = _hmt || []; (function() { var hm = document.createElement("script"); hm.src = "https://hm.baidu.com/hm.js?3f6a9c1e0b"; var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); })();
window.onload = function () { document.getElementById("fontsize").onclick = function (e) { setFont(e.target.dataset.size || 16); }; };
function setFont(size) { document.querySelector(".article-content").style.fontSize = size + "px"; }
"""

SYMBOL_WALL = """\
🔥🔥🔥重磅福利🔥🔥🔥
★★★★★新人注册即送888元★★★★★
💰💰💰💰首充再送100%💰💰💰💰
♠♥♣♦♠♥♣♦ 真人在线 ♠♥♣♦♠♥♣♦
▶▶▶▶点击进入◀◀◀◀
✿✿✿✿✿✿✿✿✿✿✿✿✿✿✿✿
"""

REPEATED_CHARS = """\
久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久
久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久
久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久久
"""

REPEATED_BLOCK = "\n".join(
    ["代开各类发票，正规渠道，当天出票，全市送达，联系电话13912345678。"] * 3
    + ["诚信经营，专业代办增值税发票、普通发票，价格优惠，欢迎来电咨询。"] * 3
)

KEYWORD_STUFFING = """\
澳门新葡京,澳门赌场,真人百家乐,网上赌博,时时彩,北京赛车pk10,六合彩开奖,真人荷官,皇冠体育,体育投注,老虎机,棋牌游戏,捕鱼达人
网上赌场,真钱游戏,百家乐技巧,龙虎斗,牛牛游戏,炸金花,德州扑克,彩票计划,幸运飞艇,快三技巧,足球竞猜,篮球投注,电子游艺
澳门威尼斯人|太阳城集团|永利皇宫|金沙娱乐|银河娱乐|美高梅|葡京娱乐场|新濠天地|威尼斯人官网|金沙官网|太阳城官网
在线开户,注册送彩金,首存优惠,返水最高,提款秒到,信誉平台,官方直营,实力担保,大额无忧,安全稳定,手机投注,极速到账
欢迎访问本站
"""

TITLE_LIST = """\
临江市人民政府办公室关于印发临江市城市更新行动实施方案的通知 2024-03-12
临江市人民政府关于公布第三批市级非物质文化遗产代表性项目名录的通知 2024-03-08
临江市人民政府办公室关于进一步加强耕地保护工作的实施意见 2024-03-05
临江市人民政府关于调整部分行政权力事项的决定 2024-02-28
临江市人民政府办公室关于印发临江市促进民营经济高质量发展若干措施的通知 2024-02-22
临江市人民政府关于表彰2023年度全市安全生产工作先进集体和先进个人的决定 2024-02-18
临江市人民政府办公室关于做好2024年春耕生产工作的通知 2024-02-10
临江市人民政府关于印发临江市国土空间总体规划实施方案的通知 2024-02-02
首页 上一页 1 2 3 4 5 下一页 尾页
"""


@pytest.fixture(scope="module")
def stage() -> Quality:
    return Quality()


def judge(stage: Quality, text: str) -> Verdict:
    return stage.judge(Document(id="doc", url="https://www.linjiang.gov.cn/art/1.html", text=text))


@pytest.mark.parametrize("name", sorted(ORDINARY_PAGES))
def test_ordinary_government_pages_pass_with_default_thresholds(stage: Quality, name: str) -> None:
    verdict = judge(stage, ORDINARY_PAGES[name])
    assert verdict.drop is None, (name, verdict.drop, verdict.signals)
    assert not verdict.removals


def test_signals_are_recorded_for_kept_documents(stage: Quality) -> None:
    signals = judge(stage, STATISTICS_BULLETIN).signals
    expected = {
        "quality_n_han",
        "quality_han_ratio",
        "quality_digit_ratio",
        "quality_latin_ratio",
        "quality_symbol_ratio",
        "quality_sentence_punct_per_han",
        "quality_sentence_line_frac",
        "quality_terminal_punct_line_frac",
        "quality_mean_line_chars",
        "quality_dup_line_frac",
        "quality_dup_line_char_frac",
        "quality_keyword_stuffing",
        *(f"quality_top_{n}gram_frac" for n in (2, 3, 4)),
        *(f"quality_dup_{n}gram_frac" for n in range(5, 11)),
    }
    assert expected <= set(signals)
    assert all(isinstance(value, int | float) for value in signals.values())
    # A bulletin is digit-heavy, yet mostly Han and full of sentences.
    assert signals["quality_digit_ratio"] > 0.15
    assert 0.4 < signals["quality_han_ratio"] < 0.8
    assert signals["quality_sentence_punct_per_han"] > 0.01


def test_signal_values_on_a_small_text(stage: Quality) -> None:
    signals = judge(stage, "今天开会。\n今天开会。\nABC 123").signals
    assert signals["quality_n_han"] == 8
    assert signals["quality_han_ratio"] == pytest.approx(8 / 16)
    assert signals["quality_digit_ratio"] == pytest.approx(3 / 16)
    assert signals["quality_latin_ratio"] == pytest.approx(3 / 16)
    assert signals["quality_dup_line_frac"] == pytest.approx(1 / 3)
    assert signals["quality_dup_line_char_frac"] == pytest.approx(5 / 17)
    assert signals["quality_terminal_punct_line_frac"] == pytest.approx(2 / 3)
    assert signals["quality_sentence_punct_per_han"] == pytest.approx(2 / 8)


def test_astral_han_and_emoji_are_classified(stage: Quality) -> None:
    signals = judge(stage, "𠀀𠀁 🎉 abc").signals  # Extension B Han, an emoji, Latin
    assert signals["quality_n_han"] == 2
    assert signals["quality_symbol_ratio"] == pytest.approx(1 / 6)
    assert signals["quality_latin_ratio"] == pytest.approx(3 / 6)


def test_low_han_ratio_drops_a_script_dump(stage: Quality) -> None:
    assert judge(stage, SCRIPT_DUMP).drop == "quality_low_han_ratio"


def test_symbol_wall_is_dropped(stage: Quality) -> None:
    assert judge(stage, SYMBOL_WALL).drop == "quality_symbols"


def test_repeated_characters_are_repetitive(stage: Quality) -> None:
    verdict = judge(stage, REPEATED_CHARS)
    assert verdict.drop == "quality_repetitive"
    assert verdict.signals["quality_top_2gram_frac"] > 0.9


def test_repeated_lines_are_repetitive(stage: Quality) -> None:
    verdict = judge(stage, REPEATED_BLOCK)
    assert verdict.drop == "quality_repetitive"
    assert verdict.signals["quality_dup_line_char_frac"] > 0.6


def test_repeated_position_titles_in_an_appointment_list_are_not_repetitive(stage: Quality) -> None:
    signals = judge(stage, APPOINTMENT_NOTICE).signals
    assert signals["quality_dup_10gram_frac"] > 0.3  # official style repeats long phrases...
    assert judge(stage, APPOINTMENT_NOTICE).drop is None  # ...and that is not spam


def test_keyword_stuffing_is_dropped(stage: Quality) -> None:
    verdict = judge(stage, KEYWORD_STUFFING)
    assert verdict.drop == "quality_keyword_stuffing"
    assert verdict.signals["quality_keyword_stuffing"] > 0.8


def test_name_lists_and_enumerations_are_not_stuffing(stage: Quality) -> None:
    assert judge(stage, MEMBER_LIST).signals["quality_keyword_stuffing"] == 0
    assert judge(stage, COMMENDATION).signals["quality_keyword_stuffing"] == 0
    # One keyword line in an article is stuffing-shaped but a small share of the page.
    assert 0 < judge(stage, POLICY_WITH_KEYWORDS).signals["quality_keyword_stuffing"] < 0.3


def test_title_list_without_sentences_is_dropped(stage: Quality) -> None:
    assert judge(stage, TITLE_LIST).drop == "quality_no_sentences"


def test_one_sentence_is_enough_for_a_list_page(stage: Quality) -> None:
    with_intro = "现将近期发布的政府文件目录公布如下，供社会各界查阅。\n" + TITLE_LIST
    assert judge(stage, with_intro).drop is None


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"min_han_ratio": None}, SCRIPT_DUMP),
        ({"max_symbol_ratio": None}, SYMBOL_WALL),
        ({"max_keyword_stuffing": None, "min_han_no_sentences": None}, KEYWORD_STUFFING),
        ({"min_han_no_sentences": None}, TITLE_LIST),
    ],
)
def test_none_turns_a_check_off(params: dict[str, None], text: str) -> None:
    assert judge(Quality(**params), text).drop is None


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "   ", "\ufffd" * 50, "a\ud800b", "𠀀𠀁𠀂" * 100, "🎉", "x" * 300_000, "测" * 300_000],
)
def test_odd_input_never_crashes(stage: Quality, text: str) -> None:
    verdict = judge(stage, text)
    assert verdict.signals["quality_n_han"] >= 0
    if not text.strip():
        assert verdict.drop is None  # empty text is min_content's business
