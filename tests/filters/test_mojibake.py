from __future__ import annotations

import pytest

from filters.base import Document, apply_verdict
from filters.mojibake import Mojibake

BODY = (
    "会议强调，要深入学习贯彻党的二十大精神，坚持以人民为中心的发展思想，扎实推进乡村振兴。\n"
    "各级党组织要切实担负起主体责任，加强统筹协调，确保各项任务落到实处、取得实效。\n"
)


def misread(text: str, written: str, read_as: str) -> str:
    """`text` as a browser shows it when bytes written in one codec are read with another."""
    return text.encode(written).decode(read_as)


@pytest.fixture(scope="module")
def stage() -> Mojibake:
    return Mojibake()


def clean(stage: Mojibake, text: str) -> tuple[str, list[str], Document]:
    doc = Document(id="1", url="u", text=text)
    apply_verdict(doc, stage.judge(doc), stage)
    return doc.text, [span.reason for span in doc.removed], doc


@pytest.mark.parametrize(
    ("phrase", "codec"), [("关于加强基层治理的意见", "latin-1"), ("人民代表大会", "cp1252")]
)
def test_utf8_read_as_latin1_is_repaired_with_ftfy(stage: Mojibake, phrase: str, codec: str) -> None:
    garbled = misread(phrase, "utf-8", codec)
    assert garbled[0] in "åä"
    text, reasons, _ = clean(stage, f"市政府印发《{garbled}》。\n" + BODY)
    assert text.startswith(f"市政府印发《{phrase}》。")
    assert reasons == ["mojibake_repaired"]


def test_gbk_read_as_latin1_is_repaired(stage: Mojibake) -> None:
    garbled = misread("中国共产党", "gbk", "latin-1")
    text, reasons, _ = clean(stage, f"热烈庆祝{garbled}成立一百周年。\n" + BODY)
    assert text.startswith("热烈庆祝中国共产党成立一百周年。")
    assert reasons == ["mojibake_repaired"]


def test_utf8_read_as_gbk_run_is_repaired(stage: Mojibake) -> None:
    garbled = misread("发布时间", "utf-8", "gbk")
    assert garbled == "鍙戝竷鏃堕棿"
    text, reasons, _ = clean(stage, f"{garbled}：2023年5月6日\n" + BODY)
    assert text.startswith("发布时间：2023年5月6日\n")
    assert reasons == ["mojibake_repaired"]


def test_lossy_garbled_run_is_removed(stage: Mojibake) -> None:
    garbled = "人民代表大会常务委员会".encode().decode("gbk", errors="replace")
    text, reasons, doc = clean(stage, f"本报讯 {garbled}召开第十二次会议。\n" + BODY)
    assert text.startswith("本报讯 召开第十二次会议。\n")
    assert reasons == ["mojibake_garbled"]
    assert doc.signals["replacement_chars"] >= 1


def test_broken_reading_remnants_between_han_are_removed(stage: Mojibake) -> None:
    # What a pinyin-injected traditional page looks like where bytes were lost: ? + reading + rare chars.
    text, reasons, _ = clean(stage, "有發展?jié)摿Φ拿裰鼽h派成員，特別是優秀年輕干部。\n" + BODY)
    assert text.startswith("有發展")
    assert "摿" not in text and "?" not in text and "jié" not in text
    assert reasons == ["mojibake_garbled"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("会上，锟斤拷锟斤拷市应急管理局通报了安全生产情况。", "会上，市应急管理局通报了安全生产情况。"),
        ("咨询电话\ue61f：0931-8888888，欢迎来电。", "咨询电话：0931-8888888，欢迎来电。"),
    ],
)
def test_always_garbage_is_removed(stage: Mojibake, line: str, expected: str) -> None:
    text, reasons, _ = clean(stage, line + "\n" + BODY)
    assert text == expected + "\n" + BODY
    assert reasons == ["mojibake_garbled"]


def test_a_garbled_paragraph_goes_with_its_line_break(stage: Mojibake) -> None:
    garbled = "要求严格落实森林防火责任制，加强重点时段巡查".encode().decode("gbk", errors="replace")
    text, reasons, _ = clean(stage, BODY + garbled + "\n" + BODY)
    assert text == BODY + BODY
    assert reasons == ["mojibake_garbled"]


def test_replacement_characters_are_removed(stage: Mojibake) -> None:
    text, reasons, doc = clean(stage, "项目总投资达3.2亿元\ufffd\ufffd，预计明年底建成投用。\n" + BODY)
    assert text.startswith("项目总投资达3.2亿元，预计")
    assert reasons == ["mojibake_replacement_char"]
    assert doc.signals["replacement_chars"] == 2


def test_lost_middle_dot_becomes_a_dot(stage: Mojibake) -> None:
    text, reasons, _ = clean(
        stage, "成立由民主黨派成員參與的“天河區慈善會?同心大愛基金”，募集資金209萬元。\n" + BODY
    )
    assert "“天河區慈善會·同心大愛基金”" in text
    assert reasons == ["mojibake_lost_char"]


def test_lost_character_can_be_deleted_instead() -> None:
    stage = Mojibake(lost_char_replacement="")
    doc = Document(id="1", url="u", text="举办《和?信》书画摄影展。\n" + BODY)
    apply_verdict(doc, stage.judge(doc), stage)
    assert doc.text.startswith("举办《和信》书画摄影展。")


