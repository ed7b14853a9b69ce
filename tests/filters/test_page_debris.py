from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from filters.base import Document, apply_verdict
from filters.page_debris import PageDebris

CHINA = dt.timezone(dt.timedelta(hours=8))

PARAGRAPHS = [
    "1月17日，市统计局召开2024年全市统计工作会议，总结2023年统计工作，部署2024年重点任务。",
    "会议指出，过去一年，全市统计系统坚持依法统计、依法治统，圆满完成第五次全国经济普查各项准备工作。",
    "会议要求，要坚持统计工作正确方向，防范和惩治统计造假、弄虚作假，为全市高质量发展提供坚实统计保障。",
]

SIMPLIFIED_PAGE = "\n".join(
    [
        "当前位置：首页 > 新闻中心 > 部门动态",
        "市统计局召开2024年统计工作会议",
        "发布时间：2024-01-18 09:30　来源：市统计局　作者：王丽　浏览次数：1286",
        "【字体：大 中 小】【打印本页】【关闭窗口】",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "▲会议现场",
        "（记者 赵刚 摄）",
        PARAGRAPHS[2],
        "责任编辑：陈晓　审核：刘海　校对：孙婷",
        "扫一扫在手机打开当前页",
        "上一篇：市统计局开展“统计开放日”活动",
        "主办单位：兰州市统计局　承办单位：兰州市大数据中心",
        "地址：兰州市城关区人民路88号　邮编：730030　电话：0931-8888888",
        "网站标识码：6201000012　陇ICP备05002331号-1　甘公网安备 62010202000123号",
    ]
)

TRADITIONAL_PAGE = "\n".join(
    [
        "首頁 > 黨派·聲音 > 統一戰線",
        "全國政協委員建言鄉村振興 協商議政成效明顯",
        "2019年03月05日 08:41 | 來源：人民政協網",
        "分享到：微信 微博 QQ空間",
        "近年來，各民主黨派圍繞鄉村振興深入開展調查研究，形成了一批高質量的調研報告和提案建議。",
        "圖片.png",
        "圖為委員們在田間地頭了解春耕生產情況。",
        "委員們表示，將繼續發揮界別優勢，為推動農業農村現代化建言獻策，在服務大局中展現新作為。",
        "編輯：李晨陽",
        "關鍵詞：政協 鄉村振興 委員履職",
        "更多>>",
        "違法和不良信息舉報電話：010-12345678",
        "Copyright © 2019 人民政協網 版權所有",
    ]
)


@pytest.fixture(scope="module")
def stage() -> PageDebris:
    return PageDebris()


def clean(stage: PageDebris, text: str, **fields: str) -> tuple[Document, Counter[str]]:
    doc = Document(id="1", url="u", text=text, **fields)
    apply_verdict(doc, stage.judge(doc), stage)
    return doc, Counter(span.reason for span in doc.removed)


def test_simplified_page_frame_is_removed_and_metadata_kept(stage: PageDebris) -> None:
    doc, reasons = clean(stage, SIMPLIFIED_PAGE)
    assert doc.text == "\n".join(["市统计局召开2024年统计工作会议", *PARAGRAPHS])
    assert reasons == Counter(
        {
            "page_debris_breadcrumb": 1,
            "page_debris_dateline": 1,
            "page_debris_widget": 1,
            "page_debris_caption": 2,
            "page_debris_byline": 1,
            "page_debris_qr": 1,
            "page_debris_nav": 1,
            "page_debris_footer": 3,
        }
    )
    assert doc.source_name == "市统计局"
    assert doc.author == "王丽"
    assert doc.published_at == dt.datetime(2024, 1, 18, 9, 30, tzinfo=CHINA)
    assert doc.tags == {"editor": "陈晓", "reviewer": "刘海", "proofreader": "孙婷"}


