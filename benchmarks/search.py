#!/usr/bin/env python
"""Search benchmark: kb's Whoosh search against a SQLite FTS5 reference on a synthetic library.

    .venv/bin/python benchmarks/search.py [--cases N] [--out FILE] [--keep-instance DIR] [--profile KIND]

Steps (progress on stderr, one JSON object on stdout):

1. A temporary instance (SQLite database migrated with Alembic, taxonomy from content/taxonomy) gets N
   synthetic published cases, generated deterministically from the seeded library: bodies, titles and
   summaries come from a word-level Markov chain over the seed case files (English cases from the English
   seed files, ~10% Hindi cases from kb-0037..kb-0042), so word frequencies look like the real library.
   They are inserted with SQLAlchemy Core (no outbox rows, no per-case index sync).
2. ``kb.search.rebuild()`` builds the index: seconds, documents per second, bytes on disk.
3. A fixed mix of queries runs through ``kb.search.search(...)`` (facets and highlights included), per
   kind: warm-up, then timed calls; p50/p95/p99 in ms.
4. "One published change searchable": ``kb.content.upsert_case`` + commit (outbox row, inline sync),
   timed from the commit until ``kb.search.search(<unique title word>)`` finds it.
5. The same corpus in SQLite FTS5 (bm25 with the title weighted, snippet() highlights of the top page,
   GROUP BY facet counts) as the reference, and the ratio kb / FTS5 per kind.

``http_search.py`` imports ``generate_corpus`` and ``prepare_instance`` from here.
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Measure the kb of this checkout (a git worktree too), not whichever one the venv's editable install names;
# the servers the HTTP benchmarks start get it through PYTHONPATH (server_environment).
sys.path.insert(0, str(ROOT))
CONTENT = ROOT / "content"
DEFAULT_SEED = 20260101
HINDI_SEED_NUMBERS = range(37, 43)  # kb-0037 .. kb-0042 are the Hindi seed cases
HINDI_SHARE = 0.10


def server_environment(**settings: str) -> dict[str, str]:
    """The environment of a ``kb serve`` a benchmark starts: this checkout's kb first on the path, none of
    the caller's kb settings that would point it elsewhere, then ``settings``."""
    env = {k: v for k, v in os.environ.items() if k not in ("KB_DATABASE_URL", "KB_INDEX_DIR", "KB_INDEX_SYNC", "KB_ENV")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**env, **settings}
TAG_POOL_SIZE = 80
KINDS = ("single_word", "several_words", "phrase", "misspelling", "hindi", "empty_all_facets", "filtered", "prefix")
FIELD_WEIGHTS = (4.0, 2.0, 1.0, 2.0)  # FTS5 bm25 weights of title, summary, body, tags (as kb's field boosts)
FTS5_TOKENIZER = "unicode61 categories 'L* N* Co M*'"
HINDI_STATES = ("UP", "MP", "BR", "RJ", "HR", "DL", "JH", "CG", "UK", "HP")
END_OF_SENTENCE = re.compile(r"[.?!।][\"')\]]*$")
# The code whose speed is measured: its fingerprint goes into every result and instance marker.
CODE_FILES = ("kb/search/*.py", "kb/services/catalog.py", "kb/api/*.py", "kb/markdown.py", "kb/content.py",
              "kb/models.py")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def code_fingerprint() -> str:
    """A short hash of the kb code on the search path (an index built by other code may not fit it)."""
    digest = hashlib.sha1()
    for pattern in CODE_FILES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------------------------------------------
# The seed library: vocabulary, word chains, tags, departments


class Chain:
    """A first-order word chain over the seed text: realistic word frequencies, new sentences."""

    def __init__(self, paragraphs: list[list[str]]):
        index: dict[str, int] = {}
        words: list[str] = []
        successors: list[list[int]] = []
        starts: list[int] = []

        def code(word: str) -> int:
            if word not in index:
                index[word] = len(words)
                words.append(word)
                successors.append([])
            return index[word]

        for tokens in paragraphs:
            codes = [code(t) for t in tokens]
            starts.append(codes[0])
            for a, b in zip(codes, codes[1:]):
                successors[a].append(b)
                if END_OF_SENTENCE.search(words[a]):
                    starts.append(b)
        self.words = words
        self.successors = successors
        self.starts = starts
        self.ends = [bool(END_OF_SENTENCE.search(w)) for w in words]

    def walk(self, rng: random.Random, min_words: int, max_words: int) -> list[str]:
        """One sentence: from a sentence start until a sentence end (or max_words)."""
        rand = rng.random
        starts, successors, ends, words = self.starts, self.successors, self.ends, self.words
        current = starts[int(rand() * len(starts))]
        out = [current]
        while len(out) < max_words:
            if ends[current] and len(out) >= min_words:
                break
            following = successors[current]
            if not following:
                following = starts
            current = following[int(rand() * len(following))]
            out.append(current)
        return [words[c] for c in out]

    def sentence(self, rng: random.Random, min_words: int = 6, max_words: int = 30, stop: str = ".") -> str:
        tokens = self.walk(rng, min_words, max_words)
        text = " ".join(tokens)
        if not END_OF_SENTENCE.search(tokens[-1]):
            text = text.rstrip(",;:—-") + stop
        return text[0].upper() + text[1:]

    def fragment(self, rng: random.Random, min_words: int, max_words: int) -> str:
        """A title-like run of words: no sentence punctuation, brackets or quotes."""
        tokens = self.walk(rng, max_words, max_words)[: rng.randint(min_words, max_words)]
        cleaned = [re.sub(r"[()\[\]\"'“”‘’*`]", "", t).strip(".,;:!?।—-") for t in tokens]
        text = " ".join(t for t in cleaned if t)
        return text[:1].upper() + text[1:]


