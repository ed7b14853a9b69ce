from __future__ import annotations

import logging

import pytest

from filters.base import Document, Verdict, apply_verdict
from filters.language import Language, sample, writing_system
from filters.script import WritingSystems

SIMPLIFIED_NEWS = (
    "5月12日，县委统战部组织全县非公有制经济人士赴先进企业开展学习交流活动。\n"
    "大家表示，要坚定发展信心，加大研发投入，积极参与乡村振兴和社会公益事业，为全县高质量发展贡献力量。\n"
    "活动期间，县工商联还召开了座谈会，听取企业家在融资、用工、审批等方面遇到的困难和建议。"
)
# Traditional text as pages of united-front sites come out of cleaning (headings are short lines).
TRADITIONAL_NEWS = (
    "區委統戰部多措並舉做好民族宗教工作\n"
    "今年以來，區委統戰部堅持以鑄牢中華民族共同體意識為主線，紮實推進民族團結進步創建，"
    "不斷提升宗教事務管理法治化水平。\n"
    "強化組織領導\n"
    "健全工作機制\n"
    "區委統戰部牽頭召開聯席會議，研究部署重點任務，建立問題清單和責任清單，確保各項工作落到實處。"
)
CANTONESE = (
    "議員喺會上問：政府知唔知道啲長者排隊睇醫生要等幾耐？\n"
    "局長回應話，佢哋已經加咗人手，今年內會再開兩間診所，唔會令市民等咁耐。"
)
# Standard written Chinese of a Hong Kong government notice, with a quoted 佢 in it.
HONG_KONG_NOTICE = (
    "政府發言人今日表示，特區政府會繼續密切留意本港經濟情況，適時推出措施支援中小企業。\n"
    "一名受訪商戶表示，佢希望措施盡快落實。有關詳情可瀏覽政府新聞網。"
)
JAPANESE = (
    "内閣府は本日、地方創生に関する新たな基本方針を閣議決定した。\n"
    "方針では、地域の中小企業を支援するための補助金を拡充するとともに、若者の移住を促す施策を盛り込んでいる。"
)
KOREAN = "행정안전부는 오늘 지방자치단체의 재난 대응 역량을 강화하기 위한 새로운 지침을 발표했다.\n지침에는 주민 대피 훈련을 정례화하는 내용이 포함됐다."
ENGLISH = (
    "The municipal government announced on Tuesday a new plan to improve public transport.\n"
    "Officials said the plan would add bus routes to suburban districts and extend metro service hours."
)
CHINESE_WITH_ENGLISH_ABSTRACT = (
    "新时代基层协商民主的实践路径研究\n"
    "摘要：本文以东部某市社区议事会为例，分析了基层协商民主在议题形成、协商过程和成果运用等环节的运行机制，"
    "发现制度化平台、多元参与和结果反馈是提升协商实效的关键因素，并据此提出完善基层协商制度的对策建议。\n"
    "关键词：协商民主；基层治理；社区议事会\n"
    "Abstract: Taking community councils in an eastern city as a case, this paper analyses how "
    "grassroots consultative democracy works and proposes ways to improve it.\n"
    "一、问题的提出\n"
    "党的二十大报告提出，全面发展协商民主，推进协商民主广泛多层制度化发展。"
    "基层协商是协商民主的重要组成部分，直接关系人民群众的切身利益。"
)
SPAM_KEYWORD_LINES = "澳門賭場 線上娛樂城\n六合彩開獎直播 百家樂\n真人視訊 註冊送彩金"
NO_LETTERS = "2024-05-12 08:30\n…… —— 12345 ％％\n｜｜｜"


@pytest.fixture(scope="module")
def stage() -> Language:
    return Language()


@pytest.fixture(scope="module")
def labeller() -> Language:
    return Language(keep_languages=None, add_text_hans=True)


def judge(stage: Language, text: str) -> Verdict:
    return stage.judge(Document(id="1", url="http://example.gov.cn/a.html", text=text))


def assert_kept_chinese(verdict: Verdict, script: str | None = None) -> None:
    assert verdict.drop is None
    assert verdict.updates["lang"] == "zh"
    if script is not None:
        assert verdict.updates["script"] == script


def test_simplified_chinese_is_kept(stage: Language) -> None:
    verdict = judge(stage, SIMPLIFIED_NEWS)
    assert_kept_chinese(verdict, "Hans")
    assert verdict.updates["lang_score"] > 0.9
    assert verdict.tags["lang_detector"] == "fasttext"
    assert verdict.signals["lang_other_share"] == 0.0


