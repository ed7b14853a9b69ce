"""Site-level repeated lines: a site's template is learnt from its pages, prose shared by a few is kept."""

from __future__ import annotations

import pytest

from filters.base import Document, MemoryStateStore, StateStore, apply_verdict
from filters.site_repeated_lines import SiteRepeatedLines

# Article bodies of one county government site, one per page (two paragraphs each).
BODIES = [
    (
        "3月12日，县政府召开常务会议，研究部署春耕生产和农田水利建设工作。",
        "会议强调，要抓好种子、化肥、农药等农资供应，确保不误农时。",
    ),
    (
        "近日，县市场监管局开展春季食品安全专项检查，共检查餐饮单位86家。",
        "检查中发现问题12个，已责令相关单位限期整改，并将持续跟踪复查。",
    ),
    (
        "县人社局举办2024年春风行动专场招聘会，62家企业提供就业岗位1800余个。",
        "现场共有1200余名求职者参加，初步达成就业意向430人。",
    ),
    (
        "县教育局组织开展中小学校园安全隐患排查，覆盖全县47所学校。",
        "排查重点包括消防设施、食堂卫生、校车管理和校园周边环境。",
    ),
    (
        "县交通运输局加快推进农村公路提质改造，今年计划改造里程120公里。",
        "目前已有8个项目完成招标，预计5月底前全部开工建设。",
    ),
    (
        "县卫健委启动家庭医生签约服务提升行动，重点人群签约率将提高到80%。",
        "各乡镇卫生院组建服务团队，定期入户开展健康随访。",
    ),
    (
        "县生态环境局通报一季度空气质量情况，优良天数比例为91.2%。",
        "下一步将加强扬尘管控和秸秆禁烧巡查，巩固大气治理成效。",
    ),
    (
        "县文旅局举办油菜花节系列活动，吸引游客8.6万人次。",
        "活动期间推出乡村民宿、农家美食和非遗展演等特色项目。",
    ),
    (
        "县应急管理局组织开展森林防火应急演练，200余名队员参加。",
        "演练检验了预案的可操作性，提升了队伍快速反应能力。",
    ),
    (
        "县医保局推进医保服务下沉，在全县15个乡镇设立医保服务站。",
        "群众在家门口即可办理参保登记、异地就医备案等业务。",
    ),
    (
        "县民政局开展困难群众走访慰问，发放慰问金和物资共计35万元。",
        "各乡镇同步建立动态监测台账，做到早发现、早帮扶。",
    ),
    (
        "县住建局召开城镇老旧小区改造推进会，今年计划改造小区23个。",
        "会议要求倒排工期，确保改造工程质量和居民出行安全。",
    ),
]

BREADCRUMB = "首页 > 政务动态 > 部门动态"
TOOLBAR = "【字体：大 中 小】 【打印本页】 【关闭窗口】"
TOOLBAR_OTHER_WIDTH = "[字体:大中小][打印本页][关闭窗口]"  # the same widget, half-width and unspaced
QR_PROMPT = "扫一扫在手机打开当前页"
FOOTER = "主办单位：青溪县人民政府办公室 承办单位：青溪县大数据发展中心"
FOOTER_IDS = "网站标识码：3310820001 浙ICP备05012345号-1 浙公网安备33108202000123号"
TEMPLATE = [BREADCRUMB, TOOLBAR, QR_PROMPT, FOOTER, FOOTER_IDS]

SITE = "qingxi_gov"


def page(
    number: int, body: tuple[str, ...], *, site: str | None = SITE, title: str | None = None
) -> Document:
    title = title or body[0][6:24]
    text = "\n".join(
        [
            BREADCRUMB,
            title,
            f"发布时间：2024-03-{number % 28 + 1:02d} 09:{number % 60:02d} 浏览次数：{137 + 29 * number}",
            TOOLBAR if number % 2 else TOOLBAR_OTHER_WIDTH,
            *body,
            QR_PROMPT,
            FOOTER,
            FOOTER_IDS,
        ]
    )
    return Document(
        id=f"{site}-{number}",
        url=f"https://www.qingxi.gov.cn/art/2024/3/{number}/art_1229_{number}.html",
        text=text,
        site=site,
        title=title,
    )