@dataclasses.dataclass
class Seed:
    en_chain: Chain
    hi_chain: Chain
    en_departments: list[str]
    hi_departments: list[str]
    tag_pool: list[str]
    mmps: list[tuple[str, str]]  # (slug, category)
    states: list[tuple[str, str]]  # (code, name)
    en_df: collections.Counter  # document frequency of lowercase words in the English seed
    hi_df: collections.Counter
    en_ngrams: collections.Counter  # document frequency of stop-word-free bigrams / trigrams


def _plain_paragraphs(body: str) -> list[list[str]]:
    paragraphs = []
    for block in re.split(r"\n\s*\n", body):
        lines = []
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "|")):
                continue
            line = re.sub(r"^(?:[-*+]|\d+\.)\s+", "", line)
            line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
            lines.append(line.replace("**", "").replace("`", ""))
        tokens = " ".join(lines).split()
        if len(tokens) >= 3:
            paragraphs.append(tokens)
    return paragraphs


def load_seed() -> Seed:
    from kb.content import parse_case_file
    from kb.search.analysis import STOP_LIST

    mmps = [(m["slug"], m["category"]) for m in yaml.safe_load((CONTENT / "taxonomy" / "mmps.yml").read_text())]
    states = [(s["code"], s["name"]) for s in yaml.safe_load((CONTENT / "taxonomy" / "states.yml").read_text())]
    documents = [
        parse_case_file(path, mmp_slugs={m for m, _ in mmps}, state_codes={s for s, _ in states})
        for path in sorted((CONTENT / "cases").glob("kb-*.md"))
    ]
    hindi = [d for d in documents if d.number in HINDI_SEED_NUMBERS]
    english = [d for d in documents if d.number not in HINDI_SEED_NUMBERS and d.language == "en"]
    en_paragraphs = [p for d in english for p in _plain_paragraphs(f"{d.summary}\n\n{d.body}")]
    hi_paragraphs = [p for d in hindi for p in _plain_paragraphs(f"{d.summary}\n\n{d.body}")]

    en_df: collections.Counter = collections.Counter()
    en_ngrams: collections.Counter = collections.Counter()
    for d in english:
        text = f"{d.title} {d.summary} {d.body}".lower()
        en_df.update(set(re.findall(r"[a-z]+", text)))
        grams = set()
        for sentence in re.split(r"[.,;:()\n—]", text):
            words = re.findall(r"[a-z]+", sentence)
            for n in (2, 3):
                for i in range(len(words) - n + 1):
                    gram = words[i:i + n]
                    if all(len(w) >= 3 and w not in STOP_LIST for w in gram):
                        grams.add(" ".join(gram))
        en_ngrams.update(grams)
    hi_df: collections.Counter = collections.Counter()
    for d in hindi:
        hi_df.update(set(re.findall(r"[\u0900-\u0963\u0966-\u097F\u200c\u200d]+", f"{d.title} {d.summary} {d.body}")))

    tag_counts = collections.Counter(t for d in documents for t in d.tags)
    tag_pool = [t for t, _ in sorted(tag_counts.items(), key=lambda item: (-item[1], item[0]))][:TAG_POOL_SIZE]
    return Seed(
        en_chain=Chain(en_paragraphs), hi_chain=Chain(hi_paragraphs),
        en_departments=sorted({d.department for d in english}), hi_departments=sorted({d.department for d in hindi}),
        tag_pool=tag_pool, mmps=mmps, states=states, en_df=en_df, hi_df=hi_df, en_ngrams=en_ngrams,
    )


# ---------------------------------------------------------------------------------------------------
# The synthetic corpus

SECTION_SHARE = (0.20, 0.22, 0.18, 0.16, 0.14, 0.10)