def test_traditional_chinese_is_chinese_never_japanese(stage: Language) -> None:
    verdict = judge(stage, TRADITIONAL_NEWS)
    assert_kept_chinese(verdict, "Hant")
    assert verdict.signals["script_traditional_share"] > 0.9
    for heading in ("強化組織領導", "健全工作機制", "加強隊伍建設"):  # lid.176 calls these `ja`
        assert judge(stage, heading).updates["lang"] == "zh"


def test_short_chinese_spam_keyword_lines_are_chinese(stage: Language) -> None:
    assert_kept_chinese(judge(stage, SPAM_KEYWORD_LINES))
    assert judge(stage, "六合彩 开奖 娱乐城").updates["lang"] == "zh"


def test_cantonese_stays_chinese_with_a_variant_tag(stage: Language) -> None:
    verdict = judge(stage, CANTONESE)
    assert_kept_chinese(verdict, "Hant")
    assert verdict.tags["zh_variant"] == "yue"
    assert verdict.signals["zh_cantonese_share"] > 0.1
    for standard in (SIMPLIFIED_NEWS, TRADITIONAL_NEWS, HONG_KONG_NOTICE):
        assert "zh_variant" not in judge(stage, standard).tags


def test_cantonese_found_by_fasttext_alone() -> None:
    stage = Language(cantonese_share=1.0)  # characters alone would never say yue
    assert judge(stage, "我哋會繼續同業界保持溝通，確保措施落實到位。").tags["zh_variant"] == "yue"


def test_japanese_is_dropped(stage: Language) -> None:
    verdict = judge(stage, JAPANESE)
    assert verdict.updates["lang"] == "ja"
    assert verdict.updates["script"] is None
    assert verdict.drop == "language_ja"


def test_japanese_is_kept_when_configured() -> None:
    assert judge(Language(keep_languages=["zh", "ja"]), JAPANESE).drop is None


def test_korean_is_dropped(stage: Language) -> None:
    verdict = judge(stage, KOREAN)
    assert verdict.updates["lang"] == "ko"
    assert verdict.drop == "language_ko"


def test_english_is_dropped(stage: Language) -> None:
    verdict = judge(stage, ENGLISH)
    assert verdict.updates["lang"] == "en"
    assert verdict.drop == "language_en"


def test_chinese_article_with_english_abstract_is_chinese(stage: Language) -> None:
    verdict = judge(stage, CHINESE_WITH_ENGLISH_ABSTRACT)
    assert_kept_chinese(verdict, "Hans")
    assert 0.05 < verdict.signals["lang_other_share"] < 0.5
    assert verdict.tags["lang_other"] == "en"


def test_english_page_with_a_chinese_line_is_english(stage: Language) -> None:
    verdict = judge(stage, ENGLISH + "\n联系我们")
    assert verdict.updates["lang"] == "en"
    assert verdict.tags["lang_other"] == "zh"


def test_text_without_letters_is_undetermined(stage: Language) -> None:
    for text in (NO_LETTERS, "", "\n\n"):
        verdict = judge(stage, text)
        assert verdict.updates["lang"] == "und"
        assert verdict.updates["lang_score"] == 0.0
        assert verdict.updates["script"] is None
        assert verdict.tags["lang_detector"] == "none"
        assert verdict.drop == "language_und"


def test_odd_and_huge_input(stage: Language) -> None:
    assert judge(stage, "统战\ud800工作会议在京召开\x00").updates["lang"] == "zh"
    huge = (SIMPLIFIED_NEWS + "\n") * 2000
    assert judge(stage, huge).updates["lang"] == "zh"
    assert judge(stage, "国" * 200_000).updates["lang"] == "zh"


def test_label_only_records_without_dropping(stage: Language) -> None:
    doc = Document(id="1", url="u", text=ENGLISH)
    apply_verdict(doc, stage.judge(doc), stage, label_only=True)
    assert not doc.dropped
    assert doc.lang == "en"
    assert doc.tags["language_would_drop"] == "language_en"
    assert doc.text == ENGLISH


def test_fields_are_overwritten(stage: Language) -> None:
    doc = Document(id="1", url="u", text=TRADITIONAL_NEWS, lang="ja", script="Hans")
    apply_verdict(doc, stage.judge(doc), stage)
    assert (doc.lang, doc.script) == ("zh", "Hant")
    assert doc.lang_score is not None and 0.0 <= doc.lang_score <= 1.0