@pytest.mark.parametrize(
    "sentence",
    [
        "你去过北京吗?我没去过。",
        "到底嘉兴市委会的工作有什么样的创新之举?嘉兴工作模式又能提供什么经验?",
        "如何加强党的建设、提高党组织的政治影响力和思想引领力?如何立足政协平台发挥作用?",
        "民进中卫市委会主委温旭茹在嘉峪关暨酒泉片区会议上发言，要求夯实工作基础。",
        "这些魑魅魍魉终将现出原形，耄耋老人赓续红色血脉。",
        "α粒子和β射线的防护要求，Zhōngguó的拼写，在Москва举行的会议，一家café。",
        "他说：“真的吗?”大家都笑了。",
    ],
)
def test_ordinary_text_is_untouched(stage: Mojibake, sentence: str) -> None:
    text, reasons, _ = clean(stage, sentence + "\n" + BODY)
    assert reasons == []
    assert text == sentence + "\n" + BODY


def test_page_decoded_with_the_wrong_codec_is_dropped(stage: Mojibake) -> None:
    page = BODY.encode().decode("gbk", errors="replace") * 3
    doc = Document(id="1", url="u", text=page)
    verdict = stage.judge(doc)
    assert verdict.drop == "mojibake_too_garbled"
    assert verdict.signals["mojibake_garbled_fraction"] > 0.5


def test_one_garbled_line_does_not_drop_the_page(stage: Mojibake) -> None:
    garbled = "坚持建机制、强队伍、搭平台".encode().decode("gbk", errors="replace")
    verdict = stage.judge(Document(id="1", url="u", text=BODY * 3 + garbled))
    assert verdict.drop is None
    assert verdict.removals


def test_big5_read_as_gbk_is_repaired(stage: Mojibake) -> None:
    garbled = misread("立法院", "big5", "gbk")
    text, reasons, _ = clean(stage, f"臺灣{garbled}昨日開會，審議多項法案，各方代表充分表達意見。\n" + BODY)
    assert text.startswith("臺灣立法院昨日開會")
    assert reasons == ["mojibake_repaired"]


def test_odd_input_does_not_crash(stage: Mojibake) -> None:
    for text in ["", "?", "\ufffd", "a?b", "\ud800?\udfff", "中?", "?中", "\x85\x9f中文" * 3]:
        stage.judge(Document(id="1", url="u", text=text))


def _cp1252_view(text: str) -> str:
    """UTF-8 bytes as they reach us from a page read as windows-1252: the bytes cp1252 does not
    define are lost, and a no-break space (0xA0) becomes a space when whitespace is collapsed."""
    return text.encode("utf-8").decode("cp1252", errors="ignore").replace("\u00a0", " ")


def test_unrepairable_run_next_to_a_repaired_one_is_removed(stage: Mojibake) -> None:
    # 习 ends with the byte 0xA0, whose space splits the garbled sentence in two runs; 经 and 营
    # hold bytes cp1252 lacks, so ftfy cannot repair the first run.
    line = _cp1252_view("经营户们认真学习采摘和炒制技艺。")
    first, second = line.split(" ", 1)
    assert first and second
    text, reasons, _ = clean(stage, line + "\n" + BODY)
    assert text == "采摘和炒制技艺。\n" + BODY
    assert sorted(reasons) == ["mojibake_garbled", "mojibake_repaired"]


def test_unrepairable_run_without_a_repaired_neighbour_on_its_line_is_kept(stage: Mojibake) -> None:
    first, second = _cp1252_view("经营户们认真学习采摘和炒制技艺。").split(" ", 1)
    text, reasons, _ = clean(stage, f"{first}\n{second}\n" + BODY)
    assert text == f"{first}\n采摘和炒制技艺。\n" + BODY
    assert reasons == ["mojibake_repaired"]


HK_BODY = "會議指出，要進一步加強與港澳社團的聯繫，支持青年創新創業，推動兩地交流合作不斷深化。\n"
CANTONESE = "一位老街坊話：「我哋以前成日喺呢度飲茶，而家佢哋搬咗去新區，唔係好多人識得嚟睇下啲舊嘢㗎。」"


def test_cantonese_quotation_is_kept(stage: Mojibake) -> None:
    text, reasons, _ = clean(stage, CANTONESE + "\n" + HK_BODY)
    assert reasons == []
    assert text.startswith(CANTONESE)


def test_short_cantonese_quote_without_marker_words_is_kept(stage: Mojibake) -> None:
    line = "記者問及進展，負責人笑言：「佢話冇咁簡單，要慢慢嚟。」"
    _, reasons, _ = clean(stage, line + "\n" + HK_BODY)
    assert reasons == []


def test_cantonese_exemption_can_be_turned_off() -> None:
    _, reasons, _ = clean(Mojibake(min_cantonese_words=None), CANTONESE + "\n" + HK_BODY)
    assert "mojibake_garbled" in reasons


@pytest.mark.parametrize("read_as", ["big5", "big5hkscs"])
def test_gbk_read_as_big5_is_removed_on_a_cantonese_page(stage: Mojibake, read_as: str) -> None:
    garbled = "坚持以人民为中心的发展思想，推动经济高质量发展".encode("gbk").decode(read_as, errors="replace")
    text, reasons, _ = clean(stage, CANTONESE + "\n" + garbled + "\n" + HK_BODY)
    assert text.startswith(CANTONESE + "\n") and text.endswith("\n" + HK_BODY)
    assert len(text) - len(CANTONESE + "\n" + HK_BODY) <= 3  # common characters at its edge may stay
    assert set(reasons) == {"mojibake_garbled"}