def make_body(rng: random.Random, chain: Chain, headings: list[str], target_words: int, stop: str) -> str:
    """Six sections sharing ``target_words`` body words: paragraphs of 2-4 sentences, sometimes a list."""
    parts = []
    for heading, share in zip(headings, SECTION_SHARE):
        budget = max(20, int(target_words * share))
        parts.append(f"## {heading}\n")
        written = 0
        if heading in ("Impact", "Lessons", "प्रभाव", "सीख") and rng.random() < 0.5:
            items = []
            for _ in range(rng.randint(2, 4)):
                item = chain.sentence(rng, 6, 20, stop)
                if rng.random() < 0.3:  # a bold lead-in, as the seed files have
                    lead = " ".join(item.split()[:3]).rstrip(".,;:।")
                    item = f"**{lead}.** {item}"
                items.append(item)
                written += len(item.split())
            parts.append("\n".join(f"- {i}" for i in items) + "\n")
        paragraph: list[str] = []
        length = rng.randint(2, 4)
        while written < budget:
            sentence = chain.sentence(rng, 6, 30, stop)
            paragraph.append(sentence)
            written += len(sentence.split())
            if len(paragraph) == length:
                parts.append(" ".join(paragraph) + "\n")
                paragraph, length = [], rng.randint(2, 4)
        if paragraph:
            parts.append(" ".join(paragraph) + "\n")
    return "\n".join(parts)


def make_case(rng: random.Random, seed: Seed, number: int, mmp_weights, state_weights) -> dict:
    from kb.services.sections import BODY_HEADINGS

    language = "hi" if rng.random() < HINDI_SHARE else "en"
    chain = seed.hi_chain if language == "hi" else seed.en_chain
    stop = "।" if language == "hi" else "."
    mmp, category = rng.choices(seed.mmps, weights=mmp_weights)[0]
    if category == "central" and rng.random() < 0.7:
        state = None
    elif language == "hi":
        state = rng.choice(HINDI_STATES)
    else:
        state = rng.choices(seed.states, weights=state_weights)[0][0]
    state_name = dict(seed.states).get(state, "")
    title = chain.fragment(rng, 3, 9)
    shape = rng.random()
    if language == "en" and state_name and shape < 0.4:
        title = f"{title} in {state_name}"
    elif shape < 0.75:
        title = f"{title}: {chain.fragment(rng, 3, 7).lower() if language == 'en' else chain.fragment(rng, 3, 7)}"
    title = title[:200].strip()
    if len(title) < 5:
        title = f"{title} {chain.fragment(rng, 4, 6)}"
    summary = " ".join(chain.sentence(rng, 10, 35, stop) for _ in range(rng.randint(1, 2)))
    if len(summary) > 600:
        summary = summary[:590].rsplit(" ", 1)[0] + stop
    year = min(2025, max(1990, int(rng.triangular(1995, 2026, 2019))))
    published = dt.datetime(2020, 1, 1, 12, tzinfo=dt.timezone.utc) + dt.timedelta(
        seconds=rng.randint(0, int(6 * 365.25 * 86400)))
    return {
        "number": number,
        "slug": f"synthetic-case-{number}",
        "title": title,
        "summary": summary,
        "body": make_body(rng, chain, BODY_HEADINGS[language], rng.randint(240, 520), stop),  # ~300-600 words written
        "mmp": mmp,
        "mmp_category": category,
        "state": state,
        "department": rng.choice(seed.hi_departments if language == "hi" else seed.en_departments),
        "year": year,
        "stage": rng.choice(("pilot", "scaled", "statewide", "national")),
        "language": language,
        "tags": sorted(set(rng.choices(seed.tag_pool, weights=[1 / (i + 3) for i in range(len(seed.tag_pool))],
                                       k=rng.randint(2, 6)))),
        "published": published,
    }


def generate_corpus(n: int, seed_value: int = DEFAULT_SEED, seed: Seed | None = None) -> list[dict]:
    seed = seed or load_seed()
    rng = random.Random(seed_value)
    # Some MMPs and states have many more cases than others (as a real library would).
    mmp_weights = [rng.paretovariate(1.2) for _ in seed.mmps]
    state_weights = [rng.paretovariate(1.2) for _ in seed.states]
    cases = []
    for number in range(1, n + 1):
        cases.append(make_case(rng, seed, number, mmp_weights, state_weights))
        if number % 5000 == 0:
            log(f"generated {number}/{n} cases")
    return cases


# ---------------------------------------------------------------------------------------------------
# The instance: migrated database, taxonomy, bulk-inserted cases


def app_config(instance: Path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'kb.sqlite3'}",
        "INSTANCE_DIR": str(instance),
        "KB_INDEX_DIR": str(instance / "index"),
        "KB_INDEX_SYNC": "inline",
        "SECRET_KEY": "benchmark",
    }


def make_app(instance: Path):
    from kb import create_app

    return create_app(app_config(instance))