def test_traditional_page_frame_is_removed_and_metadata_kept(stage: PageDebris) -> None:
    doc, reasons = clean(stage, TRADITIONAL_PAGE)
    lines = doc.text.split("\n")
    assert lines == [
        "全國政協委員建言鄉村振興 協商議政成效明顯",
        "近年來，各民主黨派圍繞鄉村振興深入開展調查研究，形成了一批高質量的調研報告和提案建議。",
        "委員們表示，將繼續發揮界別優勢，為推動農業農村現代化建言獻策，在服務大局中展現新作為。",
    ]
    assert reasons["page_debris_breadcrumb"] == 1
    assert reasons["page_debris_dateline"] == 1
    assert reasons["page_debris_share"] == 1
    assert reasons["page_debris_image"] == 1
    assert reasons["page_debris_caption"] == 1
    assert reasons["page_debris_byline"] == 1
    assert reasons["page_debris_keywords"] == 1
    assert reasons["page_debris_more"] == 1
    assert reasons["page_debris_report"] == 1
    assert reasons["page_debris_footer"] == 1
    assert doc.source_name == "人民政協網"
    assert doc.author == "李晨陽"  # no 作者 on the page: the editor is the author of record
    assert doc.published_at == dt.datetime(2019, 3, 5, 8, 41, tzinfo=CHINA)
    assert doc.tags == {"editor": "李晨陽", "keywords": "政協 鄉村振興 委員履職"}


def test_closing_attribution_moves_to_source_name(stage: PageDebris) -> None:
    text = "\n".join([*PARAGRAPHS, "（来源：酒泉市委统战部）"])
    doc, reasons = clean(stage, text)
    assert doc.text == "\n".join(PARAGRAPHS)
    assert reasons == Counter({"page_debris_source": 1})
    assert doc.source_name == "酒泉市委统战部"


def test_existing_record_fields_are_not_overwritten(stage: PageDebris) -> None:
    verdict = stage.judge(
        Document(
            id="1",
            url="u",
            text="来源：新华网　作者：张华\n" + "\n".join(PARAGRAPHS),
            source_name="新华社",
            author="",
        )
    )
    assert verdict.updates == {"author": "张华"}


def test_label_values_in_the_middle_of_prose_are_kept(stage: PageDebris) -> None:
    prose = [
        "网站首页改版后，群众办事更加便捷，首页新增的“我要办”栏目日均访问量较去年同期增长三成。",
        "市图书馆组织专家编辑出版了《地方文献丛书》，编辑部全体同志加班加点，为研究本地历史提供了重要资料。",
        "法院依法判决被告停止侵权，维护了版权所有人的合法权益，进一步营造了尊重知识产权的良好氛围。",
        "作者：本文系市委党校教授在全市理论学习中心组学习会上的辅导报告。",
        "记者：请问今年有哪些新举措",
        "张局长：今年我们将重点抓好三件事。",
        "绘就的蓝图为全市发展指明了方向，群众可用微信扫码参与意见征集。",
    ]
    text = "\n".join([PARAGRAPHS[0], *prose, PARAGRAPHS[1]])
    doc, reasons = clean(stage, text)
    assert doc.text == text
    assert not reasons


NOTICES = {
    "meeting time lines and the signature date": [
        "关于召开全市安全生产工作会议的通知",
        "各县区人民政府，市政府各部门：",
        "经市政府研究，决定召开全市安全生产工作会议，现将有关事项通知如下。",
        "时间：2024年3月15日",
        "地点：市政府三楼第一会议室",
        "请各单位于3月13日前将参会人员名单报市应急管理局，联系电话：0931-4567890。",
        "兰州市人民政府办公室",
        "2024年3月10日",
    ],
    "meeting time above the first sentence": [
        "关于召开第一季度经济运行分析会的通知",
        "时间：2024年3月15日 9:00",
        "地点：市政府三楼第一会议室",
        "参会人员：各县区分管负责同志，市直有关部门主要负责同志。",
    ],
}


@pytest.mark.parametrize("lines", NOTICES.values(), ids=list(NOTICES))
def test_notice_dates_and_times_are_kept(stage: PageDebris, lines: list[str]) -> None:
    notice = "\n".join(lines)
    doc, reasons = clean(stage, notice)
    assert doc.text == notice
    assert not reasons
    assert doc.published_at is None