def run(stage: SiteRepeatedLines, batch: list[Document], state: StateStore | None = None) -> None:
    verdicts = stage.judge_batch(batch, state if state is not None else MemoryStateStore())
    for doc, verdict in zip(batch, verdicts, strict=True):
        apply_verdict(doc, verdict, stage)


def lines(doc: Document) -> list[str]:
    return doc.text.split("\n")


def test_template_lines_are_removed_from_every_page_of_the_site() -> None:
    batch = [page(i, BODIES[i]) for i in range(8)]
    run(SiteRepeatedLines(), batch)
    for doc, body in zip(batch, BODIES, strict=False):
        assert not set(TEMPLATE) & set(lines(doc))
        assert not any("打印本页" in line for line in lines(doc))  # width and spacing folded
        assert not any(line.startswith("发布时间") for line in lines(doc))  # digits folded
        assert doc.title in lines(doc)
        assert all(paragraph in lines(doc) for paragraph in body)
        assert {span.reason for span in doc.removed} == {"site_repeated_lines_template"}
        assert doc.signals["site_repeated_lines_removed"] == 6
        assert doc.signals["site_repeated_lines_site_docs"] == 8


def test_punctuation_lines_go_with_the_template_around_them() -> None:
    batch = []
    for i in range(6):
        doc = page(i, (BODIES[i][0], "——", BODIES[i][1]))  # a separator inside the article
        doc.text = doc.text.replace(QR_PROMPT, f"{QR_PROMPT}\n|")  # a bare separator between template lines
        doc.text += "\n>>"  # and one at the end, after the footer
        batch.append(doc)
    run(SiteRepeatedLines(), batch)
    for doc, body in zip(batch, BODIES, strict=False):
        assert "|" not in lines(doc) and ">>" not in lines(doc)
        assert lines(doc)[-3:] == [body[0], "——", body[1]]


def test_small_sites_are_left_alone() -> None:
    batch = [page(i, BODIES[i]) for i in range(4)]
    originals = [doc.text for doc in batch]
    run(SiteRepeatedLines(), batch)
    assert [doc.text for doc in batch] == originals
    assert all(doc.signals["site_repeated_lines_removed"] == 0 for doc in batch)


def test_sites_are_counted_separately() -> None:
    batch = [page(i, BODIES[i], site=SITE if i % 2 else "other_site") for i in range(8)]
    originals = [doc.text for doc in batch]
    run(SiteRepeatedLines(), batch)
    assert [doc.text for doc in batch] == originals  # four pages per site


def test_shared_prose_and_headings_are_kept() -> None:
    shared_paragraph = (
        "会议强调，要深入学习贯彻党的二十大精神，坚持稳中求进工作总基调，完整、准确、全面贯彻新发展理念，"
        "加快构建新发展格局，着力推动高质量发展，奋力谱写中国式现代化县域篇章"
    )
    batch = [page(i, BODIES[i]) for i in range(10)]
    for i in range(5):  # a syndicated paragraph, a formulaic close and an outline heading on half the pages
        batch[i].text += f"\n一、总体要求\n{shared_paragraph}\n特此通知。"
    for i in range(5, 8):  # a short line shared by three pages is below min_docs
        batch[i].text += "\n附件：2024年度重点工作任务分解表"
    run(SiteRepeatedLines(), batch)
    for doc in batch[:5]:
        assert {"一、总体要求", shared_paragraph, "特此通知。"} <= set(lines(doc))
    for doc in batch[5:8]:
        assert "附件：2024年度重点工作任务分解表" in lines(doc)
    assert QR_PROMPT not in lines(batch[0])