def migrate(instance: Path) -> None:
    """Like tests/conftest.py's migrate_to_head: Alembic upgrade in a throw-away app."""
    from flask_migrate import upgrade

    from kb.extensions import db

    app = make_app(instance)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def bulk_insert(cases: list[dict]) -> None:
    """Published cases with one revision each, straight into the tables (no ORM events, no outbox)."""
    from sqlalchemy import func, insert, select, text

    from kb.extensions import db
    from kb.models import Case, Mmp, Revision, State, Tag, case_tags

    mmp_ids = dict(db.session.execute(select(Mmp.slug, Mmp.id)).all())
    state_ids = dict(db.session.execute(select(State.code, State.id)).all())
    db.session.commit()
    with db.engine.begin() as connection:
        known = set(connection.scalars(select(Tag.name)))
        names = sorted({t for c in cases for t in c["tags"]} - known)
        if names:
            connection.execute(insert(Tag.__table__), [{"name": name} for name in names])
        tag_ids = dict(connection.execute(select(Tag.name, Tag.id)).all())
        first_case = (connection.scalar(select(func.max(Case.id))) or 0) + 1
        first_revision = (connection.scalar(select(func.max(Revision.id))) or 0) + 1
        for start in range(0, len(cases), 2000):
            chunk = cases[start:start + 2000]
            case_rows, revision_rows, tag_rows = [], [], []
            for offset, c in enumerate(chunk):
                case_id, revision_id = first_case + start + offset, first_revision + start + offset
                case_rows.append({
                    "id": case_id, "number": c["number"], "slug": c["slug"], "mmp_id": mmp_ids[c["mmp"]],
                    "state_id": state_ids.get(c["state"]), "organization_id": None, "department": c["department"],
                    "year_started": c["year"], "stage": c["stage"], "language": c["language"],
                    "published_revision_id": None, "first_published_at": c["published"],
                    "created_at": c["published"], "updated_at": c["published"],
                })
                revision_rows.append({
                    "id": revision_id, "case_id": case_id, "number": 1, "title": c["title"], "summary": c["summary"],
                    "body": c["body"], "status": "published", "author_id": None, "created_at": c["published"],
                    "published_at": c["published"],
                })
                tag_rows.extend({"case_id": case_id, "tag_id": tag_ids[t]} for t in c["tags"])
            connection.execute(insert(Case.__table__), case_rows)
            connection.execute(insert(Revision.__table__), revision_rows)
            connection.execute(insert(case_tags), tag_rows)
        connection.execute(text(
            "UPDATE cases SET published_revision_id = "
            "(SELECT r.id FROM revisions r WHERE r.case_id = cases.id AND r.number = 1) WHERE cases.id >= :first"
        ), {"first": first_case})


def prepare_instance(instance: Path, cases: list[dict]):
    """A migrated database with the taxonomy and the cases; returns the app (index not built yet)."""
    from kb.content import load_taxonomy
    from kb.extensions import db

    instance.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    migrate(instance)
    app = make_app(instance)
    with app.app_context():
        load_taxonomy(CONTENT / "taxonomy")
        db.session.commit()
        bulk_insert(cases)
    log(f"database ready at {instance} in {time.perf_counter() - started:.1f} s ({len(cases)} cases)")
    return app


def build_index(app) -> dict:
    from kb import search

    with app.app_context():
        started = time.perf_counter()
        count = search.rebuild(progress=lambda done, total: done % 5000 == 0 and log(f"indexed {done}/{total}"))
        seconds = time.perf_counter() - started
        path = app.extensions["kb_search"].store.current_path()
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return {"build_s": round(seconds, 2), "docs_per_s": round(count / seconds, 1), "index_bytes": size,
            "indexed": count}


# ---------------------------------------------------------------------------------------------------
# The query mix

SINGLE_WORDS = (
    "land records grievance kiosk aadhaar pension procurement passport treasury ration telemedicine certificate "
    "mutation scholarship payment biometric subsidy village tender court police vehicle licence farmers school "
    "hospital portal sms dashboard audit transparency tax customs registration district digital citizens online "
    "mobile training"
).split()
SEVERAL_WORDS = [
    "land records mutation", "online grievance redressal", "aadhaar based authentication",
    "digital signature certificate", "citizen service centres", "public distribution system",
    "pension life certificate", "school teacher attendance", "vehicle registration licence",
    "farmers market prices", "tax refund processing", "kiosk operators commission", "district collector monitoring",
    "passport police verification", "hospital drug supply", "ration card portability", "court case pendency",
    "treasury payroll payments", "sms alerts", "mobile app services", "village level entrepreneurs",
    "single window clearance", "time bound delivery", "open source software", "data centre",
    "biometric attendance", "bank account opening", "social audit wages", "grievance tracking number",
    "online payment fees", "training of operators", "state wide area network", "property registration stamp duty",
    "electricity bill payment", "birth death registration", "teacher transfers counselling",
]
# Function words that Whoosh's stop list keeps; a phrase made of them ("more than") is not what people search.
FUNCTION_WORDS = frozenset("""
more than had been its own their rather about also were which over into only each after first other such some
most same per who what when where there them they these those would could should every all any many much very
just even still then because while until since once both between before under within without through lakh
crore one two three four five six seven eight nine ten now new used made make makes did does got get gets
""".split())
HINDI_HEADING_WORDS = {"समस्या", "समाधान", "प्रौद्योगिकी", "प्रभाव", "सीख", "दोहराने", "तरीका"}
FILTER_PAIRS = (("mmp", "state"), ("state", "year"), ("language", "tag"), ("mmp_category", "year"),
                ("tag", "state"), ("mmp", "year"))


