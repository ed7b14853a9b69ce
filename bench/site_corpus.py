"""A seeded corpus of government-site pages for comparing the clean engines (test and bench).

Articles are built from sentence templates of Chinese government news (bodies, actions, fields,
figures, closing phrases) and published on several sites, each with its own template lines
(navigation, footer, share widgets) on nearly every page. On top of the plain articles:

- exact copies: the same article on another site (identical once the site templates are gone);
- near copies: another site's copy with one sentence rewritten, or two or three (around the
  near-duplicate threshold, where the exact check decides), sometimes with a 来源 line added;
- traditional-script copies (OpenCC s2t) of an article on a Hong Kong-facing site;
- hacked pages: an article with a gambling block appended, and pages that are nearly all spam;
- too-short pages (a notice pointing to an attachment), and a few English pages;
- a few pages as HTML rather than extracted text, so extraction runs too.

Pages are written as JSONL files (one input unit each), interleaving the sites the way a crawl's
WARC files do. The same seed always gives the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

import opencc

BODIES = [
    "市人民政府",
    "区委办公室",
    "县人民政府",
    "市发展和改革委员会",
    "省生态环境厅",
    "市住房和城乡建设局",
    "市农业农村局",
    "区市场监督管理局",
    "市教育局",
    "县卫生健康委员会",
    "市交通运输局",
    "市文化和旅游局",
    "市委统战部",
    "市政协",
    "区人力资源和社会保障局",
    "市应急管理局",
    "市自然资源和规划局",
    "市水利局",
]
ACTIONS = [
    "召开专题会议，研究部署",
    "印发实施方案，统筹推进",
    "组织开展专项检查，重点聚焦",
    "召开新闻发布会，介绍",
    "深入基层调研，了解",
    "举办培训班，围绕",
    "出台若干措施，支持",
    "召开推进会，总结",
    "开展集中宣传活动，普及",
    "签署合作协议，共同推动",
    "启动三年行动计划，加快",
]
FIELDS = [
    "城乡基础设施建设",
    "营商环境优化提升",
    "农村人居环境整治",
    "中小学校舍安全改造",
    "基层医疗服务能力建设",
    "重点项目建设进度",
    "安全生产隐患排查",
    "生态环境保护督察整改",
    "防汛抗旱准备工作",
    "高标准农田建设",
    "老旧小区改造",
    "就业创业服务",
    "文旅融合发展",
    "数字政府建设",
    "民营经济发展壮大",
    "河湖长制落实",
]
CLOSINGS = [
    "各项工作取得阶段性成效。",
    "确保各项任务落到实处。",
    "进一步压实各方责任。",
    "切实增强群众获得感和幸福感。",
    "为全市高质量发展提供有力保障。",
    "推动形成齐抓共管的良好局面。",
    "以钉钉子精神抓好落实。",
    "持续巩固拓展工作成果。",
    "坚决守住安全底线。",
    "努力交出一份满意答卷。",
]
FIGURES = [
    "全年累计完成投资{a}亿元，同比增长{p}%。",
    "共排查企业{n}家，发现并整改问题{m}处。",
    "截至目前，已有{n}个项目开工建设，完成年度计划的{p}%。",
    "活动共发放宣传资料{n}份，接受群众咨询{m}人次。",
    "全年新增城镇就业{n}人，城镇调查失业率控制在{q}%以内。",
    "已改造老旧小区{m}个，惠及居民{n}户。",
]
OPENINGS = [
    "{month}月{day}日，{body}{action}{field}工作。",
    "近日，{body}{action}{field}相关工作。",
    "为深入贯彻落实上级决策部署，{body}{action}{field}。",
    "{month}月{day}日上午，{body}主要负责同志{action}{field}。",
]
MIDDLES = [
    "会议指出，{field}事关群众切身利益，{closing}",
    "会议要求，各地各部门要把{field}摆在突出位置，{closing}",
    "{body}有关负责人表示，下一步将持续推进{field}，{closing}",
    "据了解，今年以来{body}围绕{field}多措并举，{closing}",
    "与会人员围绕{field}进行了深入交流，{closing}",
    "会上，{body}通报了{field}的进展情况，{closing}",
]
NAMES = ["王建国", "李明华", "张卫东", "刘晓燕", "陈志强", "杨丽萍", "赵红梅", "黄永胜", "周海涛", "吴春生"]
GAMBLING_BLOCK = [
    "澳门赌场 真人百家乐 时时彩 北京赛车 幸运飞艇 注册就送彩金 官网登录入口",
    "六合彩开奖 特码 一肖中特 重庆时时彩 分分彩 信誉平台 提款秒到 最新网址",
    "娱乐城 老虎机 炸金花 德州扑克 外围赌球 首存送 免费开户 永久地址",
]
ENGLISH = [
    "The city government held a press conference on infrastructure investment this week.",
    "Officials said the new measures would support small businesses and improve public services.",
    "The program covers road repairs, school renovation and rural water supply projects.",
]


@dataclass(frozen=True)
class Site:
    key: str
    host: str
    category: str
    top: tuple[str, ...]
    bottom: tuple[str, ...]
    hant: bool = False


SITES = [
    Site(
        "city_gov",
        "www.example-city.gov.cn",
        "gov",
        ("首页 | 政务公开 | 政务服务 | 互动交流", "当前位置：首页 > 政务公开 > 工作动态"),
        ("【打印本页】【关闭窗口】", "主办单位：某某市人民政府办公室 网站标识码1234000001"),
    ),
    Site(
        "county_gov",
        "www.example-county.gov.cn",
        "gov",
        ("网站首页 走进某某 新闻中心 信息公开", "您现在的位置：新闻中心 - 部门动态"),
        ("扫一扫在手机打开当前页", "版权所有：某某县人民政府 联系我们 网站地图"),
    ),
    Site(
        "party_site",
        "www.example-party.org.cn",
        "party",
        ("党建要闻 | 组织工作 | 理论学习", "分享到：微信 微博 QQ空间"),
        ("责任编辑：党建办", "中共某某市委组织部主办"),
    ),
    Site(
        "cppcc_site",
        "www.example-cppcc.gov.cn",
        "cppcc",
        ("政协要闻 委员风采 提案工作 协商议政",),
        ("【字体：大 中 小】", "某某市政协办公室 版权所有"),
    ),
    Site(
        "news_portal",
        "news.example-media.com.cn",
        "media",
        ("新闻 | 财经 | 社会 | 评论", "责任编辑：新闻中心"),
        ("相关新闻推荐请关注本网客户端", "本网所有内容未经授权不得转载"),
    ),
    Site(
        "hk_portal",
        "www.example-hk.org.hk",
        "media",
        ("首頁 | 新聞 | 專題 | 評論",),
        ("版權所有 不得轉載",),
        hant=True,
    ),
]


class CorpusWriter:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.to_hant = opencc.OpenCC("s2t")
        self.serial = 0

    def sentence(self, kind: str = "middle") -> str:
        rng = self.rng
        slots = {
            "body": rng.choice(BODIES),
            "action": rng.choice(ACTIONS),
            "field": rng.choice(FIELDS),
            "closing": rng.choice(CLOSINGS),
            "month": rng.randint(1, 12),
            "day": rng.randint(1, 28),
            "a": round(rng.uniform(1, 300), 1),
            "p": round(rng.uniform(1, 40), 1),
            "q": round(rng.uniform(3, 6), 1),
            "n": rng.randint(12, 9000),
            "m": rng.randint(3, 800),
        }
        if kind == "opening":
            return rng.choice(OPENINGS).format(**slots)
        if kind == "figure":
            return rng.choice(FIGURES).format(**slots)
        text = rng.choice(MIDDLES).format(**slots)
        if rng.random() < 0.3:
            text = f"{rng.choice(NAMES)}同志强调，{text}"
        return text

    def article(self) -> list[str]:
        """Paragraphs of a new article (3-7 paragraphs of 2-4 sentences)."""
        sentences = [self.sentence("opening")]
        for _ in range(self.rng.randint(7, 20)):
            sentences.append(self.sentence("figure" if self.rng.random() < 0.25 else "middle"))
        paragraphs, cursor = [], 0
        while cursor < len(sentences):
            step = self.rng.randint(2, 4)
            paragraphs.append("".join(sentences[cursor : cursor + step]))
            cursor += step
        return paragraphs

    def rewrite(self, paragraphs: list[str], sentences: int) -> list[str]:
        """A copy with `sentences` paragraphs' last sentence replaced by a new one."""
        copy = list(paragraphs)
        for index in self.rng.sample(range(len(copy)), min(sentences, len(copy))):
            head = copy[index].rstrip("。").rsplit("。", 1)[0]
            copy[index] = (
                f"{head}。{self.sentence()}" if "。" in copy[index].rstrip("。") else self.sentence()
            )
        return copy

    def page(self, site: Site, title: str, body: list[str], *, html: bool = False) -> dict[str, object]:
        self.serial += 1
        day = dt.date(2024, 1, 1) + dt.timedelta(days=self.rng.randint(0, 300))
        meta = f"发布时间：{day.isoformat()} 来源：{site.key}"
        lines = [*site.top, title, meta, *body, *site.bottom]
        if site.hant:
            lines = [self.to_hant.convert(line) for line in lines]
            title = self.to_hant.convert(title)
        record: dict[str, object] = {
            "url": f"https://{site.host}/art/{day:%Y%m}/t{day:%Y%m%d}_{self.serial}.html",
            "site": site.key,
            "site_category": site.category,
            "title": title,
            "fetched_at": f"{day.isoformat()}T08:00:00Z",
        }
        if html:
            paragraphs = "".join(f"<p>{line}</p>" for line in lines)
            record["html"] = f"<html><head><title>{title}</title></head><body>{paragraphs}</body></html>"
        else:
            record["text"] = "\n".join(lines)
        return record