def test_date_alone_before_the_article_is_a_dateline(stage: PageDebris) -> None:
    text = "\n".join(["市统计局召开2024年统计工作会议", "2024-01-18", *PARAGRAPHS])
    doc, reasons = clean(stage, text)
    assert reasons == Counter({"page_debris_dateline": 1})
    assert doc.published_at == dt.datetime(2024, 1, 18, tzinfo=CHINA)


def test_contact_lines_stay_unless_they_sit_in_the_footer(stage: PageDebris) -> None:
    article = "\n".join([*PARAGRAPHS, "地址：兰州市城关区人民路88号", "电话：0931-8888888"])
    doc, _ = clean(stage, article)
    assert doc.text == article
    doc, reasons = clean(stage, article + "\n版权所有：兰州市统计局")
    assert doc.text == "\n".join(PARAGRAPHS)
    assert reasons == Counter({"page_debris_footer": 3})


def test_label_only_mode_counts_without_changing(stage: PageDebris) -> None:
    doc = Document(id="1", url="u", text=SIMPLIFIED_PAGE)
    apply_verdict(doc, stage.judge(doc), stage, label_only=True)
    assert doc.text == SIMPLIFIED_PAGE
    assert doc.signals["page_debris_would_remove_chars"] > 100


def test_odd_input_does_not_crash(stage: PageDebris) -> None:
    for text in ["", "\n\n", "首页", "编辑：", "（", "【】", "\ud800编辑：\udfff", "来源：" + "长" * 5000]:
        stage.judge(Document(id="1", url="u", text=text))


def test_first_article_sentence_mentioning_footer_words_is_kept() -> None:
    from filters.base import Document, apply_verdict
    from filters.page_debris import PageDebris

    first = "11月27日，省委统战部召开党外代表人士座谈会，围绕全省经济社会发展听取意见建议。"
    text = f"{first}\n座谈会上，各民主党派省委会负责人先后发言，提出了很好的意见和建议。\n版权所有 某省委统战部 主办单位：某省委统战部"
    doc = Document(id="1", url="http://a.gov.cn/1", text=text)
    stage = PageDebris()
    apply_verdict(doc, stage.judge(doc), stage)
    assert doc.text.startswith(first)
    assert "版权所有" not in doc.text


FOOTER = [
    "网站地图 | 联系我们 | 意见建议 | 网站声明",
    "主办单位：某市人民政府办公室　承办单位：某市大数据发展中心",
]


def test_edge_paragraphs_that_use_footer_words_are_article(stage: PageDebris) -> None:
    first = "为进一步改进机关作风，市直机关工委决定开展作风建设意见建议征集活动，欢迎各界人士积极建言，具体安排如下："
    middle = "征求意见时间为2023年10月9日至10月31日，群众可通过来信、来电和网上留言等方式反映问题。"
    closing = [
        "本次书画展主办单位为市文联，承办单位为市美术家协会，共展出作品160余件。",
        "市直机关工委将认真梳理收到的意见建议，逐条研究办理，并在官网“联系我们”栏目公开办理结果。",
    ]
    article = [first, middle, *closing]
    doc, reasons = clean(stage, "\n".join([*article, *FOOTER]))
    assert doc.text == "\n".join(article)
    assert reasons == Counter({"page_debris_footer": 2})


def test_footer_fields_joined_by_commas_are_still_a_footer(stage: PageDebris) -> None:
    footer = "主办：某县人民政府办公室，承办：某县融媒体中心，技术支持：某某网络科技有限公司"
    doc, reasons = clean(stage, "\n".join([*PARAGRAPHS, footer]))
    assert doc.text == "\n".join(PARAGRAPHS)
    assert reasons == Counter({"page_debris_footer": 1})


