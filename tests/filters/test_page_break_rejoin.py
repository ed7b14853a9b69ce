from __future__ import annotations

from collections import Counter

import pytest

from filters.base import Document, apply_verdict
from filters.page_break_rejoin import PageBreakRejoin


@pytest.fixture(scope="module")
def stage() -> PageBreakRejoin:
    return PageBreakRejoin()


def clean(
    stage: PageBreakRejoin, text: str, title: str | None = None, docsite: bool = True
) -> tuple[str, Counter[str]]:
    """Run the stage; `docsite`: the page is a document site's (its boilerplate was found before)."""
    doc = Document(id="1", url="u", text=text, title=title)
    doc.signals["docsite_boilerplate_lines"] = 3.0 if docsite else 0.0
    apply_verdict(doc, stage.judge(doc), stage)
    return doc.text, Counter(span.reason for span in doc.removed)


def test_word_split_by_a_page_break_is_joined(stage: PageBreakRejoin) -> None:
    text = "\n".join(
        [
            "强化思想引领",
            "思想建设是参政党建设的根本，市委会在理论学习、主题教育、宣传引导三个方面持续用力，不断夯实共同思想政治基",
            "础，引导成员坚定政治立场。",
        ]
    )
    cleaned, reasons = clean(stage, text)
    assert cleaned == (
        "强化思想引领\n思想建设是参政党建设的根本，市委会在理论学习、主题教育、宣传引导三个方面持续用力，"
        "不断夯实共同思想政治基础，引导成员坚定政治立场。"
    )
    assert reasons == Counter({"page_break_rejoin_joined": 1})


def test_running_header_between_the_halves_is_removed(stage: PageBreakRejoin) -> None:
    text = "\n".join(
        [
            "凝心聚力 共谋发展",
            "一年来，市委会围绕中心、服务大局，组织开展专题调研12次，提交集体提案9件，其中2件被列为市政协重点提",
            "凝心聚力 共谋发展",
            "案，得到市领导批示肯定。",
        ]
    )
    cleaned, reasons = clean(stage, text, title="凝心聚力 共谋发展")
    assert cleaned.split("\n") == [
        "凝心聚力 共谋发展",
        "一年来，市委会围绕中心、服务大局，组织开展专题调研12次，提交集体提案9件，其中2件被列为市政协重点提案，得到市领导批示肯定。",
    ]
    assert reasons == Counter({"page_break_rejoin_joined": 1, "page_break_rejoin_running_header": 1})


def test_page_number_between_the_halves_is_removed(stage: PageBreakRejoin) -> None:
    text = "\n".join(
        [
            "全市共建成新时代文明实践站326个，累计开展志愿服务活动1.2万场次，惠及群众",
            "- 3 -",
            "50余万人次。",
        ]
    )
    cleaned, reasons = clean(stage, text)
    assert cleaned == "全市共建成新时代文明实践站326个，累计开展志愿服务活动1.2万场次，惠及群众50余万人次。"
    assert reasons["page_break_rejoin_running_header"] == 1


def test_clause_ending_with_a_comma_is_joined(stage: PageBreakRejoin) -> None:
    text = "严格把好发展质量关，定期举办新党员培训班。近四年来，\n全市共发展新党员124名，平均年龄38岁。"
    cleaned, reasons = clean(stage, text)
    assert (
        cleaned == "严格把好发展质量关，定期举办新党员培训班。近四年来，全市共发展新党员124名，平均年龄38岁。"
    )
    assert reasons == Counter({"page_break_rejoin_joined": 1})


def test_traditional_text_is_joined(stage: PageBreakRejoin) -> None:
    text = "區委會積極組織成員參加各類培訓，提升履職能力，近兩年共推薦十一名黨外人士擔任特約監\n察員和特約審計員。"
    cleaned, _ = clean(stage, text)
    assert (
        cleaned
        == "區委會積極組織成員參加各類培訓，提升履職能力，近兩年共推薦十一名黨外人士擔任特約監察員和特約審計員。"
    )


def test_item_of_a_list_of_sentences_cut_by_a_page_break_is_joined(stage: PageBreakRejoin) -> None:
    text = "\n".join(
        [
            "3．建立健全党外代表人士信息库，及时掌握辖区内党外知识分子、新的社会阶层人士基本情况。",
            "4．推荐优秀党外人士参加各类",
            "培训，积极推荐符合条件的党外人士作为人大代表、政协委员人选。",
        ]
    )
    cleaned, reasons = clean(stage, text)
    assert (
        cleaned.split("\n")[1]
        == "4．推荐优秀党外人士参加各类培训，积极推荐符合条件的党外人士作为人大代表、政协委员人选。"
    )
    assert reasons == Counter({"page_break_rejoin_joined": 1})


