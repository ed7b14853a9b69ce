from __future__ import annotations

from collections import Counter

import pytest

from filters.base import Document, apply_verdict
from filters.related_tail import RelatedTail

ARTICLE = "\n".join(
    [
        "今年以来，市政协围绕推动制造业高质量发展开展专题协商，组织委员深入企业、园区调研，形成调研报告3篇。",
        "市政协主席在协商会上指出，要聚焦产业链供应链稳定，帮助企业解决融资难、用工难等实际问题。",
        "下一步，市政协将持续跟踪协商成果落实情况，推动更多意见建议转化为具体政策措施。",
    ]
)


@pytest.fixture(scope="module")
def stage() -> RelatedTail:
    return RelatedTail()


def clean(stage: RelatedTail, text: str) -> tuple[str, Counter[str]]:
    doc = Document(id="1", url="u", text=text)
    apply_verdict(doc, stage.judge(doc), stage)
    return doc.text, Counter(span.reason for span in doc.removed)


END_AND_LIST = Counter({"related_tail_end_marker": 1, "related_tail_related_list": 1})

# (what follows the article, the reasons expected); the article's own text must come out whole.
REMOVED_TAILS = {
    "end marker and numbered titles with URLs": (
        "\nTHE END"
        "\n1.凝聚委员智慧 助力产业升级近日，市政协召开专题协商会，围绕先进制造业集群建设建言献策……"
        "https://www.example-zx.gov.cn/news/2024/0412/1234.html"
        "\n2.政协委员走进园区问需于企市政协组织委员赴高新区开展视察，听取企业意见建议。"
        "http://www.example-news.cn/zx/5678.html"
        "\n3.以协商之力促发展之效https://www.example-paper.cn/detail_forward_2280",
        END_AND_LIST,
    ),
    "Xinhua end marker closing the last sentence": ("（完）", Counter({"related_tail_end_marker": 1})),
    "inline end marker, then a related-news list": (
        "(完)\n相关新闻\n市政协召开十四届五次常委会议\n市政协开展“委员进企业”活动 2024-04-10",
        END_AND_LIST,
    ),
    "traditional heading and dated titles": (
        "\n—END—\n【相關閱讀】\n·政協委員建言營商環境優化 (04-10)\n·市政協召開十四屆五次常委會議 (04-08)"
        "\n·以協商之力促發展之效…",
        END_AND_LIST,
    ),
    "heading carrying the first title": (
        "\n延伸阅读：市政协召开专题协商会\n政协委员走进园区问需于企",
        Counter({"related_tail_related_list": 1}),
    ),
    "numbered URL list without a marker": (
        "\n1. 市政协召开专题协商会 https://www.example-zx.gov.cn/news/2024/0412/1234.html"
        "\n2. 政协委员走进园区问需于企 https://www.example-zx.gov.cn/news/2024/0410/1200.html",
        Counter({"related_tail_link_list": 1}),
    ),
}


@pytest.mark.parametrize(("tail", "expected"), REMOVED_TAILS.values(), ids=list(REMOVED_TAILS))
def test_related_tails_are_removed(stage: RelatedTail, tail: str, expected: Counter[str]) -> None:
    text, reasons = clean(stage, ARTICLE + tail)
    assert text == ARTICLE
    assert reasons == expected


def test_background_prose_under_a_further_reading_heading_is_kept(stage: RelatedTail) -> None:
    tail = "\n".join(
        [
            "延伸阅读",
            "专题协商是人民政协协商民主的重要形式，一般围绕党委政府中心工作和群众关心的重大问题开展，由政协主席会议确定协商议题。",
            "近年来，各地政协不断丰富协商形式，探索开展网络议政、远程协商等，协商成果的质量和转化率持续提高。",
        ]
    )
    text, reasons = clean(stage, ARTICLE + "\n" + tail)
    assert text == ARTICLE + "\n" + tail
    assert not reasons


def test_prose_after_an_end_marker_is_kept(stage: RelatedTail) -> None:
    second = "另讯，市政协机关党组召开专题会议，研究部署机关党建重点工作，强调要以高质量党建引领高质量履职。"
    text, reasons = clean(stage, ARTICLE + "\nEND\n" + second)
    assert text == ARTICLE + "\n" + second
    assert reasons == Counter({"related_tail_end_marker": 1})


def test_urls_in_the_article_are_kept(stage: RelatedTail) -> None:
    text_in = "\n".join(
        [
            ARTICLE,
            "市民可登录 https://www.example-zx.gov.cn/yjzj 提交意见建议，征集截止时间为5月31日。",
            "详情请访问：https://www.example-zx.gov.cn/tzgg/2024/0412.html",
        ]
    )
    text, reasons = clean(stage, text_in)
    assert text == text_in
    assert not reasons


def test_article_list_and_early_boxes_are_kept(stage: RelatedTail) -> None:
    text_in = "\n".join(
        [
            "推荐阅读",
            "市政协召开专题协商会",
            ARTICLE,
            "会议要求：",
            "1.提高政治站位，切实把思想和行动统一到市委决策部署上来。",
            "2.强化责任落实，确保各项任务按时完成。",
            "各项工作已全部完成。",
        ]
    )
    text, reasons = clean(stage, text_in)
    assert text == text_in
    assert not reasons


def test_odd_input_does_not_crash(stage: RelatedTail) -> None:
    for text in ["", "END", "\n\n", "（完）", "相关阅读\n" * 50, ARTICLE + "\n\n\nTHE END\n\n"]:
        stage.judge(Document(id="1", url="u", text=text))


TITLES = [
    "1. 以协商民主凝聚推动高质量发展的合力",
    "2. 委员履职，关键在于深入调研",
    "3. 把协商成果转化为惠民实效",
    "4. 政协委员谈“新质生产力”",
]


def test_numbered_titles_without_heading_or_urls_are_a_related_list(stage: RelatedTail) -> None:
    text, reasons = clean(stage, "\n".join([ARTICLE, *TITLES]))
    assert text == ARTICLE
    assert reasons == Counter({"related_tail_title_list": 1})


KEPT_LISTS = {
    "two titles are not yet a list": [ARTICLE, *TITLES[:2]],
    "attachments of a notice": [ARTICLE, "附件：", *TITLES],
    "attachments named in a sentence": [
        ARTICLE,
        "附件：某市关于推进城镇老旧小区改造的实施意见。",
        *TITLES,
    ],
    "a list the article introduces": [
        ARTICLE,
        "申请单位需提交的材料如下。",
        "1. 企业法人营业执照复印件",
        "2. 项目可行性研究报告",
        "3. 近三年财务审计报告",
    ],
    "a list of names the article announces": [
        ARTICLE,
        "经评审，现将获评优秀提案承办单位名单予以公布。",
        "1. 市自然资源和规划局",
        "2. 市教育局",
        "3. 市卫生健康委员会",
    ],
    "a list under a section heading": [
        ARTICLE,
        "三、保障措施",
        "1. 加强组织领导和统筹协调",
        "2. 强化资金保障和政策支持",
        "3. 严格督查考核和结果运用",
    ],
    "the article's own numbered measures": [
        ARTICLE,
        "1. 加强组织领导，压实各方责任；",
        "2. 强化资金保障，加大投入力度；",
        "3. 严格督查考核，确保取得实效。",
    ],
}


@pytest.mark.parametrize("lines", KEPT_LISTS.values(), ids=list(KEPT_LISTS))
def test_numbered_lists_of_the_article_are_kept(stage: RelatedTail, lines: list[str]) -> None:
    text_in = "\n".join(lines)
    text, reasons = clean(stage, text_in)
    assert text == text_in
    assert not reasons
