"""Search at scale: index N synthetic Chinese documents, then measure query latency (p50/p99).

    .venv/bin/python -m bench.search --docs 100000 --queries 2000
    .venv/bin/python -m bench.search --docs 1000000 --dir /tmp/search-bench --keep   # reuse with --reuse

Documents are generated deterministically (--seed) from a word list: jieba's own dictionary (the
30,000 most frequent words, drawn by frequency) plus the party dictionary, as posts, threads with
replies, notices, people and orgs, with a realistic mix of audiences (public, org subtrees, friends,
private) and a second tenant. They go through the real indexing path (search_index.Writer.put: jieba
search-mode segmentation, pre-tokenized tantivy documents). Queries go through the real query path
(query_terms, then Reader.search: tenant, audience and kind filters inside the query, BM25, one page
of 20 hits with highlighted snippets) for a reader with a home org path and 200 friends. Measured: the
in-process search (what grows with the index); the gRPC and HTTP hops add a constant ~1–2 ms.
Target: p99 ≤ 100 ms at 1,000,000 documents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from services.content import search_index
from services.content.domain import search as rules
from services.content.domain import search_text as text

TENANT, OTHER = "bench", "bench-other"
ORGS, PEOPLE = 2_000, 200_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国志强文斌海燕"
PLACES = ["和平", "河西", "南开", "河东", "红桥", "东丽", "西青", "津南", "北辰", "武清", "宝坻", "静海"]


def vocabulary(size: int = 30_000) -> tuple[list[str], list[float]]:
    """The most frequent words of jieba's dictionary (2–4 Chinese characters) and the party words."""
    import jieba

    rows = []
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, freq, *_ = line.split()
            if 2 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
                rows.append((int(freq), word))
    rows.sort(reverse=True)
    words = [w for _, w in rows[:size]]
    weights = [float(f) ** 0.8 for f, _ in rows[:size]]  # flatter than the corpus: fewer giant postings
    party = text.PARTY_WORDS.read_text(encoding="utf-8").split()
    return words + party, weights + [weights[len(weights) // 50]] * len(party)


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.words, weights = vocabulary()
        self.cum = list(_accumulate(weights))

    def sentence(self, low: int, high: int) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cum, k=self.rng.randint(low, high))
        out, run = [], 0
        for word in words:
            out.append(word)
            run += 1
            if run >= self.rng.randint(4, 12):
                out.append(self.rng.choice("，。；！？"))
                run = 0
        return "".join(out) + "。"

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    def audience(self, author: str) -> list[str]:
        roll = self.rng.random()
        if roll < 0.70:
            return [f"author:{author}", "public"]
        if roll < 0.85:
            return [f"author:{author}", f"org:o{self.rng.randrange(ORGS)}"]
        if roll < 0.95:
            return [f"author:{author}", f"friends-of:{author}"]
        return [f"author:{author}"]

    def entry(self, i: int) -> tuple[str, rules.Entry]:
        roll = self.rng.random()
        author = f"a{self.rng.randrange(PEOPLE)}"
        if roll < 0.60:
            entry = rules.new_entry(rules.POST, f"p{i}")
            entry.update(body=self.sentence(15, 70), audience=self.audience(author))
        elif roll < 0.75:
            entry = rules.new_entry(rules.THREAD, f"t{i}")
            replies = [{"id": f"r{i}-{k}", "text": self.sentence(5, 30)} for k in range(self.rng.randint(0, 4))]
            entry.update(title=self.sentence(3, 8), body=self.sentence(20, 80), replies=replies)
            entry["audience"] = self.audience(author)
        elif roll < 0.85:
            entry = rules.new_entry(rules.NOTICE, f"n{i}")
            entry.update(title=self.sentence(4, 10), body=self.sentence(30, 120))
            entry["audience"] = [f"org:o{self.rng.randrange(ORGS)}"]
        elif roll < 0.97:
            entry = rules.new_entry(rules.PERSON, f"u{i}")
            entry.update(title=self.name(), audience=["public"], org_id=f"o{self.rng.randrange(ORGS)}")
        else:
            entry = rules.new_entry(rules.ORG, f"o{i}")
            title = f"{self.rng.choice(PLACES)}{self.rng.choice(self.words)}社区第{self.rng.randint(1, 30)}党支部"
            entry.update(title=title, audience=["public"])
        entry.update(ready=True, author_id=author, created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        return (OTHER if self.rng.random() < 0.05 else TENANT), entry

    def query(self) -> tuple[str, list[str]]:
        roll = self.rng.random()
        if roll < 0.45:
            q = self.rng.choices(self.words, cum_weights=self.cum, k=1)[0]
        elif roll < 0.75:
            q = " ".join(self.rng.choices(self.words, cum_weights=self.cum, k=2))
        elif roll < 0.85:
            q = self.rng.choice(self.words)  # uniform: mostly rare words
        elif roll < 0.95:
            q = self.rng.choice(SURNAMES + GIVEN)  # part of a name
        else:
            q = self.sentence(3, 6)  # a pasted phrase (up to 8 terms)
        kinds = [self.rng.choice(rules.KINDS)] if self.rng.random() < 0.2 else []
        return q[: text.MAX_QUERY_CHARS], kinds

    def reader_keys(self) -> list[str]:
        me = self.rng.randrange(PEOPLE)
        path = [f"o{self.rng.randrange(ORGS)}" for _ in range(4)]
        friends = {f"a{self.rng.randrange(PEOPLE)}" for _ in range(200)}
        return ["public", f"author:a{me}", *(f"org:{o}" for o in path), *(f"friends-of:{f}" for f in sorted(friends))]


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


def build(root: Path, docs: int, seed: int) -> float:
    gen = Generator(seed)
    writer = search_index.Writer(root, heap=256_000_000)
    started = time.perf_counter()
    for i in range(docs):
        tenant, entry = gen.entry(i)
        writer.put(tenant, entry)
        if (i + 1) % 50_000 == 0:
            writer.commit()
            rate = (i + 1) / (time.perf_counter() - started)
            print(f"  indexed {i + 1:,} documents ({rate:,.0f}/s)", flush=True)
    writer.close()
    return time.perf_counter() - started


def measure(root: Path, queries: int, seed: int, warmup: int = 50) -> dict:
    gen = Generator(seed + 1)
    reader = search_index.Reader(root)
    assert reader.ready(), f"no index under {root}"
    timings, hits_seen = [], []
    for n in range(warmup + queries):
        q, kinds = gen.query()
        keys = gen.reader_keys()
        started = time.perf_counter()
        hits, _ = reader.search(TENANT, keys, text.query_terms(q), kinds, 0, 20)
        elapsed = (time.perf_counter() - started) * 1000
        if n >= warmup:
            timings.append(elapsed)
            hits_seen.append(len(hits))
    timings.sort()
    return {
        "queries": queries,
        "p50_ms": round(statistics.median(timings), 2),
        "p90_ms": round(timings[int(len(timings) * 0.90) - 1], 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "mean_ms": round(statistics.fmean(timings), 2),
        "mean_hits_per_page": round(statistics.fmean(hits_seen), 1),
        "empty_pages": sum(1 for h in hits_seen if h == 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None, help="index directory (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="query an index built before in --dir")
    parser.add_argument("--keep", action="store_true", help="keep the index directory")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    root = args.dir or Path(tempfile.mkdtemp(prefix="jiceng-search-bench-"))
    text.tokenizer()
    result: dict = {"docs": args.docs, "seed": args.seed}
    try:
        if not args.reuse:
            print(f"indexing {args.docs:,} documents into {root} …", flush=True)
            seconds = build(root, args.docs, args.seed)
            result["index_seconds"] = round(seconds, 1)
            result["index_docs_per_second"] = round(args.docs / seconds)
        size = sum(p.stat().st_size for p in search_index.version_dir(root).rglob("*") if p.is_file())
        result["index_mb"] = round(size / 1e6, 1)
        print(f"querying ({args.queries:,} queries, page of 20, reader with 200 friends) …", flush=True)
        result.update(measure(root, args.queries, args.seed))
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