@dataclasses.dataclass
class Query:
    kind: str
    q: str
    filters: dict = dataclasses.field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1


def _misspell(rng: random.Random, word: str) -> str:
    i = rng.randint(1, len(word) - 2)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if edit == "drop":
        return word[:i] + word[i + 1:]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    vowels = "aeiou"
    replacement = rng.choice([v for v in vowels if v != word[i]]) if word[i] in vowels else rng.choice("aeiou")
    return word[:i] + replacement + word[i + 1:]


def build_queries(seed: Seed, cases: list[dict], seed_value: int = DEFAULT_SEED) -> dict[str, list[Query]]:
    from kb.search.analysis import STOP_LIST

    rng = random.Random(seed_value + 1)
    queries: dict[str, list[Query]] = {kind: [] for kind in KINDS}
    queries["single_word"] = [Query("single_word", w) for w in SINGLE_WORDS]
    queries["several_words"] = [Query("several_words", q) for q in SEVERAL_WORDS]

    ngrams = sorted(((g, df) for g, df in seed.en_ngrams.items() if not FUNCTION_WORDS & set(g.split())),
                    key=lambda item: (-item[1], item[0]))
    bigrams = [g for g, _ in ngrams if g.count(" ") == 1]
    trigrams = [g for g, _ in ngrams if g.count(" ") == 2]
    phrases = bigrams[:20] + bigrams[40:60:2] + trigrams[:6]  # frequent, middling, and a few three-word ones
    queries["phrase"] = [Query("phrase", f'"{p}"') for p in phrases]

    long_words = [w for w, df in sorted(seed.en_df.items(), key=lambda item: (-item[1], item[0]))
                  if len(w) >= 7 and w not in STOP_LIST][:40]
    misspelt = []
    for word in [w for w in SINGLE_WORDS if len(w) >= 5] + long_words:
        wrong = _misspell(rng, word)
        if wrong not in seed.en_df and wrong not in misspelt:
            misspelt.append(wrong)
    queries["misspelling"] = [Query("misspelling", w) for w in misspelt[:36]]

    hindi_words = [w for w, df in sorted(seed.hi_df.items(), key=lambda item: (-item[1], item[0]))
                   if len(w) >= 3 and w not in STOP_LIST and w not in HINDI_HEADING_WORDS][:60]
    singles = hindi_words[:26]
    pairs = [f"{hindi_words[i]} {hindi_words[i + 1]}" for i in range(26, 46, 2)]
    queries["hindi"] = [Query("hindi", q) for q in singles + pairs]

    queries["empty_all_facets"] = [Query("empty_all_facets", "", sort=sort, page=page)
                                   for page in range(1, 16) for sort in ("newest", "title")]

    filtered = []
    for i in range(36):
        pair = FILTER_PAIRS[i % len(FILTER_PAIRS)]
        case = cases[rng.randrange(len(cases))]
        filters = {}
        for facet in pair:
            value = rng.choice(case["tags"]) if facet == "tag" else case[facet]
            if value is None:  # a central case: filter on its MMP instead of a state
                facet, value = "mmp", case["mmp"]
            filters[facet] = [value]
        word = rng.choice(singles if case["language"] == "hi" else SINGLE_WORDS)
        filtered.append(Query("filtered", word, filters=filters))
    queries["filtered"] = filtered

    prefixes = []
    for word in SINGLE_WORDS + long_words:
        prefix = word[: max(3, len(word) - 3)] + "*"
        if prefix not in prefixes:
            prefixes.append(prefix)
    queries["prefix"] = [Query("prefix", p) for p in prefixes[:36]]
    for kind in KINDS:
        queries[kind] = [dataclasses.replace(q, sort="relevance" if q.q else q.sort) for q in queries[kind]]
    return queries


# ---------------------------------------------------------------------------------------------------
# Timing


def percentiles(samples: list[float]) -> dict:
    ms = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2), "mean_ms": round(float(ms.mean()), 2), "n": len(ms)}


def time_kind(run, queries: list[Query], calls: int, warmup: int) -> dict:
    for i in range(warmup):
        run(queries[i % len(queries)])
    samples, zero = [], 0
    for i in range(calls):
        query = queries[i % len(queries)]
        started = time.perf_counter()
        total = run(query)
        samples.append(time.perf_counter() - started)
        zero += total == 0
    result = percentiles(samples)
    result["distinct"] = len(queries)
    result["zero_hits_share"] = round(zero / calls, 3)
    return result


def kb_runner(per_page: int):
    from kb import search

    def run(query: Query) -> int:
        return search.search(query.q, query.filters, query.sort, query.page, per_page).total

    return run