def test_text_hans_is_off_by_default(stage: Language) -> None:
    assert "text_hans" not in judge(stage, TRADITIONAL_NEWS).updates


def test_text_hans_converts_traditional_phrase_by_phrase(labeller: Language) -> None:
    verdict = judge(labeller, "乾隆年間，當地氣候乾燥。\n" + TRADITIONAL_NEWS)
    text_hans = verdict.updates["text_hans"]
    assert text_hans.startswith("乾隆年间，当地气候干燥。\n区委统战部多措并举做好民族宗教工作\n")
    assert judge(labeller, SIMPLIFIED_NEWS).updates["text_hans"] == SIMPLIFIED_NEWS
    assert judge(labeller, ENGLISH).updates["text_hans"] == ENGLISH


def test_mixed_script(labeller: Language) -> None:
    verdict = judge(labeller, SIMPLIFIED_NEWS + "\n" + TRADITIONAL_NEWS)
    assert verdict.updates["script"] == "mixed"
    assert verdict.drop is None  # keep_languages: None keeps everything


class FixedModel:
    def __init__(self, answer: dict[str, float]) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def probabilities(self, text: str) -> dict[str, float]:
        self.asked.append(text)
        return self.answer


def test_langdetect_decides_when_fasttext_is_unsure_of_letters(
    labeller: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = labeller
    monkeypatch.setattr(stage, "_fasttext", FixedModel({"en": 0.3, "fr": 0.25}))
    french = "Le conseil municipal a adopté hier le budget de la ville pour l'année prochaine."
    verdict = judge(stage, french)
    assert verdict.updates["lang"] == "fr"
    assert verdict.tags["lang_detector"] == "langdetect"


def test_confident_fasttext_is_not_second_guessed(
    labeller: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = labeller
    langdetect = FixedModel({"de": 1.0})
    monkeypatch.setattr(stage, "_langdetect", langdetect)
    assert judge(stage, ENGLISH).updates["lang"] == "en"
    assert langdetect.asked == []


def test_han_text_is_chinese_even_when_fasttext_is_unsure(
    labeller: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = labeller
    langdetect = FixedModel({"zh": 1.0})
    monkeypatch.setattr(stage, "_fasttext", FixedModel({"ja": 0.2, "zh": 0.1, "en": 0.05}))
    monkeypatch.setattr(stage, "_langdetect", langdetect)
    verdict = judge(stage, TRADITIONAL_NEWS)
    assert verdict.updates["lang"] == "zh"
    assert verdict.updates["lang_score"] == pytest.approx(0.3)  # a low score flags noisy text
    assert langdetect.asked == []


def test_langdetect_alone_when_the_model_is_missing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        stage = Language(model_path="/nonexistent/lid.176.ftz")
    assert "falls back to langdetect" in caplog.text
    for text in (SIMPLIFIED_NEWS, TRADITIONAL_NEWS):  # langdetect calls traditional Chinese `ko`
        verdict = judge(stage, text)
        assert verdict.updates["lang"] == "zh"
        assert verdict.tags["lang_detector"] == "langdetect"
    assert judge(stage, KOREAN).updates["lang"] == "ko"
    assert judge(stage, NO_LETTERS).updates["lang"] == "und"


def test_writing_system_of_a_paragraph() -> None:
    assert writing_system(WritingSystems(han=30, other=6), 0.05) == "han"
    assert writing_system(WritingSystems(han=20, kana=12), 0.05) == "kana"
    assert writing_system(WritingSystems(han=200, kana=1), 0.05) == "han"  # one stray の
    assert writing_system(WritingSystems(han=2, other=40), 0.05) == "letters"
    assert writing_system(WritingSystems(han=3, hangul=20), 0.05) == "hangul"
    assert writing_system(WritingSystems(), 0.05) is None


def test_sample_takes_the_longest_paragraphs_up_to_the_limit() -> None:
    assert sample(["短", "一段较长的正文内容", "中等长度"], 13) == "一段较长的正文内容 中等长"
    assert sample([], 10) == ""


def test_bad_parameters() -> None:
    for bad in ({"sample_chars": 0}, {"mixed_script_share": 0.5}, {"kana_share": 1.5}):
        with pytest.raises(ValueError):
            Language(**bad)  # type: ignore[arg-type]