def test_short_copyright_statements_go_and_reports_on_reprinting_stay(stage: PageDebris) -> None:
    notices = [
        "本网站所刊登的各类稿件版权归某市融媒体中心所有，未经授权，不得转载。",
        "免责声明：本网转载的稿件仅代表作者个人观点，如有版权问题，请来函告知。",
    ]
    doc, reasons = clean(stage, "\n".join([*PARAGRAPHS, *notices]))
    assert doc.text == "\n".join(PARAGRAPHS)
    assert reasons == Counter({"page_debris_footer": 2})
    report = (
        "市版权局有关负责人介绍，今年以来共查处网络侵权案件27起。执法人员提醒，自媒体账号未经授权"
        "擅自转载、改编他人新闻作品并用于营利，同样构成侵权，权利人可以依法向平台投诉或向法院起诉，"
        "维护自身合法权益。"
    )
    text = "\n".join([*PARAGRAPHS, report])
    doc, reasons = clean(stage, text)
    assert doc.text == text
    assert not reasons


def test_a_sentence_about_a_location_is_not_a_breadcrumb(stage: PageDebris) -> None:
    site = "项目所在位置：高新区科技大道以东、创业路以北，总用地面积约120亩，规划建设研发楼和标准厂房。"
    text = "\n".join([PARAGRAPHS[0], site, PARAGRAPHS[1]])
    doc, reasons = clean(stage, text)
    assert doc.text == text
    assert not reasons


@pytest.mark.parametrize(
    "breadcrumb",
    [
        "您现在的位置》首页》通知公告",
        "首页 -> 新闻中心 -> 图片新闻",
        "首页 / 政务公开 / 政策文件",
        "首页 › 机构概况",
        "新闻中心 》 工作动态 》 正文",
        "您的位置：首页>>专题专栏>>主题教育",
        "当前位置：首页 > 要闻动态 > 市政府召开常务会议，研究部署秋冬季安全生产，推进重点项目建设",
    ],
)
def test_breadcrumbs_share_one_separator_class(stage: PageDebris, breadcrumb: str) -> None:
    doc, reasons = clean(stage, "\n".join([breadcrumb, *PARAGRAPHS]))
    assert doc.text == "\n".join(PARAGRAPHS)
    assert reasons == Counter({"page_debris_breadcrumb": 1})


def test_a_row_of_years_is_not_a_breadcrumb(stage: PageDebris) -> None:
    text = "\n".join(["2021 / 2022 / 2023", *PARAGRAPHS])
    doc, reasons = clean(stage, text)
    assert doc.text == text
    assert not reasons


SPEECH = [
    "在全市优化营商环境大会上的讲话",
    "市长　周建平",
    "（2023年11月6日）",
    "同志们：",
    "今天召开全市优化营商环境大会，主要任务是总结前一阶段工作，部署下一步重点任务。",
    "营商环境就是生产力。近年来，全市上下持续深化“放管服”改革，企业开办时间压缩至1个工作日以内。",
]


def test_bracketed_date_under_a_speaker_line_is_kept(stage: PageDebris) -> None:
    text = "\n".join(SPEECH)
    doc, reasons = clean(stage, text)
    assert doc.text == text
    assert not reasons


def test_bracketed_numeric_date_under_a_headline_is_a_dateline(stage: PageDebris) -> None:
    text = "\n".join(["市统计局召开2024年统计工作会议", "（2024-01-18）", *PARAGRAPHS])
    doc, reasons = clean(stage, text)
    assert doc.text == "\n".join(["市统计局召开2024年统计工作会议", *PARAGRAPHS])
    assert reasons == Counter({"page_debris_dateline": 1})


def test_bracketed_date_under_page_furniture_is_a_dateline(stage: PageDebris) -> None:
    text = "\n".join(["当前位置：首页 > 领导讲话", "（2023年11月6日）", *SPEECH[3:]])
    doc, reasons = clean(stage, text)
    assert doc.text == "\n".join(SPEECH[3:])
    assert reasons == Counter({"page_debris_breadcrumb": 1, "page_debris_dateline": 1})