def test_latin_halves_are_joined_with_a_space(stage: PageBreakRejoin) -> None:
    text = "平台采用分布式架构，支持多终端访问，核心模块基于开源框架Spring\nBoot开发，运行稳定。"
    cleaned, _ = clean(stage, text)
    assert "Spring Boot开发" in cleaned


UNTOUCHED = {
    "headings, list items and complete lines": [
        "一、以坚持多党合作为根本，支持党派组织建设",
        "近年来，区委大力支持民主党派加强自身建设，着力增强各党派的政治意识和参政议政意识",
        "加强组织引导",
        "区委常委会7次研究统战工作，由区委区政府主要领导对有关工作进行谋划部署。",
        "市政协机关党组：",
        "政协机关是政协的参谋部，将坚持守土有责、守土尽责，更好地围绕中心、服务大局",
        "一是提升执行能力。不断提高贯彻落实市委部署的能力和水平。",
        "二是改进协调对接，经常性联系政协各参加单位，共同学习进步、研究问题、推进工作",
        "（一）指导思想",
        "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。",
        "（二）基本原则",
        "坚持以习近平新时代中国特色社会主义思想为指导。",
    ],
    "subtitle with marks inside quotes": [
        "民盟省委会举办盟员骨干履职能力提升培训班",
        "——聚焦参政议政能力建设 培育“懂政策、会调研、善建言”的骨干队伍",
        "11月16日至19日，民盟省委会在省社会主义学院举办培训班，六十余名盟员骨干参加培训。",
    ],
    "repeated line between complete paragraphs": [
        "交流发言",
        "市政协民宗委分党组深入学习领会党的创新理论，用理论武装头脑、指导实践、推动工作。",
        "交流发言",
        "大渡口区政协党组狠抓工作创新，着力打造党建竞赛品牌，提升党建活力。",
    ],
}


@pytest.mark.parametrize("lines", UNTOUCHED.values(), ids=list(UNTOUCHED))
def test_lines_that_end_or_open_nothing_are_not_merged(stage: PageBreakRejoin, lines: list[str]) -> None:
    text = "\n".join(lines)
    cleaned, reasons = clean(stage, text)
    assert cleaned == text
    assert not reasons


def test_odd_input_does_not_crash(stage: PageBreakRejoin) -> None:
    for text in ["", "\n", "，\n，", "- 3 -\n- 3 -\n- 3 -", "a\n\nb", "长" * 100 + "\n" + "短"]:
        stage.judge(Document(id="1", url="u", text=text))


SPLIT_ONCE = "\n".join(
    [
        "秋收时节，全县组织农机合作社开展跨区作业服务，共调度联合收割机一千二百余台，日均收获面积超过五万",
        "亩，确保颗粒归仓。",
    ]
)


def test_a_web_page_without_page_break_evidence_is_not_joined(stage: PageBreakRejoin) -> None:
    cleaned, reasons = clean(stage, SPLIT_ONCE, docsite=False)
    assert cleaned == SPLIT_ONCE
    assert not reasons


def test_several_lines_ending_mid_clause_are_evidence(stage: PageBreakRejoin) -> None:
    second = "\n".join(
        [
            "县农业农村局抽调农技人员组成八个服务小组，深入田间地头指导农户科学晾晒、安全储粮，减少产后损失，共发放技",
            "术资料三千余份。",
        ]
    )
    cleaned, reasons = clean(stage, SPLIT_ONCE + "\n" + second, docsite=False)
    assert cleaned.split("\n") == [
        "秋收时节，全县组织农机合作社开展跨区作业服务，共调度联合收割机一千二百余台，日均收获面积超过五万亩，确保颗粒归仓。",
        "县农业农村局抽调农技人员组成八个服务小组，深入田间地头指导农户科学晾晒、安全储粮，减少产后损失，共发放技术资料三千余份。",
    ]
    assert reasons == Counter({"page_break_rejoin_joined": 2})


def test_a_page_number_between_the_halves_is_evidence_by_itself(stage: PageBreakRejoin) -> None:
    text = SPLIT_ONCE.replace("\n", "\n— 4 —\n")
    cleaned, reasons = clean(stage, text, docsite=False)
    assert "\n" not in cleaned
    assert reasons == Counter({"page_break_rejoin_joined": 1, "page_break_rejoin_running_header": 1})


@pytest.mark.parametrize(
    "closing",
    [
        "9月12日，茶农在云雾山茶园里采摘秋茶，村里的茶叶加工厂也开足马力生产（李卫东 摄）",
        "当天，全县共有一百二十个村同时开展农机作业现场观摩活动，参观群众三千余人次（完）",
    ],
)
def test_a_line_ending_with_a_bracket_group_is_not_open(stage: PageBreakRejoin, closing: str) -> None:
    text = "\n".join([closing, "随后，县里召开秋粮收购工作推进会，部署粮食收购和市场监管工作。"])
    cleaned, reasons = clean(stage, text)
    assert cleaned == text
    assert not reasons