def run_kb_queries(app, queries, calls: int, warmup: int, per_page: int) -> tuple[dict, float]:
    run = kb_runner(per_page)
    results = {}
    with app.app_context():
        started = time.perf_counter()  # the first search opens the searcher and builds the facet arrays
        run(queries["single_word"][0])
        first = time.perf_counter() - started
        for kind in KINDS:
            results[kind] = time_kind(run, queries[kind], calls, warmup)
            log(f"kb {kind}: p50 {results[kind]['p50_ms']} ms, p95 {results[kind]['p95_ms']} ms")
    return results, first


def profile_kind(app, queries: list[Query], calls: int, per_page: int, out: Path | None, engine: str,
                 fts=None) -> str:
    run = kb_runner(per_page) if engine == "kb" else (lambda q: fts.search(q, per_page))
    profiler = cProfile.Profile()
    with app.app_context():
        for query in queries[:5]:
            run(query)
        profiler.enable()
        for i in range(calls):
            run(queries[i % len(queries)])
        profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    if out:
        profiler.dump_stats(str(out))
    return stream.getvalue()


# ---------------------------------------------------------------------------------------------------
# One published change until searchable


def publish_to_searchable(app, seed: Seed, first_number: int, repeats: int = 20, seed_value: int = DEFAULT_SEED,
                          deadline_s: float = 60.0) -> dict:
    from kb import search
    from kb.content import CaseDocument, upsert_case
    from kb.services.sections import BODY_HEADINGS
    from kb.extensions import db

    rng = random.Random(seed_value + 2)
    samples, commit_samples, upsert_samples = [], [], []
    with app.app_context():
        for i in range(repeats):
            word = "zq" + "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
            number = first_number + i
            document = CaseDocument(
                path=f"benchmark-{number}.md", number=number, slug=f"benchmark-probe-{number}",
                title=f"{word.capitalize()} {seed.en_chain.fragment(rng, 3, 6).lower()}",
                summary=seed.en_chain.sentence(rng, 10, 30), mmp=rng.choice(seed.mmps)[0],
                state=rng.choice(seed.states)[0], department=rng.choice(seed.en_departments), year=2024,
                stage="pilot", language="en", tags=sorted(rng.sample(seed.tag_pool, 3)), published=None,
                outcomes=[], links=[], contacts=[],
                body=make_body(rng, seed.en_chain, BODY_HEADINGS["en"], 400, "."),
            )
            started = time.perf_counter()
            upsert_case(document)
            upserted = time.perf_counter()
            db.session.commit()  # writes the outbox row; KB_INDEX_SYNC=inline applies it after the commit
            committed = time.perf_counter()
            while True:
                results = search.search(word, {}, "relevance", 1, 10)
                if any(hit.public_id == document.public_id for hit in results.hits):
                    break
                if time.perf_counter() - upserted > deadline_s:
                    raise RuntimeError(f"{document.public_id} not searchable after {deadline_s} s")
                time.sleep(0.005)
            found = time.perf_counter()
            upsert_samples.append(upserted - started)
            commit_samples.append(committed - upserted)
            samples.append(found - upserted)
    ms = lambda values, f: round(float(f(np.array(values) * 1000)), 1)  # noqa: E731
    return {
        "p50": ms(samples, np.median), "max": ms(samples, np.max), "n": len(samples),
        "commit_and_sync_p50": ms(commit_samples, np.median),
        "first_search_after_p50": ms([s - c for s, c in zip(samples, commit_samples)], np.median),
        "upsert_before_commit_p50": ms(upsert_samples, np.median),
    }


# ---------------------------------------------------------------------------------------------------
# The SQLite FTS5 reference