def test_prose_on_most_pages_of_a_large_site_is_template() -> None:
    notice = "本网站所有信息，未经书面授权，不得转载、摘编或利用其他方式使用，违者将依法追究法律责任。"
    batch = [page(i, BODIES[i % len(BODIES)]) for i in range(24)]
    for doc in batch:
        doc.text += "\n" + notice
    run(SiteRepeatedLines(), batch)
    assert all(notice not in lines(doc) for doc in batch)
    # ...but not when the prose rule is switched off.
    batch = [page(i, BODIES[i % len(BODIES)]) for i in range(24)]
    for doc in batch:
        doc.text += "\n" + notice
    run(SiteRepeatedLines(prose_min_docs=None), batch)
    assert all(notice in lines(doc) for doc in batch)


def test_template_learnt_in_earlier_runs_is_removed_from_a_small_later_batch() -> None:
    stage, state = SiteRepeatedLines(), MemoryStateStore()
    run(stage, [page(i, BODIES[i]) for i in range(8)], state)
    later = [page(i, BODIES[i]) for i in range(8, 11)]
    run(stage, later, state)
    for doc in later:
        assert not set(TEMPLATE) & set(lines(doc))
        assert doc.signals["site_repeated_lines_site_docs"] == 11
    # Without the history, three pages teach nothing.
    fresh = [page(i, BODIES[i]) for i in range(8, 11)]
    run(stage, fresh, MemoryStateStore())
    assert all(QR_PROMPT in lines(doc) for doc in fresh)


def test_remember_off_forgets_between_runs() -> None:
    stage, state = SiteRepeatedLines(remember_across_runs=False), MemoryStateStore()
    run(stage, [page(i, BODIES[i]) for i in range(8)], state)
    later = [page(i, BODIES[i]) for i in range(8, 11)]
    run(stage, later, state)
    assert all(QR_PROMPT in lines(doc) for doc in later)


def test_recleaning_the_same_pages_does_not_count_them_twice() -> None:
    stage, state = SiteRepeatedLines(), MemoryStateStore()
    for _ in range(3):
        batch = [page(i, BODIES[i]) for i in range(3)]
        run(stage, batch, state)
    assert all(QR_PROMPT in lines(doc) for doc in batch)
    assert batch[0].signals["site_repeated_lines_site_docs"] == 3


def test_figures_dates_and_document_numbers_are_not_template() -> None:
    batch = []
    for month in range(1, 8):
        text = "\n".join(
            [
                f"临统发〔2024〕{month + 2}号",
                f"2024年1-{month}月全县主要经济指标",
                f"规模以上工业增加值 {200 + 7 * month}.{month} {5 + month % 3}.{month}",
                f"固定资产投资 {380 + 11 * month}.{month} {4 + month % 2}.{9 - month}",
                f"社会消费品零售总额增长{6 + month % 2}.{month}%",
                "主要经济指标运行情况表",
                f"2024年{month + 1}月{10 + month}日",
            ]
        )
        title = f"2024年1-{month}月全县主要经济指标_青溪县统计局"
        batch.append(
            Document(
                id=f"stats-{month}", url=f"https://tjj.qingxi.gov.cn/{month}.html", text=text, title=title
            )
        )
    run(SiteRepeatedLines(), batch)
    for month, doc in enumerate(batch, start=1):
        assert len(lines(doc)) == 6  # only the repeated caption line went
        assert "主要经济指标运行情况表" not in lines(doc)
        assert lines(doc)[0] == f"临统发〔2024〕{month + 2}号"
        assert lines(doc)[-1] == f"2024年{month + 1}月{10 + month}日"


