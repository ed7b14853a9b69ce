from __future__ import annotations

import pytest

from filters.base import Document, apply_verdict
from filters.pinyin import Pinyin

# A traditional page whose converter injected readings after many characters.
INJECTED = (
    "今年以來(lái)，嘉峪關(guān)市積極推進(jìn)民主黨派基層組織建設(shè)，"
    "完善聯(lián)系交友制度，幫(bāng)助黨外人士更好履職盡責(zé)。\n"
    "市委統(tǒng)戰(zhàn)部組織開(kāi)展專(zhuān)題調(diào)研，聽(tīng)取意見(jiàn)建議，"
    "推動(dòng)各項(xiàng)工作落地見(jiàn)效，形成了一批有價(jià)值的成果。\n"
    "（來(lái)源：嘉峪關(guān)市委統(tǒng)戰(zhàn)部）"
)


@pytest.fixture(scope="module")
def stage() -> Pinyin:
    return Pinyin()


def clean(stage: Pinyin, text: str) -> tuple[str, list[str]]:
    doc = Document(id="1", url="u", text=text)
    apply_verdict(doc, stage.judge(doc), stage)
    return doc.text, [span.reason for span in doc.removed]


def test_injected_readings_are_stripped(stage: Pinyin) -> None:
    text, reasons = clean(stage, INJECTED)
    assert text.startswith("今年以來，嘉峪關市積極推進民主黨派基層組織建設，")
    assert "(" not in text.replace("（來源：嘉峪關市委統戰部）", "")
    assert text.endswith("（來源：嘉峪關市委統戰部）")
    assert set(reasons) == {"pinyin_annotation"}


def test_readings_in_the_title_field_are_stripped_with_the_text(stage: Pinyin) -> None:
    doc = Document(
        id="1",
        url="u",
        text=INJECTED,
        title="區(qū)委統(tǒng)戰(zhàn)部做好新的社會(huì)階(jiē)層(céng)人士工作",
    )
    apply_verdict(doc, stage.judge(doc), stage)
    assert doc.title == "區委統戰部做好新的社會階層人士工作"
    kept = Document(id="2", url="u", text="世界卫生组织(WHO)发布报告。", title="价值(value)与门(mén)")
    apply_verdict(kept, stage.judge(kept), stage)
    assert kept.title == "价值(value)与门(mén)"


def test_full_width_brackets_and_neutral_tone_go_with_dense_readings(stage: Pinyin) -> None:
    text = (
        "我們（men）堅持以人民為中心，推動（dòng）高質量發展，加強（qiáng）生態環境保護，"
        "穩步提升群眾的（de）獲得感，促進（jìn）共同富裕，完善（shàn）社會保障體系（xì）。"
    )
    cleaned, _ = clean(stage, text)
    assert (
        cleaned
        == "我們堅持以人民為中心，推動高質量發展，加強生態環境保護，穩步提升群眾的獲得感，促進共同富裕，完善社會保障體系。"
    )


def test_dense_toneless_readings_are_stripped(stage: Pinyin) -> None:
    text = "来(lai)自(zi)各(ge)地(di)的(de)代(dai)表(biao)围(wei)绕(rao)乡(xiang)村(cun)振(zhen)兴(xing)建言献策。"
    cleaned, reasons = clean(stage, text)
    assert cleaned == "来自各地的代表围绕乡村振兴建言献策。"
    assert len(reasons) == 13


def test_author_glosses_are_kept(stage: Pinyin) -> None:
    text = (
        "老人笑着说，这地方过去啥也没(mo)有。专家认为，文化遗产的价值(value)在于传承。\n"
        "世界卫生组织(WHO)发布报告，提出以下建议：(a)加强监测；(b)完善预警。\n"
        "（一）加强组织领导。各地要把这项工作摆上重要议事日程。"
    )
    cleaned, reasons = clean(stage, text)
    assert cleaned == text
    assert reasons == []


def test_tone_marked_examples_in_one_paragraph_are_kept(stage: Pinyin) -> None:
    # Dense enough by count and density, but all in one paragraph: a teaching article, not injection.
    text = (
        "推广普通话要从娃娃抓起。老师讲解四声：妈(mā)、麻(má)、马(mǎ)、骂(mà)，又讲了轻声的吗(ma)和儿化的哪(nǎ)儿。\n"
        "学校组织开展经典诵读活动，引导学生热爱祖国语言文字，增强文化自信。\n"
        "各班级还举办了朗读比赛，评选出一批普通话标兵，营造浓厚的校园文化氛围。\n"
        "下一步，学校将把语言文字规范化建设纳入日常教学管理，持续推进。"
    )
    verdict = stage.judge(Document(id="1", url="u", text=text))
    assert verdict.signals["pinyin_toned"] >= 5
    assert verdict.signals["pinyin_density"] >= 0.03
    assert verdict.removals == []


def test_signals_are_recorded_and_empty_text_is_fine(stage: Pinyin) -> None:
    verdict = stage.judge(Document(id="1", url="u", text=INJECTED))
    assert verdict.signals["pinyin_toned"] >= 20
    assert verdict.signals["pinyin_density"] > 0.2
    assert stage.judge(Document(id="2", url="u", text="")).removals == []
    assert stage.judge(Document(id="3", url="u", text="(((((\ud800)")).removals == []