class Fts5:
    SINGLE = ("mmp", "mmp_category", "state", "year", "language")

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(str(path))

    def build(self, cases: list[dict]) -> dict:
        from kb.markdown import markdown_to_search_text

        started = time.perf_counter()
        plain = [markdown_to_search_text(c["body"]) for c in cases]  # the same text kb indexes
        prepared = time.perf_counter()
        db = self.db
        db.executescript(f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -400000;
            CREATE TABLE docs (id INTEGER PRIMARY KEY, public_id TEXT, mmp TEXT, mmp_category TEXT, state TEXT,
                               year INTEGER, language TEXT, published REAL, title_key TEXT);
            CREATE TABLE doc_tags (doc INTEGER, tag TEXT, PRIMARY KEY (doc, tag)) WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, tags, tokenize = "{FTS5_TOKENIZER}");
            CREATE TEMP TABLE matched (id INTEGER PRIMARY KEY);
        """)
        with db:
            db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                (c["number"], f"KB-{c['number']:04d}", c["mmp"], c["mmp_category"], c["state"], c["year"],
                 c["language"], c["published"].timestamp(), c["title"].casefold()) for c in cases])
            db.executemany("INSERT INTO doc_tags VALUES (?, ?)", [(c["number"], t) for c in cases for t in c["tags"]])
            db.executemany("INSERT INTO fts (rowid, title, summary, body, tags) VALUES (?, ?, ?, ?, ?)", [
                (c["number"], c["title"], c["summary"], text, " ".join(c["tags"])) for c, text in zip(cases, plain)])
            for column in ("mmp", "mmp_category", "state", "year", "language", "published", "title_key"):
                db.execute(f"CREATE INDEX docs_{column} ON docs ({column})")
            db.execute("CREATE INDEX doc_tags_tag ON doc_tags (tag, doc)")
            db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        db.execute("ANALYZE")
        finished = time.perf_counter()
        return {"build_s": round(finished - started, 2), "text_prep_s": round(prepared - started, 2),
                "index_s": round(finished - prepared, 2), "db_bytes": self.path.stat().st_size,
                "tokenizer": FTS5_TOKENIZER}

    @staticmethod
    def match_expression(q: str, any_words: bool = False) -> str | None:
        q = q.strip()
        if not q:
            return None
        if q.startswith('"') and q.endswith('"') and len(q) > 1:
            return '"' + q[1:-1].replace('"', '""') + '"'
        parts = []
        for token in q.split():
            if token.endswith("*"):
                parts.append('"' + token.rstrip("*").replace('"', '""') + '"*')
            else:
                parts.append('"' + token.replace('"', '""') + '"')
        return (" OR " if any_words else " ").join(parts)

    @staticmethod
    def _filters(filters: dict, skip: str | None = None) -> tuple[str, list]:
        clauses, params = [], []
        for facet, values in filters.items():
            if facet == skip or not values:
                continue
            marks = ", ".join("?" * len(values))
            if facet == "tag":
                clauses.append(f"d.id IN (SELECT doc FROM doc_tags WHERE tag IN ({marks}))")
            else:
                clauses.append(f"d.{facet} IN ({marks})")
            params.extend(values)
        return (" AND ".join(clauses) or "1"), params

    def search(self, query: Query, per_page: int) -> int:
        """What kb.search.search returns, the SQL way: total, facet counts, one ranked page with highlights."""
        db = self.db
        match = self.match_expression(query.q)
        if match is not None:
            db.execute("DELETE FROM temp.matched")
            db.execute("INSERT INTO temp.matched SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
            if not db.execute("SELECT 1 FROM temp.matched LIMIT 1").fetchone() and len(query.q.split()) > 1 \
                    and not query.q.startswith('"'):
                match = self.match_expression(query.q, any_words=True)  # kb's "any word" fallback
                db.execute("INSERT INTO temp.matched SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
            base = "FROM temp.matched m JOIN docs d ON d.id = m.id"
        else:
            base = "FROM docs d"
        where, params = self._filters(query.filters)
        total = db.execute(f"SELECT count(*) {base} WHERE {where}", params).fetchone()[0]
        facets = {}
        for facet in self.SINGLE:
            where_f, params_f = self._filters(query.filters, skip=facet)
            facets[facet] = db.execute(
                f"SELECT d.{facet}, count(*) AS n {base} WHERE {where_f} AND d.{facet} IS NOT NULL "
                f"GROUP BY d.{facet} ORDER BY n DESC, d.{facet}", params_f).fetchall()
        where_t, params_t = self._filters(query.filters, skip="tag")
        facets["tag"] = db.execute(
            f"SELECT t.tag, count(*) AS n {base} JOIN doc_tags t ON t.doc = d.id WHERE {where_t} "
            f"GROUP BY t.tag ORDER BY n DESC, t.tag", params_t).fetchall()
        offset = (query.page - 1) * per_page
        if match is not None:
            weights = ", ".join(str(w) for w in FIELD_WEIGHTS)
            page = db.execute(
                f"SELECT d.public_id, highlight(fts, 0, '<mark>', '</mark>'), "
                f"snippet(fts, 2, '<mark>', '</mark>', ' … ', 32) "
                f"FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? AND {where} "
                f"ORDER BY bm25(fts, {weights}) LIMIT ? OFFSET ?", [match, *params, per_page, offset]).fetchall()
        else:
            order = "d.title_key, d.id" if query.sort == "title" else "d.published DESC, d.id DESC"
            page = db.execute(
                f"SELECT d.public_id, f.title, f.summary FROM docs d JOIN fts f ON f.rowid = d.id WHERE {where} "
                f"ORDER BY {order} LIMIT ? OFFSET ?", [*params, per_page, offset]).fetchall()
        assert len(page) <= per_page and facets is not None
        return total

    def close(self) -> None:
        self.db.close()


def run_fts5_queries(fts: Fts5, queries, calls: int, warmup: int, per_page: int) -> dict:
    results = {}
    for kind in KINDS:
        results[kind] = time_kind(lambda q: fts.search(q, per_page), queries[kind], calls, warmup)
        log(f"fts5 {kind}: p50 {results[kind]['p50_ms']} ms, p95 {results[kind]['p95_ms']} ms")
    return results


# ---------------------------------------------------------------------------------------------------
# The whole run


def machine() -> dict:
    from importlib.metadata import version

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
            "whoosh": version("Whoosh-Reloaded"), "sqlalchemy": version("SQLAlchemy"), "numpy": version("numpy")}


def write_marker(instance: Path, cases: int, seed_value: int, extra: int, code: str) -> None:
    (instance / "benchmark-instance.json").write_text(json.dumps(
        {"cases": cases, "seed": seed_value, "extra_published": extra, "kb_code": code}) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--calls", type=int, default=200, help="timed calls per query kind")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls per query kind first")
    parser.add_argument("--per-page", type=int, default=10, help="hits per page (highlighted) for kb and FTS5")
    parser.add_argument("--publish-repeats", type=int, default=20)
    parser.add_argument("--keep-instance", type=Path, help="create the instance here and keep it")
    parser.add_argument("--prepare-only", action="store_true", help="build the instance and index, then stop")
    parser.add_argument("--profile", choices=KINDS, help="also cProfile the kb query loop of this kind (stderr)")
    parser.add_argument("--profile-fts5", action="store_true", help="with --profile: profile FTS5 instead")
    parser.add_argument("--profile-out", type=Path, help="with --profile: write the pstats file here")
    args = parser.parse_args(argv)

    if args.keep_instance:
        instance = args.keep_instance.resolve()
        if instance.exists() and any(instance.iterdir()):
            parser.error(f"{instance} exists and is not empty")
        cleanup = None
    else:
        cleanup = Path(tempfile.mkdtemp(prefix="kb-bench-"))
        instance = cleanup / "instance"
    code = code_fingerprint()
    load_before = round(os.getloadavg()[0], 2)  # other work on the machine skews every figure
    try:
        log(f"generating {args.cases} cases (seed {args.seed})")
        started = time.perf_counter()
        seed = load_seed()
        cases = generate_corpus(args.cases, args.seed, seed)
        words = sum(len(c["body"].split()) for c in cases)
        log(f"generated in {time.perf_counter() - started:.1f} s: {words / len(cases):.0f} body words per case, "
            f"{sum(c['language'] == 'hi' for c in cases)} in Hindi")
        app = prepare_instance(instance, cases)
        log("building the kb index (kb.search.rebuild)")
        kb_result = build_index(app)
        log(f"kb index: {kb_result['build_s']} s, {kb_result['docs_per_s']} docs/s, {kb_result['index_bytes']} bytes")
        write_marker(instance, args.cases, args.seed, 0, code)
        if args.prepare_only:
            print(json.dumps({"cases": args.cases, "instance": str(instance), "kb_code": code, "kb": kb_result}))
            return 0

        queries = build_queries(seed, cases, args.seed)
        kb_queries, first_search = run_kb_queries(app, queries, args.calls, args.warmup, args.per_page)
        kb_result["first_search_ms"] = round(first_search * 1000, 1)
        kb_result["queries"] = kb_queries

        fts_dir = Path(tempfile.mkdtemp(prefix="kb-bench-fts5-"))
        fts = Fts5(fts_dir / "fts5.sqlite3")
        try:
            log("building the FTS5 reference")
            fts_result = fts.build(cases)
            log(f"fts5: {fts_result['build_s']} s")
            fts_result["queries"] = run_fts5_queries(fts, queries, args.calls, args.warmup, args.per_page)
            if args.profile:
                log(f"profiling {'fts5' if args.profile_fts5 else 'kb'} {args.profile}")
                report = profile_kind(app, queries[args.profile], args.calls, args.per_page, args.profile_out,
                                      "fts5" if args.profile_fts5 else "kb", fts)
                print(report, file=sys.stderr)
        finally:
            fts.close()
            shutil.rmtree(fts_dir, ignore_errors=True)

        log(f"publishing {args.publish_repeats} cases one by one (upsert_case + commit, inline sync)")
        kb_result["publish_to_searchable_ms"] = publish_to_searchable(
            app, seed, args.cases + 1, args.publish_repeats, args.seed)
        write_marker(instance, args.cases, args.seed, args.publish_repeats, code)

        ratio = lambda key: {  # noqa: E731
            kind: round(kb_queries[kind][key] / max(fts_result["queries"][kind][key], 1e-3), 1) for kind in KINDS}
        result = {
            "cases": args.cases,
            "seed": args.seed,
            "per_page": args.per_page,
            "machine": machine() | {"loadavg_1m_at_start": load_before},
            "kb_code": code,
            "kb": kb_result,
            "fts5": fts_result,
            "ratio_p50": ratio("p50_ms"),
            "ratio_p95": ratio("p95_ms"),
        }
        if code_fingerprint() != code:
            log("WARNING: the kb code changed during this run; the figures mix two versions")
            result["kb_code_changed_during_run"] = True
        text = json.dumps(result, indent=2, ensure_ascii=False)
        print(text)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
        return 0
    finally:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