def test_a_page_keeps_its_own_title_when_other_pages_list_it() -> None:
    headline = "青溪县召开2024年优化营商环境工作推进大会"
    batch = [page(i, BODIES[i]) for i in range(7)]
    for doc in batch:
        doc.text += f"\n{headline}"  # this week's sidebar
    batch.append(page(7, (headline, *BODIES[7]), title=headline))
    run(SiteRepeatedLines(), batch)
    assert all(headline not in lines(doc) for doc in batch[:7])
    assert headline in lines(batch[7])


def test_pages_are_grouped_by_domain_or_host_when_site_is_missing() -> None:
    batch = [page(i, BODIES[i], site=None) for i in range(8)]
    for i, doc in enumerate(batch):
        doc.domain = "www.qingxi.gov.cn" if i < 4 else None
    run(SiteRepeatedLines(), batch)
    assert all(QR_PROMPT not in lines(doc) for doc in batch)


def test_pages_without_any_site_are_left_alone() -> None:
    batch = [page(i, BODIES[i], site=None) for i in range(8)]
    for doc in batch:
        doc.url = ""
    originals = [doc.text for doc in batch]
    run(SiteRepeatedLines(), batch)
    assert [doc.text for doc in batch] == originals


def test_removing_the_last_line_leaves_no_trailing_newline() -> None:
    batch = [page(i, BODIES[i]) for i in range(6)]
    run(SiteRepeatedLines(), batch)
    for doc in batch:
        assert not doc.text.endswith("\n") and not doc.text.startswith("\n") and "\n\n" not in doc.text


def test_dropped_pages_are_neither_judged_nor_counted() -> None:
    batch = [page(i, BODIES[i]) for i in range(6)]
    batch[0].drop_reason = "spam_block_lexicon"
    original = batch[0].text
    verdicts = SiteRepeatedLines().judge_batch(batch, MemoryStateStore())
    assert not verdicts[0].removals and batch[0].text == original
    assert verdicts[1].signals["site_repeated_lines_site_docs"] == 5


def test_state_is_compact_and_capped() -> None:
    state = MemoryStateStore()
    batch = [page(i, BODIES[i]) for i in range(12)]
    run(SiteRepeatedLines(max_keys_per_site=6), batch, state)
    blob = state.get(f"site_repeated_lines.{SITE}")
    assert blob is not None and len(blob) == 20 + 8 * 12 + 12 * 6
    # The kept keys are the template's: a later small batch still loses it.
    later = [page(i, BODIES[i % len(BODIES)]) for i in range(12, 15)]
    run(SiteRepeatedLines(max_keys_per_site=6), later, state)
    assert all(QR_PROMPT not in lines(doc) for doc in later)


def test_site_names_that_are_not_plain_ascii_get_a_hashed_key() -> None:
    state = MemoryStateStore()
    run(SiteRepeatedLines(), [page(i, BODIES[i], site="青溪县 政府/门户") for i in range(5)], state)
    (key,) = state._data
    assert key.startswith("site_repeated_lines.") and len(key) == len("site_repeated_lines.") + 16


def test_unreadable_state_is_forgotten() -> None:
    state = MemoryStateStore()
    state.put(f"site_repeated_lines.{SITE}", b"SRL1 not what was written")
    batch = [page(i, BODIES[i]) for i in range(6)]
    run(SiteRepeatedLines(), batch, state)
    assert all(QR_PROMPT not in lines(doc) for doc in batch)


@pytest.mark.parametrize(
    "text", ["", "\n", "\n\n\n", "a\ud800b\n\ufffd\ufffd", "０１２３\n————", "x" * 100_000]
)
def test_odd_input_never_crashes(text: str) -> None:
    batch = [Document(id=f"d{i}", url="https://a.gov.cn/x", text=text, site="a") for i in range(6)]
    run(SiteRepeatedLines(), batch)
    assert all(doc.text is not None for doc in batch)


def test_invalid_thresholds_are_rejected() -> None:
    with pytest.raises(ValueError):
        SiteRepeatedLines(fraction=1.5)
    with pytest.raises(ValueError):
        SiteRepeatedLines(min_docs=1)