@pytest.mark.parametrize(
    "caption",
    [
        "9月12日，茶农在云雾山茶园采摘秋茶。（李卫东 摄）",
        "游客在古镇石板街上参观游览。新华社发（陈思远 摄）",
        "收割机在金黄的稻田里作业。赵宁 摄",
        "这是9月12日拍摄的云雾山茶园（无人机航拍照片）",
        "运动员在比赛中奋力冲刺（9月12日摄）",
        "志愿者为社区老人测量血压。（受访者供图）",
        "村民在新建成的文化广场上跳起广场舞。中新社发",
    ],
)
def test_short_lines_ending_with_a_photo_credit_are_captions(stage: PageDebris, caption: str) -> None:
    doc, reasons = clean(stage, "\n".join([PARAGRAPHS[0], caption, PARAGRAPHS[1]]))
    assert doc.text == "\n".join(PARAGRAPHS[:2])
    assert reasons == Counter({"page_debris_caption": 1})


@pytest.mark.parametrize(
    "line",
    [
        "该纪录片由市委宣传部联合省电视台历时三年精心拍摄（全片共六集）。",
        "市摄影家协会举办“我的家乡”主题摄影展，共展出作品二百余幅（含航拍作品）。",
        "活动现场，孩子们争相与非遗传承人合影留念，场面十分热闹。（完）",
    ],
)
def test_prose_about_photography_is_not_a_caption(stage: PageDebris, line: str) -> None:
    assert_kept_between_paragraphs(stage, line)


def assert_kept_between_paragraphs(stage: PageDebris, line: str) -> None:
    text = "\n".join([PARAGRAPHS[0], line, PARAGRAPHS[1]])
    doc, reasons = clean(stage, text)
    assert doc.text == text
    assert not reasons


@pytest.mark.parametrize(
    "prompt", ["点击上方蓝字，关注我们！", "戳蓝字 ▼ 关注“某某发布”", "关注请点上方蓝字"]
)
def test_blue_text_follow_prompts_are_qr_prompts(stage: PageDebris, prompt: str) -> None:
    doc, reasons = clean(stage, "\n".join([prompt, *PARAGRAPHS]))
    assert doc.text == "\n".join(PARAGRAPHS)
    assert reasons == Counter({"page_debris_qr": 1})


def test_blue_text_without_a_follow_prompt_is_kept(stage: PageDebris) -> None:
    for line in ["文中蓝字标注的内容为本次修订新增的条款。", "修订内容以蓝字标注，请各单位重点关注。"]:
        text = "\n".join([PARAGRAPHS[0], line, PARAGRAPHS[1]])
        doc, reasons = clean(stage, text)
        assert doc.text == text
        assert not reasons


WECHAT_WIDGETS = [
    ["阅读原文"],
    ["轻触阅读原文", "向上滑动看下一个"],
    ["预览时标签不可点"],
    ["微信扫一扫", "关注该公众号"],
    ["继续滑动看下一个", "知道了"],
    ["写留言", "留言"],
    ["分享 收藏 赞 在看"],
    ["阅读 3.2万 赞 418 在看 97"],
    ["微信扫一扫可打开此内容，使用完整服务", "取消 允许"],
]


@pytest.mark.parametrize("widgets", WECHAT_WIDGETS, ids=[w[0] for w in WECHAT_WIDGETS])
def test_wechat_widgets_of_a_repost_are_removed_at_the_end_and_in_the_middle(
    stage: PageDebris, widgets: list[str]
) -> None:
    for text in (
        "\n".join([*PARAGRAPHS, *widgets]),
        "\n".join([PARAGRAPHS[0], *widgets, PARAGRAPHS[1], PARAGRAPHS[2]]),
    ):
        doc, reasons = clean(stage, text)
        assert doc.text == "\n".join(PARAGRAPHS)
        assert set(reasons) <= {"page_debris_widget", "page_debris_share"}


@pytest.mark.parametrize(
    "sentence",
    [
        "如需了解申报条件和办理流程，请点击阅读原文，登录市政务服务网查询。",
        "报告会上，老党员们轻声阅读原文，逐段学习讲话精神。",
        "大家都知道了这个好消息。",
    ],
)
def test_prose_mentioning_wechat_widget_words_is_kept(stage: PageDebris, sentence: str) -> None:
    assert_kept_between_paragraphs(stage, sentence)
