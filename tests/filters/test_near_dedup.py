from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from filters.base import Document, MemoryStateStore, StateStore, apply_verdict
from filters.near_dedup import REASON, NearDuplicates
from pipelines.state import DiskStateStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "near_dedup"


def article(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8").strip()


def doc(doc_id: str, text: str, day: int | None = None, **fields: object) -> Document:
    """A document; `day` of March 2024 is its publication date (earlier copies are kept)."""
    domain = fields.pop("domain", f"www.{doc_id}.gov.cn")
    published = dt.datetime(2024, 3, day, 9, 30, tzinfo=dt.UTC) if day else None
    url = f"http://{domain}/art/{doc_id}.html"
    return Document(id=doc_id, url=url, text=text, domain=domain, published_at=published, **fields)


@pytest.fixture(scope="module")
def stage() -> NearDuplicates:
    return NearDuplicates()


def run(stage: NearDuplicates, batch: list[Document], state: StateStore | None = None) -> list[Document]:
    for item, verdict in zip(batch, stage.judge_batch(batch, state or MemoryStateStore()), strict=True):
        apply_verdict(item, verdict, stage)
    return batch


def changed_paragraph(text: str) -> str:
    edited = text.replace(
        "要加大金融支持力度，引导银行机构扩大首贷、信用贷和中长期贷款投放，健全政府性融资担保体系，",
        "要强化要素保障，在用地指标、能耗指标和人才落户等方面对各类所有制企业一视同仁，",
    )
    assert edited != text
    return edited


def test_near_copies_are_dropped_in_favour_of_one(stage: NearDuplicates) -> None:
    economy, flood, unity = article("private_economy"), article("flood_control"), article("ethnic_unity")
    batch = run(
        stage,
        [
            doc("economy", economy, 1),
            doc("flood", flood, 1),
            doc("unity", unity, 1),
            doc("economy_edited", changed_paragraph(economy), 2),
            doc("flood_sourced", f"{flood}\n来源：市应急管理局\n责任编辑：张晓明", 2),
            doc(
                "unity_template",
                f"【字体：大 中 小】【打印本页】【关闭窗口】\n{unity}\n扫一扫在手机打开当前页",
                2,
            ),
        ],
    )
    assert [d.drop_reason for d in batch] == [None, None, None, REASON, REASON, REASON]
    assert [d.tags["duplicate_of"] for d in batch[3:]] == ["economy", "flood", "unity"]
    assert [d.tags["near_dedup_match"] for d in batch[3:]] == ["run", "run", "run"]
    assert batch[0].dup_urls == ["http://www.economy_edited.gov.cn/art/economy_edited.html"]
    assert batch[0].dup_cluster == batch[3].dup_cluster == "economy"
    assert batch[3].signals["near_dedup_similarity"] >= 0.8
    assert batch[0].signals["near_dedup_cluster_size"] == 2


def test_simplified_and_traditional_copies_are_one_article(stage: NearDuplicates) -> None:
    batch = run(stage, [doc("hans", article("sewage_notice")), doc("hant", article("sewage_notice_hant"))])
    assert batch[0].drop_reason is None
    assert batch[1].drop_reason == REASON and batch[1].tags["duplicate_of"] == "hans"


def test_different_articles_sharing_a_site_template_are_kept(stage: NearDuplicates) -> None:
    template = article("site_template")
    lines = template.split("\n")
    batch = run(
        stage,
        [
            doc("unity", "\n".join([*lines[:3], article("ethnic_unity"), *lines[3:]])),
            doc("cppcc", "\n".join([*lines[:3], article("cppcc_consultation"), *lines[3:]])),
            doc("sewage", "\n".join([*lines[:3], article("sewage_notice"), *lines[3:]])),
        ],
    )
    assert [d.drop_reason for d in batch] == [None, None, None]
    assert all(d.dup_cluster is None and not d.dup_urls for d in batch)
    assert all(d.signals["near_dedup_similarity"] < 0.8 for d in batch)


def test_short_and_odd_texts_are_not_compared_and_do_not_crash(stage: NearDuplicates) -> None:
    notice = "经研究决定，任命王明同志为市发展和改革委员会副主任，免去其市商务局副局长职务。"
    batch = run(
        stage,
        [
            doc("a", notice),
            doc("b", notice.replace("王明", "李强")),
            doc("empty", ""),
            doc("punct", "。。。，，，！！！\n\n"),
            doc("odd", "\ud800" + "😀" * 50 + "\u200b" * 20 + "𠀀" * 60),
            doc("huge", article("flood_control") * 300),
        ],
    )
    assert not any(d.dropped for d in batch)
    assert "near_dedup_similarity" not in batch[0].signals
    assert "near_dedup_similarity" in batch[5].signals


def dated(doc_id: str, text: str, day: int, category: str | None, domain: str, **fields: object) -> Document:
    return doc(doc_id, text, day, site_category=category, domain=domain, **fields)


def test_representative_is_the_earliest_publication(stage: NearDuplicates) -> None:
    text = article("private_economy")
    batch = run(
        stage,
        [
            dated("central", text, 6, "gov", "www.gov.cn"),
            dated("media_first", f"{text}\n来源：新华网", 5, "media", "www.news.cn"),
            doc("undated", f"（记者 王磊）\n{text}", domain="www.hubei.gov.cn", site_category="gov"),
        ],
    )
    assert [d.drop_reason for d in batch] == [REASON, None, REASON]
    assert batch[1].dup_urls == [batch[0].url, batch[2].url]
    assert batch[0].tags["duplicate_of"] == batch[2].tags["duplicate_of"] == "media_first"


def test_same_day_prefers_central_political_sites_over_local_and_media(stage: NearDuplicates) -> None:
    text = article("ethnic_unity")
    batch = run(
        stage,
        [
            dated("city", f"{text}\n责任编辑：刘洋", 8, "gov", "www.wuhan.gov.cn"),
            dated("media", text, 8, "media", "www.people.com.cn"),
            dated("district", text, 8, "gov", "jiangan.wuhan.gov.cn"),
            dated(
                "central_party",
                f"{text}\n来源：中央统战部",
                8,
                "united_front",
                "www.zytzb.gov.cn",
                tags={"site_level": "central"},
            ),
        ],
    )
    assert [d.tags.get("duplicate_of") for d in batch] == [
        "central_party",
        "central_party",
        "central_party",
        None,
    ]


def test_same_day_and_authority_keeps_the_longest_text(stage: NearDuplicates) -> None:
    text = article("cppcc_consultation")
    batch = run(
        stage,
        [
            dated("short", text.replace("区政协主席出席并讲话，", ""), 9, "cppcc", "www.abc.gov.cn"),
            dated("long", text, 9, "cppcc", "www.xyz.gov.cn"),
        ],
    )
    assert [d.drop_reason for d in batch] == [REASON, None]


def test_disk_index_drops_copies_of_earlier_runs(stage: NearDuplicates, tmp_path: Path) -> None:
    state = DiskStateStore(tmp_path)
    first = run(
        stage, [doc("economy", article("private_economy")), doc("flood", article("flood_control"))], state
    )
    assert not any(d.dropped for d in first)
    state.commit()
    # The runner commits state only once a run's output is written: an uncommitted run is forgotten.
    run(stage, [doc("uncommitted", article("ethnic_unity"))], DiskStateStore(tmp_path))
    assert_second_run_drops_stored_copies(NearDuplicates(), lambda: DiskStateStore(tmp_path))


def assert_second_run_drops_stored_copies(stage: NearDuplicates, new_state) -> None:
    state = new_state()
    second = run(
        stage,
        [
            doc("economy_copy", changed_paragraph(article("private_economy"))),
            doc("unity", article("ethnic_unity"), 3),
            doc("unity_copy", f"{article('ethnic_unity')}\n来源：县委统战部", 4),
        ],
        state,
    )
    assert [d.drop_reason for d in second] == [REASON, None, REASON]
    assert second[0].tags == {"duplicate_of": "economy", "near_dedup_match": "index"}
    assert second[2].tags["near_dedup_match"] == "run" and second[1].dup_urls == [second[2].url]
    if isinstance(state, DiskStateStore):
        state.commit()
    third = run(
        stage,
        [
            doc("unity_again", f"{article('ethnic_unity')}\n（通讯员 张丽）"),
            doc("cppcc", article("cppcc_consultation")),
        ],
        new_state(),
    )
    assert [d.tags.get("duplicate_of") for d in third] == ["unity", None]


def test_changed_signature_parameters_refuse_the_stored_index(stage: NearDuplicates) -> None:
    state = MemoryStateStore()
    run(stage, [doc("economy", article("private_economy"))], state)
    with pytest.raises(ValueError, match="num_perm"):
        NearDuplicates(num_perm=64).judge_batch([doc("flood", article("flood_control"))], state)


def test_remember_off_keeps_nothing_between_runs(stage: NearDuplicates) -> None:
    forgetful, state = NearDuplicates(remember_across_runs=False), MemoryStateStore()
    run(forgetful, [doc("economy", article("private_economy"))], state)
    later = run(forgetful, [doc("economy_copy", changed_paragraph(article("private_economy")))], state)
    assert not later[0].dropped and state.get("near_dedup.index") is None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server): Redis backend not tested")
    import redis

    port = free_port()
    server = subprocess.Popen(
        [binary, "--save", "", "--appendonly", "no", "--port", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not answer PING")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


def test_redis_index_drops_copies_of_earlier_runs(redis_url: str) -> None:
    basename = f"test:{uuid.uuid4().hex}"
    first_stage = NearDuplicates(backend="redis", redis_url=redis_url, redis_basename=basename)
    first = run(
        first_stage, [doc("economy", article("private_economy")), doc("flood", article("flood_control"))]
    )
    assert not any(d.dropped for d in first)
    later_stage = NearDuplicates(backend="redis", redis_url=redis_url, redis_basename=basename)
    assert_second_run_drops_stored_copies(later_stage, MemoryStateStore)
    with pytest.raises(ValueError, match="bands"):
        NearDuplicates(backend="redis", redis_url=redis_url, redis_basename=basename, bands=10).judge_batch(
            [doc("flood", article("flood_control"))], MemoryStateStore()
        )


def test_cleaning_the_same_documents_again_does_not_drop_them_as_their_own_copies(
    stage: NearDuplicates,
) -> None:
    """A run resumed after its index was saved (or a page cleaned again) must keep its documents."""
    state = MemoryStateStore()
    originals = [
        doc("economy", article("private_economy"), 1),
        doc("economy_copy", changed_paragraph(article("private_economy")), 2),
    ]
    assert [d.drop_reason for d in run(stage, originals, state)] == [None, REASON]
    again = [
        doc("economy", article("private_economy"), 1),
        doc("economy_copy", changed_paragraph(article("private_economy")), 2),
    ]
    assert [d.drop_reason for d in run(stage, again, state)] == [None, REASON]
    assert again[1].tags["duplicate_of"] == "economy"
