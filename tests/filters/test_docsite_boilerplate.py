from __future__ import annotations

from collections import Counter

import pytest

from filters.base import Document, apply_verdict
from filters.docsite_boilerplate import DocsiteBoilerplate

TITLE = "2023年度机关党支部工作总结"
BODY = [
    "今年以来，机关党支部坚持以习近平新时代中国特色社会主义思想为指导，认真落实全面从严治党主体责任。",
    "一是加强政治理论学习。全年组织集中学习24次，开展专题研讨6次，支部书记讲党课4次。",
    "二是规范组织生活。严格落实“三会一课”制度，按时召开组织生活会，开展民主评议党员工作。",
    "三是推动党建与业务深度融合，围绕中心工作设立党员先锋岗12个，带动各项任务圆满完成。",
]
ARTICLE = "\n".join([TITLE, *BODY])


@pytest.fixture(scope="module")
def stage() -> DocsiteBoilerplate:
    return DocsiteBoilerplate()


def clean(stage: DocsiteBoilerplate, text: str) -> tuple[Document, Counter[str]]:
    doc = Document(id="1", url="https://wenku.example.com/view/1.html", text=text)
    apply_verdict(doc, stage.judge(doc), stage)
    return doc, Counter(span.reason for span in doc.removed)


# (notice lines placed between the title and the body, the reason expected, truncated?)
NOTICES = {
    "numbered download disclaimer": (
        [
            "1、下载资料之前请仔细阅读文档内容，本平台不提供内容补充或修改服务。",
            "2、本站所有文档均来自用户上传，仅供学习交流，版权归原作者所有。",
            "3、如本文档侵犯了您的合法权益，请与我们联系，核实后立即删除。",
            "4、用户下载本文档所消耗的积分不予退还。",
        ],
        "docsite_boilerplate_disclaimer",
        False,
    ),
    "traditional disclaimer": (
        [
            "下載文檔前請自行甄別文檔內容的完整性，平台不提供額外的編輯服務。",
            "如文檔侵犯您的權益，請聯繫客服處理。",
        ],
        "docsite_boilerplate_disclaimer",
        False,
    ),
    "partial preview notice": (
        ["本文档仅提供部分内容预览，完整内容请下载查看"],
        "docsite_boilerplate_preview",
        True,
    ),
    "pages remaining": (["已阅读2页，还剩7页未读"], "docsite_boilerplate_preview", True),
    "login wall": (["登录后即可查看全文"], "docsite_boilerplate_preview", True),
    "traditional pages remaining": (["還剩9頁未讀，繼續閱讀"], "docsite_boilerplate_preview", True),
    "download buttons": (["立即下载", "【免费下载】", "下载文档到电脑"], "docsite_boilerplate_button", False),
    "read-on button": (["展开阅读全文"], "docsite_boilerplate_button", False),
    "VIP and coupons": (["开通VIP免费下载", "需要 3 下载券"], "docsite_boilerplate_pay", False),
    "paid document price": (["限时优惠：¥9.90"], "docsite_boilerplate_pay", False),
    "customer service": (["在线客服：400-000-0000", "侵权投诉"], "docsite_boilerplate_service", False),
    "collection download": (["合集下载"], "docsite_boilerplate_collection", False),
    "site menu bar": (["某某文库 首页 分类 上传文档 登录 注册"], "docsite_boilerplate_nav", False),
    "pages read with words between": (["您已阅读前 2 页"], "docsite_boilerplate_preview", True),
    "pages left with words between": (["剩下的 6 页请下载后查看"], "docsite_boilerplate_preview", True),
    "preview ended": (["试读结束，购买后可阅读全部内容"], "docsite_boilerplate_preview", True),
    "whole document shown": (["已读完全部 8 页"], "docsite_boilerplate_preview", False),
    "site banner": (["某某文库 — 专业范文资料下载平台"], "docsite_boilerplate_nav", False),
    "site banner without separator": (["范文之家 在线文档分享网站"], "docsite_boilerplate_nav", False),
    "page numbers between preview pages": (
        ["第 2 页 / 共 9 页", "— 3 —"],
        "docsite_boilerplate_page_number",
        False,
    ),
    "document facts": (
        ["文档格式：DOCX", "上传者：user_2931", "浏览次数：1532"],
        "docsite_boilerplate_doc_info",
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(NOTICES))
def test_notice_lines_are_removed(stage: DocsiteBoilerplate, case: str) -> None:
    notice, reason, truncated = NOTICES[case]
    doc, reasons = clean(stage, "\n".join([TITLE, *notice, *BODY]))
    assert reasons == Counter({reason: 1})
    assert doc.text == ARTICLE
    assert doc.signals["docsite_boilerplate_lines"] == len(notice)
    assert ("truncated" in doc.signals) is truncated


def test_notice_heading_goes_with_its_notices(stage: DocsiteBoilerplate) -> None:
    notices = ["温馨提示：", "1、本站文档均由用户上传，仅供学习参考。", "2、下载后概不退款，请谨慎购买。"]
    doc, reasons = clean(stage, "\n".join([TITLE, *notices, *BODY]))
    assert reasons == Counter({"docsite_boilerplate_disclaimer": 1})
    assert doc.text == ARTICLE


def test_notice_heading_without_notices_is_kept(stage: DocsiteBoilerplate) -> None:
    text = "\n".join([*BODY, "温馨提示：", "请各支部于12月20日前将总结材料报送机关党委。"])
    doc, reasons = clean(stage, text)
    assert reasons == Counter()
    assert doc.text == text


def test_running_header_of_a_preview_page(stage: DocsiteBoilerplate) -> None:
    text = "\n".join([TITLE, "立即下载", BODY[0], BODY[1], TITLE, BODY[2], BODY[3]])
    doc, reasons = clean(stage, text)
    assert reasons == Counter({"docsite_boilerplate_button": 1, "docsite_boilerplate_running_header": 1})
    assert doc.text == ARTICLE


def test_repeated_title_on_an_ordinary_page_is_kept(stage: DocsiteBoilerplate) -> None:
    text = "\n".join([TITLE, BODY[0], BODY[1], TITLE, BODY[2]])
    doc, reasons = clean(stage, text)
    assert reasons == Counter()
    assert doc.text == text


def test_counter_glued_to_the_last_line_is_cut_off(stage: DocsiteBoilerplate) -> None:
    text = ARTICLE + "……还剩5页未读，继续阅读"
    doc, reasons = clean(stage, text)
    assert reasons == Counter({"docsite_boilerplate_preview": 1})
    assert doc.text == ARTICLE + "……"
    assert doc.signals["truncated"] == 1.0


TAILS = {
    "related and latest documents": "\n相关文档\n机关党支部2022年工作总结.docx\n党支部书记述职报告 8页\n最新文档\n",
    "traditional guess-you-like": "\n猜你喜歡：\n機關黨建工作計劃（精選5篇）\n基層黨組織建設自查報告...",
    "searches": "\n【相关搜索】\n党支部工作总结 | 机关党建总结 | 党建工作计划",
    "readers also read": "\n看过这篇文档的网友还下载了\n支部委员会换届选举工作方案 6页\n党员发展工作流程图.pdf",
}


@pytest.mark.parametrize("case", sorted(TAILS))
def test_list_tail_is_removed(stage: DocsiteBoilerplate, case: str) -> None:
    doc, reasons = clean(stage, ARTICLE + TAILS[case])
    assert reasons == Counter({"docsite_boilerplate_tail": 1})
    assert doc.text.rstrip("\n") == ARTICLE
    assert "truncated" not in doc.signals


def test_tail_after_a_cut_sentence_marks_truncation(stage: DocsiteBoilerplate) -> None:
    cut = "四是加强党风廉政建设，持续开展警示教育，组织党员干部观看警示教育片、参观廉政教育基"
    doc, reasons = clean(stage, ARTICLE + "\n" + cut + "\n相关文档\n党风廉政建设工作总结.doc")
    assert reasons == Counter({"docsite_boilerplate_tail": 1})
    assert doc.text == ARTICLE + "\n" + cut
    assert doc.signals["truncated"] == 1.0


KEPT = {
    "service page telling people where to download forms": [
        "市政务服务中心推出“一网通办”服务，群众可登录官网下载申请表格，填写后在线提交即可办理，全程无需跑腿。",
        "如对办理结果有异议，可拨打12345热线或联系在线客服咨询，工作人员将在三个工作日内答复。",
    ],
    "library news about reading full texts": [
        "市图书馆数字资源平台正式开通，读者登录后即可查看全文，目前共收录电子图书20余万册。",
        "平台还提供期刊论文下载服务，读者凭借书证可免费使用。",
    ],
    "a page number inside a sentence and an upload report": [
        "本次汇编共收录文件32件，详见第5页至第12页，各单位可登录内网上传反馈意见并注册参会。",
    ],
    "copyright news": [
        "区文化执法大队开展版权保护专项检查，对网吧、书店等经营场所进行检查，督促经营者规范使用正版软件。",
    ],
    "a heading about documents inside the article": [
        "相关文档",
        "会议审议通过了《关于加强基层党组织建设的实施意见》，要求各支部结合实际抓好贯彻落实，"
        "确保各项措施落地见效，并于年底前报送落实情况。",
    ],
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_article_sentences_that_mention_the_words_are_kept(stage: DocsiteBoilerplate, case: str) -> None:
    text = "\n".join([*BODY, *KEPT[case], *BODY])
    doc, reasons = clean(stage, text)
    assert reasons == Counter()
    assert doc.text == text
    assert doc.signals["docsite_boilerplate_chars"] == 0


def test_tail_heading_before_the_article_is_not_a_tail(stage: DocsiteBoilerplate) -> None:
    text = "热门文档\n" + ARTICLE
    doc, reasons = clean(stage, text)
    assert reasons == Counter()
    assert doc.text == text


@pytest.mark.parametrize(
    "text", ["", "\n", "相关文档", "\ud800还剩\U000200003页", "1、" * 5000, "下载\n" * 3000]
)
def test_odd_input_never_crashes(stage: DocsiteBoilerplate, text: str) -> None:
    doc = Document(id="1", url="u", text=text)
    apply_verdict(doc, stage.judge(doc), stage)


# A notice that no pattern anchors, and so shows the page is a document site only through the lines
# below: `立即下载` provides that evidence in the tests that need it.
EVIDENCE = "立即下载"
UNANCHORED_NOTICES = [
    "1、本资料共 9 页，下载前可先预览全部页面。",
    "2、本站为资料分享平台，文档由网友上传，版权及收益归上传者所有，付费仅为平台服务费。",
    "3、如您认为某文档侵权，可联系客服，核实后下架处理。",
]


@pytest.mark.parametrize("where", ["bottom", "top"])
def test_numbered_notice_run_at_an_edge_of_a_docsite_page(stage: DocsiteBoilerplate, where: str) -> None:
    if where == "bottom":
        text, expected = "\n".join([EVIDENCE, ARTICLE, *UNANCHORED_NOTICES]), ARTICLE
    else:
        text, expected = "\n".join([TITLE, *UNANCHORED_NOTICES, *BODY, EVIDENCE]), ARTICLE
    doc, reasons = clean(stage, text)
    assert reasons["docsite_boilerplate_disclaimer"] == 1
    assert doc.text == expected


def test_notice_statement_without_numbers_at_the_bottom(stage: DocsiteBoilerplate) -> None:
    statement = "本站只提供文档存储与下载服务，用户上传的文档收益归上传者，本站不对文档内容负责。"
    doc, reasons = clean(stage, "\n".join([EVIDENCE, ARTICLE, statement]))
    assert reasons["docsite_boilerplate_disclaimer"] == 1
    assert doc.text == ARTICLE


def test_notice_run_needs_docsite_evidence(stage: DocsiteBoilerplate) -> None:
    text = "\n".join([ARTICLE, *UNANCHORED_NOTICES])
    doc, reasons = clean(stage, text)
    assert reasons == Counter()
    assert doc.text == text


def test_notice_run_between_article_paragraphs_is_kept(stage: DocsiteBoilerplate) -> None:
    text = "\n".join([EVIDENCE, TITLE, BODY[0], *UNANCHORED_NOTICES, BODY[1]])
    doc, reasons = clean(stage, text)
    assert reasons == Counter({"docsite_boilerplate_button": 1})
    assert doc.text == "\n".join([TITLE, BODY[0], *UNANCHORED_NOTICES, BODY[1]])


CLOSING_LISTS = {
    # The document's own closing list speaks of a platform, users and downloads, but sparsely.
    "sparse": [
        "1、依托政务服务平台开设“企业诉求直通车”专区，实现诉求在线提交、限时办结、结果反馈全流程闭环管理。",
        "2、在门户网站开设政策文件专栏，集中公开惠企政策原文及解读材料，方便经营主体和群众查阅下载。",
    ],
    # Four notice words in one line, but in a long sentence: below the density of a notice.
    "crowded": [
        "3、完善政务服务平台用户评价体系，对群众反映集中的办事资料下载难、材料重复提交等问题建立台账，"
        "逐项明确整改责任单位和完成时限，按月通报整改进度。",
    ],
}


@pytest.mark.parametrize("case", sorted(CLOSING_LISTS))
def test_article_list_about_a_web_platform_is_kept(stage: DocsiteBoilerplate, case: str) -> None:
    text = "\n".join([EVIDENCE, ARTICLE, *CLOSING_LISTS[case]])
    doc, reasons = clean(stage, text)
    assert reasons == Counter({"docsite_boilerplate_button": 1})
    assert doc.text == "\n".join([ARTICLE, *CLOSING_LISTS[case]])


ITEM_TAILS = {
    "page counts under a new heading": "\n本周下载排行\n村级组织活动场所管理办法 3页\n2023年支部主题党日活动计划（12页）",
    "file names and counters without a heading": "\n党员教育培训工作方案.pdf\n党建工作台账模板.xlsx 2.3万次下载",
}


@pytest.mark.parametrize("case", sorted(ITEM_TAILS))
def test_tail_known_by_the_shape_of_its_items(stage: DocsiteBoilerplate, case: str) -> None:
    doc, reasons = clean(stage, "\n".join([EVIDENCE, ARTICLE]) + ITEM_TAILS[case])
    assert reasons["docsite_boilerplate_tail"] == 1
    assert doc.text == ARTICLE
    assert "truncated" not in doc.signals


def test_item_tail_takes_the_notices_after_it(stage: DocsiteBoilerplate) -> None:
    tail = ["精选推荐", "基层党建工作要点 5页", "支部书记述职报告范文 7页", "本文档为用户上传，仅供参考。"]
    doc, reasons = clean(stage, "\n".join([EVIDENCE, ARTICLE, *tail]))
    assert reasons["docsite_boilerplate_tail"] == 1
    assert doc.text == ARTICLE


# Entry-shaped lines inside a document-site text: (lines, removed?). Under a heading that names a
# list they are a sidebar; the document's own attachment list has no such heading and stays.
INNER_RUNS = {
    "headed recommendations": (["相关推荐", "支部换届选举流程图 2页", "預備黨員轉正申請書範文 4頁"], True),
    "attachment list": (["附件：", "1.支部委员会候选人推荐表.docx", "2.选举结果报告单.pdf"], False),
}


@pytest.mark.parametrize("case", sorted(INNER_RUNS))
def test_item_run_inside_a_docsite_text(stage: DocsiteBoilerplate, case: str) -> None:
    run, removed = INNER_RUNS[case]
    doc, reasons = clean(stage, "\n".join([EVIDENCE, TITLE, BODY[0], BODY[1], *run, BODY[2], BODY[3]]))
    assert reasons["docsite_boilerplate_tail"] == removed
    kept = [TITLE, BODY[0], BODY[1], *([] if removed else run), BODY[2], BODY[3]]
    assert doc.text == "\n".join(kept)


def test_attachment_list_of_an_ordinary_page_is_kept(stage: DocsiteBoilerplate) -> None:
    text = ARTICLE + "\n附件：\n1.2024年度党建工作考核细则.docx\n2.考核评分表.xlsx"
    doc, reasons = clean(stage, text)
    assert reasons == Counter()
    assert doc.text == text


def test_file_name_above_the_preview(stage: DocsiteBoilerplate) -> None:
    doc, reasons = clean(stage, "\n".join([EVIDENCE, f"{TITLE}.docx", ARTICLE]))
    assert reasons == Counter({"docsite_boilerplate_button": 1, "docsite_boilerplate_file_name": 1})
    assert doc.text == ARTICLE


def test_file_names_in_the_document_itself_are_kept(stage: DocsiteBoilerplate) -> None:
    lines = ["附件：党支部工作手册.pdf", f"{TITLE}.docx"]
    on_docsite = "\n".join([EVIDENCE, lines[0], ARTICLE])
    doc, reasons = clean(stage, on_docsite)
    assert reasons == Counter({"docsite_boilerplate_button": 1})
    ordinary = "\n".join([lines[1], ARTICLE])
    doc, reasons = clean(stage, ordinary)
    assert reasons == Counter()
    assert doc.text == ordinary


@pytest.mark.parametrize(
    "last",
    [
        "五是抓好意识形态工作，定期分析研判，",
        "六是加强党风廉政建设、",
        "七是加强对党员干部的日常教育管理，严格落实谈心谈话制度，及时掌握思想动态和工作",
    ],
)
def test_docsite_text_ending_mid_clause_is_truncated(stage: DocsiteBoilerplate, last: str) -> None:
    doc, _ = clean(stage, "\n".join([EVIDENCE, ARTICLE, last]))
    assert doc.signals["truncated"] == 1.0
    ordinary, _ = clean(stage, "\n".join([ARTICLE, last]))
    assert "truncated" not in ordinary.signals


@pytest.mark.parametrize("last", ["中共某某县直机关工委", "2024年1月15日", BODY[-1]])
def test_docsite_text_ending_whole_is_not_truncated(stage: DocsiteBoilerplate, last: str) -> None:
    doc, _ = clean(stage, "\n".join([EVIDENCE, ARTICLE, last]))
    assert "truncated" not in doc.signals


@pytest.mark.parametrize(
    "button",
    [
        "下载文档 ¥4.50　VIP免费下载",
        "￥ 9.90 立即购买",
        "立即下载 5积分",
        "购买全文 ￥6.8",
        "下载本文档（3下载券）",
        "下载 | 1.50元",
        "VIP会员免费　原文档 ¥2.00",
    ],
)
def test_price_with_download_or_buy_word_is_a_pay_button(stage: DocsiteBoilerplate, button: str) -> None:
    doc, reasons = clean(stage, "\n".join([TITLE, BODY[0], button, *BODY[1:]]))
    assert doc.text == ARTICLE
    assert set(reasons) == {"docsite_boilerplate_pay"}


@pytest.mark.parametrize(
    "line",
    [
        "政府购买服务费用 120元",
        "会员费 200元/年",
        "采购预算 ¥35.00万元",
        "申请人下载申请表后，按规定缴纳工本费12.50元即可办理。",
    ],
)
def test_prices_without_a_button_word_or_in_prose_are_kept(stage: DocsiteBoilerplate, line: str) -> None:
    text = "\n".join([TITLE, BODY[0], line, *BODY[1:]])
    doc, reasons = clean(stage, text)
    assert doc.text == text
    assert not reasons