def generate(n_docs: int, seed: int = 7) -> list[dict[str, object]]:
    """About `n_docs` page records, in crawl order."""
    writer = CorpusWriter(seed)
    rng = writer.rng
    plain_sites = [site for site in SITES if not site.hant]
    hant_site = next(site for site in SITES if site.hant)
    pages: list[dict[str, object]] = []
    while len(pages) < n_docs:
        site = rng.choice(plain_sites)
        title = f"{rng.choice(BODIES)}{rng.choice(ACTIONS)[:4]}{rng.choice(FIELDS)}"
        body = writer.article()
        roll = rng.random()
        pages.append(writer.page(site, title, body, html=rng.random() < 0.02))
        others = [s for s in plain_sites if s is not site]
        if roll < 0.10:
            pages.append(writer.page(rng.choice(others), title, body))
        elif roll < 0.20:
            copy = writer.rewrite(body, 1)
            if rng.random() < 0.5:
                copy.append(f"（来源：{rng.choice(BODIES)}）")
            pages.append(writer.page(rng.choice(others), title, copy))
        elif roll < 0.26:
            pages.append(writer.page(rng.choice(others), title, writer.rewrite(body, rng.randint(2, 3))))
        elif roll < 0.29:
            pages.append(writer.page(hant_site, title, body))
        elif roll < 0.32:
            pages.append(writer.page(site, title, [*body, *rng.sample(GAMBLING_BLOCK, 2)]))
        elif roll < 0.34:
            pages.append(writer.page(site, "最新网址", [*GAMBLING_BLOCK, body[0][:30]]))
        elif roll < 0.37:
            pages.append(writer.page(site, "关于召开会议的通知", ["详见附件。"]))
        elif roll < 0.38:
            pages.append(writer.page(site, "News", list(ENGLISH)))
    return pages[:n_docs]


def write_corpus(directory: Path, n_docs: int, files: int = 8, seed: int = 7) -> list[Path]:
    """The corpus as `files` JSONL files under `directory` (pages dealt round-robin)."""
    directory.mkdir(parents=True, exist_ok=True)
    pages = generate(n_docs, seed)
    paths = [directory / f"crawl-{number:03d}.jsonl" for number in range(files)]
    handles = [path.open("w", encoding="utf-8") for path in paths]
    try:
        for position, page in enumerate(pages):
            handles[position % files].write(json.dumps(page, ensure_ascii=False) + "\n")
    finally:
        for handle in handles:
            handle.close()
    return paths
