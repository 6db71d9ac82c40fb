#!/usr/bin/env python3
"""Write a deterministic synthetic feature: N article pairs, N/10 platforms, N/5 timeline events.

    python benchmarks/make_corpus.py 1000 /tmp/corpus-1000 [--seed 7] [--pelican /tmp/pelican-1000]

Articles are about 1,500 Chinese characters / 800 English words each, with
headings, a list, a table, links and figure citations, so that Markdown and
template work is realistic. The same seed always gives the same bytes.
--pelican also writes the same articles as a Pelican project (zh default, en
translations, feeds on) so both generators build the same text.
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ZH_WORDS = ("科技 创新 平台 实验室 研究院 人才 产业 发展 城市 企业 项目 成果 转化 政策 资金 合作 园区 建设 "
            "数据 算力 智能 制造 生命 科学 材料 能源 交通 教育 服务 生态 开放 协同 基础 前沿 关键 技术 "
            "团队 投资 市场 应用 示范 工程 设施 网络 安全 质量 效率 规模 增长 提升 集聚 引进 培育").split()
EN_WORDS = ("science technology innovation platform laboratory institute talent industry development city "
            "company project result transfer policy funding cooperation park construction data computing "
            "intelligent manufacturing life materials energy transport education service ecosystem open "
            "shared basic frontier key research team investment market application pilot engineering "
            "facility network security quality efficiency scale growth rise cluster attract nurture the of "
            "and to in for with on by from as a new its more than across").split()
ZH_PUNCT = "，，，、。"
CATEGORIES = ("lab", "institute", "facility", "service")


def zh_sentence(rng: random.Random) -> str:
    """A Chinese sentence of about 25-40 characters."""
    parts = []
    for _ in range(rng.randint(3, 5)):
        parts.append("".join(rng.choice(ZH_WORDS) for _ in range(rng.randint(3, 5))))
        parts.append(rng.choice("，、"))
    return "".join(parts[:-1]) + "。"


def en_sentence(rng: random.Random) -> str:
    """An English sentence of about 12-22 words."""
    words = [rng.choice(EN_WORDS) for _ in range(rng.randint(12, 22))]
    return " ".join(words).capitalize() + "."


def article_body(rng: random.Random, lang: str, n: int, figures: list[str], platforms: int) -> str:
    """Markdown of ~1,500 Chinese characters or ~800 English words."""
    sentence = zh_sentence if lang == "zh" else en_sentence
    joiner = "" if lang == "zh" else " "
    blocks = []
    for section in range(4):
        blocks.append(f"## {'第' + str(section + 1) + '部分' if lang == 'zh' else 'Part ' + str(section + 1)}")
        for _ in range(2):
            # Two lines per paragraph: a soft wrap, as editors write.
            lines = [joiner.join(sentence(rng) for _ in range(3)), joiner.join(sentence(rng) for _ in range(2))]
            if rng.random() < 0.5:
                lines[1] += f" {{{{{rng.choice(figures)}}}}}"
            blocks.append("\n".join(lines))
        if section == 1:
            blocks.append("\n".join(f"- {sentence(rng)}" for _ in range(4)))
        if section == 2:
            blocks.append("| a | b | c |\n| --- | --- | --- |\n" +
                          "\n".join(f"| {rng.randint(1, 999)} | {rng.randint(1, 999)} | {rng.randint(1, 999)} |"
                                    for _ in range(4)))
            blocks.append(f"[{'时间线' if lang == 'zh' else 'Timeline'}](timeline:) · "
                          f"[{'平台' if lang == 'zh' else 'Platform'}](platform:platform-{n % platforms:04d})")
    return "\n\n".join(blocks) + "\n"


def pair(name: str) -> str:
    """A YAML text pair in flow style."""
    return f'{{zh: "{name}（中文）", en: "{name}"}}'


def write_corpus(n: int, out: Path, seed: int = 7) -> None:
    """Write the corpus's content folder to out (which must not exist)."""
    rng = random.Random(seed)
    (out / "articles").mkdir(parents=True)
    (out / "data").mkdir()
    (out / "site.yaml").write_text(
        f"title: {pair('Synthetic feature')}\n"
        f"description: {pair('A synthetic corpus for benchmarks')}\n"
        "base_url: https://example.org/\n"
        "languages:\n"
        "  - {code: zh, html_lang: zh-CN, locale: zh_Hans_CN, name: 中文, compact_numbers_from: 10000}\n"
        "  - {code: en, html_lang: en, locale: en, name: English, compact_numbers_from: 1000000}\n"
        "navigation: [home, timeline, ranking, platforms, sources]\n", encoding="utf-8")
    (out / "data/sources.yaml").write_text(
        "sources:\n" + "".join(f"  - id: source-{i}\n    title: {pair(f'Source {i}')}\n"
                               f"    byline: {pair('Reporter')}\n" for i in range(3)), encoding="utf-8")
    figures = [f"figure-{i:02d}" for i in range(20)]
    (out / "data/figures.yaml").write_text("figures:\n" + "".join(
        f"  - key: {key}\n    value: {rng.randint(10, 5_000_000)}\n    unit: {{zh: 家, en: companies}}\n"
        f"    label: {pair(f'Figure {i}')}\n    source: source-{i % 3}\n    featured: {str(i < 4).lower()}\n"
        for i, key in enumerate(figures)), encoding="utf-8")
    platforms = [f"platform-{i:04d}" for i in range(max(1, n // 10))]
    (out / "data/platforms.yaml").write_text(
        "categories:\n" + "".join(f"  - id: {c}\n    name: {pair(c.title())}\n" for c in CATEGORIES) +
        "platforms:\n" + "".join(
            f"  - slug: {slug}\n    category: {CATEGORIES[i % 4]}\n    name: {pair(f'Platform {i}')}\n"
            f"    summary: {pair(f'What platform {i} does')}\n    source: source-{i % 3}\n"
            f"    facts:\n      - text: {pair(f'A fact about platform {i}')}\n        source: source-{i % 3}\n"
            for i, slug in enumerate(platforms)), encoding="utf-8")
    slugs = [f"story-{i:05d}" for i in range(n)]
    (out / "data/timeline.yaml").write_text(
        "categories:\n" + "".join(f"  - id: {c}\n    name: {pair(c.title())}\n" for c in ("policy", "science")) +
        "events:\n" + "".join(
            f"  - id: event-{i:05d}\n    date: {2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            f"    category: {('policy', 'science')[i % 2]}\n    title: {pair(f'Event {i}')}\n"
            f"    platforms: [{platforms[i % len(platforms)]}]\n    articles: [{slugs[(i * 5) % n]}]\n"
            f"    source: source-{i % 3}\n" for i in range(max(1, n // 5))), encoding="utf-8")
    (out / "data/ranking.yaml").write_text(
        f"title: {pair('Ranking')}\nsubject: {pair('The subject')}\npublisher: {pair('Publisher')}\n"
        "source: source-0\neditions:\n" + "".join(
            f"  - {{edition: {2020 + i}, rank: {40 - 7 * i}, source: source-0}}\n" for i in range(4)),
        encoding="utf-8")
    for i, slug in enumerate(slugs):
        date = f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        for lang in ("zh", "en"):
            title = f"第{i}篇报道" if lang == "zh" else f"Story number {i}"
            (out / f"articles/{slug}.{lang}.md").write_text(
                f"---\ntitle: {title}\nsummary: {(zh_sentence if lang == 'zh' else en_sentence)(rng)}\n"
                f"date: {date}\nbyline: {'编辑部' if lang == 'zh' else 'The editors'}\n"
                f"sources: [source-{i % 3}]\n---\n" + article_body(rng, lang, i, figures, len(platforms)),
                encoding="utf-8")


PELICANCONF = """# Pelican settings for the synthetic corpus: Chinese default, English translations, feeds on.
AUTHOR = "The editors"
SITENAME = "Synthetic feature"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
ARTICLE_URL = "{lang}/articles/{slug}/"
ARTICLE_SAVE_AS = "{lang}/articles/{slug}/index.html"
ARTICLE_LANG_URL = "{lang}/articles/{slug}/"
ARTICLE_LANG_SAVE_AS = "{lang}/articles/{slug}/index.html"
FEED_ALL_ATOM = "feeds/all.atom.xml"
TRANSLATION_FEED_ATOM = "feeds/all-{lang}.atom.xml"
DEFAULT_PAGINATION = False
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.tables": {},
        "markdown.extensions.footnotes": {},
        "markdown.extensions.toc": {},
        "markdown.extensions.attr_list": {},
    },
    "output_format": "html",
}
# The content cache, as Pelican users enable it for fast rebuilds.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
"""


def write_pelican(content: Path, out: Path) -> None:
    """The same articles as a Pelican project at out: content/ with Title/Slug/Lang metadata, pelicanconf.py.

    Figure citations are replaced by their values as plain text (Pelican has no fact sheets).
    """
    figures = {m.group(1): m.group(2) for m in re.finditer(r"- key: (\S+)\n    value: (\d+)",
                                                              (content / "data/figures.yaml").read_text())}
    (out / "content").mkdir(parents=True)
    (out / "pelicanconf.py").write_text(PELICANCONF, encoding="utf-8")
    for path in sorted((content / "articles").glob("*.md")):
        slug, lang, _ = path.name.split(".")
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = dict(line.split(": ", 1) for line in front.strip().splitlines())
        body = re.sub(r"\{\{(\S+?)\}\}", lambda m: figures[m.group(1)], body)
        (out / "content" / f"{slug}.{lang}.md").write_text(
            f"Title: {meta['title']}\nDate: {meta['date']}\nSlug: {slug}\nLang: {lang}\n"
            f"Summary: {meta['summary']}\nAuthors: {meta['byline']}\n\n{body}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", type=int, help="number of article pairs")
    parser.add_argument("out", type=Path, help="content folder to create (must not exist)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pelican", type=Path, metavar="DIR",
                        help="also write the same articles as a Pelican project into DIR")
    args = parser.parse_args()
    write_corpus(args.pairs, args.out, args.seed)
    print(f"wrote {args.pairs} article pairs into {args.out}")
    if args.pelican:
        write_pelican(args.out, args.pelican)
        print(f"wrote the Pelican project into {args.pelican}")


if __name__ == "__main__":
    main()
