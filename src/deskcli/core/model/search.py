"""Full-text search over the knowledge base: SQLite FTS5 ranked by BM25.

Words are folded (case, accents) and stemmed with the Snowball stemmers for French and
English (PyStemmer) before they reach FTS5, so "Imprimantes" and "imprimante" meet; a word the index
has never seen is matched to its nearest indexed words through a trigram table, so a typo
still finds its article.

The index is derived data: a file beside the repository that records which state of the
knowledge base file it was built from, and is rebuilt from that file whenever the state
changed or the index cannot be read. Deleting it loses nothing.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from deskcli.core.base.errors import RepositoryError
from deskcli.i18n import say

INDEX_FILE = "kb-index.sqlite"
# Bump when the analysis of documents changes: an index built otherwise is rebuilt.
SCHEMA = "8"

# The searchable fields of an article and their weight in the BM25 ranking.
FIELDS = {"title": 3.0, "symptoms": 2.0, "cause": 1.0, "resolution": 0.8, "tags": 2.0}
SNIPPET_FIELDS = ("symptoms", "resolution", "cause", "title")
SNIPPET_WORDS = 18
MAX_QUERY_WORDS = 64
# How many of BM25's best matches are ranked again by how much of the query they cover.
CANDIDATES = 30
# How much each field counts for a query word found in it (coverage, not BM25).
FIELD_FACTOR = {"title": 1.0, "tags": 1.0, "symptoms": 0.9, "cause": 0.6, "resolution": 0.5}
# A word read as a typo of an indexed word counts for less than one found as typed.
CORRECTED_WEIGHT = 0.6
# A word typed this short is read as the start of longer indexed words, up to this many.
MIN_COMPLETION = 4
MAX_COMPLETIONS = 4
# An unknown word this short or shorter is an abbreviation no one can read: it does not
# count against coverage.
SHORT_UNKNOWN = 3
# A typed word this short is also compared with the indexed words of its first letters.
SHORT_WORD = 6
# A typed word that sounds this long or longer may be one sound off its indexed word.
NEAR_SOUND = 6
# The shortest indexed word a typo may be corrected to ("exe" is nobody's typo of "exel").
MIN_CORRECTION = 4
# How much a word's rarity in the base makes it count: below 1, a rare word met by
# chance ("liste", "placard") weighs less against the words of the problem itself.
RARITY_POWER = 1.0
# A word the index does not know counts against coverage as this many of its rarest words:
# in a problem the base does not cover, the word that names it is the one it lacks.
UNKNOWN_WEIGHT = 2.0
# The amount of the query covered that is full evidence (in rarest words), and how much
# that amount counts in the confidence beside the share of the query covered.
EVIDENCE_WORDS = 2
EVIDENCE_SHARE = 0.5
# Two query words this many index terms apart or less stand together in an article, in
# one of these fields.
NEAR = 4
NEAR_FIELDS = ("title", "symptoms", "tags")
NEAR_POOL = 12
PROXIMITY_BONUS = 0.3
BM25_WEIGHT = 0.1
# Below this confidence an article is no answer at all (calibrated on the tuning half of
# tests/kb/blind.toml: see tests/kb/README.md).
MIN_CONFIDENCE = 0.48
BUILD_SUFFIX = ".building"
# A build left by a killed search; a live one, even of a large base, takes seconds.
ABANDONED_SECONDS = 3600

STOPWORDS = frozenset("""
a à au aux avec ce ces cet cette c d dans de des du elle en est et il ils je j l la le les
leur lui m ma mais me même mes moi mon n ne nos notre nous on ou où par pas plus pour qu que
qui s sa se ses son sur t ta te tes toi ton tu un une vos votre vous y été être avoir ai as
a ont suis es sommes êtes sont fait faire ça cela depuis très bien tout tous toute toutes
the an and or of to in on at for with by from is are was were be been it its this that
my your our their i you he she we they me him her us them not no do does did have has had
can could would should will just please hi hello bonjour merci
""".split())

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]")
_JOINERS = re.compile(r"[-'’]")
_ELISION_TYPED = re.compile(r"^(?:[cdjlmnst]|qu)(?=[aeiouyh])")


def fold(text: str) -> str:
    """Lower case without accents: "Écran" and "ecran" are the same word to a search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=None)
def _stemmers():
    import Stemmer  # PyStemmer: the Snowball project's stemmers, compiled; loaded only here

    return Stemmer.Stemmer("french"), Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """The words of a text in lower case, elisions cut ("l'écran" -> "écran"), stopwords out.

    A hyphenated word counts as its parts and as the parts joined ("wi-fi" -> wi, fi, wifi).
    """
    return [w for w in tokens(text) if not _ignored(w)]


def _ignored(word: str) -> bool:
    return word in STOPWORDS or (len(word) < 2 and not word.isdigit())


def tokens(text: str, parts: bool = True) -> list[str]:
    """Every word of a text, stopwords included (the vocabulary's phrases hold some).

    Without `parts`, a hyphenated word is only its parts joined ("wi-fi" -> wifi), as a
    query reads it: one word typed is one word to cover.
    """
    found: list[str] = []
    for token in _WORD.findall(text.casefold()):
        if "'" in token or "’" in token or "-" in token:  # rare: the plain path stays cheap
            token = _ELISION.sub("", token)
            pieces = [p for p in _JOINERS.split(token) if p]
            if len(pieces) > 1:
                if parts:
                    found.extend(pieces)
                token = "".join(pieces)
        found.append(token)
    return found


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    return fold(word)


@lru_cache(maxsize=200_000)
def terms(word: str) -> tuple[str, ...]:
    """The index terms of one word: its French and English stems, folded.

    The French stemmer is asked with and without the accents, since technicians often
    type without them and the stemmer reads them ("connectée" vs "connectee").
    """
    french, english = _stemmers()
    bare = fold(word)
    found = dict.fromkeys(
        t for t in (fold(french.stemWord(word)), fold(french.stemWord(bare)), english.stemWord(bare)) if t)
    return tuple(found)


def analyse(text: str) -> str:
    """A text as the space-separated index terms FTS5 stores."""
    return " ".join(t for w in words(text) for t in terms(w))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), stopping past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_edits(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 7 else 2


# How a French word written by ear ("bloké", "sovgarde", "compt") sounds, roughly: the
# spellings of one sound made one, silent endings dropped. Rules apply in order.
_SOUND_RULES = (
    (r"ph", "f"), (r"qu|ck|q", "k"), (r"c(?=[eiy])", "s"), (r"c(?!h)", "k"), (r"g(?=[eiy])", "j"),
    (r"gu(?=[ei])", "g"), (r"w", "v"), (r"y", "i"), (r"z", "s"), (r"eau|au", "o"), (r"ai|ei", "e"),
    (r"(?<![cs])h", ""), (r"(?:er|ez|et)$", "e"), (r"(?<=[^aeiou])e$", ""), (r"[stdpx]$", ""),
    (r"(.)\1+", r"\1"),
)


@lru_cache(maxsize=50_000)
def sound(word: str) -> str:
    """A rough French phonetic key: "bloqué" and "bloké" sound alike, as do "compte" and "compt"."""
    key = fold(word)
    for pattern, replacement in _SOUND_RULES:
        key = re.sub(pattern, replacement, key)  # re caches the patterns, compiled at first use
    return key


def _same_word(a: str, b: str) -> bool:
    return fold_word(a) == fold_word(b) or not set(terms(a)).isdisjoint(terms(b))


class Hit(NamedTuple):
    """One article found, with its score (higher is better) and the snippet to show."""

    id: int
    title: str
    score: float
    # How sure the search is that the article answers the query, from 0 to 1.
    confidence: float
    kind: str
    visibility: str
    snippet: str
    highlights: list[str]

    def as_dict(self) -> dict:
        return self._asdict()


class Group(NamedTuple):
    """One word (or vocabulary phrase) of a query and the ways an article may match it.

    Each alternative is a sequence of parts that must all be found; a part is found when
    one of its index terms is.
    """

    word: str
    alternatives: tuple[tuple[tuple[str, ...], ...], ...]
    weight: float
    documents: int
    # Every index term of its alternatives.
    terms: frozenset[str]


class Query(NamedTuple):
    """A search as FTS5 runs it, read as groups, and the words the index does not know."""

    expression: str
    groups: tuple[Group, ...]
    unknown: tuple[str, ...]

    @property
    def matched(self) -> set[str]:
        """The index terms the query matches (to mark them in snippets)."""
        return {t for g in self.groups for t in g.terms}


def idf(documents: int, total: int) -> float:
    return math.log(1 + (total - documents + 0.5) / (documents + 0.5))


def judge(query: Query, fields: dict[str, list[str]], total: int, bm25: float,
          near: bool = True) -> tuple[float, float]:
    """(ranking score, confidence from 0 to 1) of one article for a query.

    Covering all of a one-word query is weak evidence; covering two rare words of a long
    story is strong: the confidence weighs both the share of the query covered and the
    amount covered (counted in the base's rarest words, full at EVIDENCE_WORDS of them).
    """
    score, coverage, evidence = measure(query, fields, total, bm25, near)
    confidence = (1 - EVIDENCE_SHARE) * coverage + EVIDENCE_SHARE * min(1.0, evidence / EVIDENCE_WORDS)
    return score, confidence


def measure(query: Query, fields: dict[str, list[str]], total: int, bm25: float,
            near: bool = True) -> tuple[float, float, float]:
    """(ranking score, share of the query covered, amount covered in rarest words).

    Each query word weighs its rarity in the base (a word in every article tells
    nothing), times the weight of the field it was found in; words the base does not
    know count as uncovered. The score adds a bonus for query words that stand together
    in the article, and BM25 (scaled to the best candidate's) to break near-ties.
    """
    total = max(total, 1)
    have = {name: set(found) for name, found in fields.items()}
    where: dict[str, dict[str, list[int]]] = {}
    for name in NEAR_FIELDS if near and len(query.groups) > 1 else ():
        spots: dict[str, list[int]] = {}
        for i, term in enumerate(fields.get(name, ())):
            spots.setdefault(term, []).append(i)
        where[name] = spots
    wanted = 0.0
    covered = 0.0
    places: list[dict[str, list[int]] | None] = []
    for group in query.groups:
        importance = group.weight * idf(min(group.documents, total), total) ** RARITY_POWER
        wanted += importance
        best = 0.0
        for name, present in have.items():
            factor = FIELD_FACTOR[name]
            if factor > best and any(all(not present.isdisjoint(part) for part in alternative)
                                     for alternative in group.alternatives):
                best = factor
        covered += importance * best
        places.append({name: [i for t in group.terms for i in spots.get(t, ())]
                       for name, spots in where.items()} if best and where else None)
    rarest = idf(1, total) ** RARITY_POWER
    wanted += UNKNOWN_WEIGHT * rarest * len(query.unknown)
    coverage = covered / wanted if wanted else 0.0
    pairs = len(query.groups) - 1
    together = sum(1 for a, b in zip(places, places[1:]) if a and b and _near(a, b))
    proximity = together / pairs if pairs > 0 else 0.0
    score = coverage * (1 + PROXIMITY_BONUS * proximity) + BM25_WEIGHT * bm25
    return score, coverage, covered / rarest


def _near(a: dict[str, list[int]], b: dict[str, list[int]]) -> bool:
    return any(abs(i - j) <= NEAR for name in a for i in a[name] for j in b.get(name, ()))


def signature(path: Path) -> str:
    """Which state of a file an index was built from: a new atomic write is a new inode."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


def _document(article: dict) -> tuple:
    return (
        article["id"],
        analyse(article.get("title") or ""),
        analyse(article.get("symptoms") or ""),
        analyse(article.get("cause") or ""),
        analyse(article.get("resolution") or ""),
        analyse(" ".join([*(article.get("tags") or []), *(article.get("equipment") or [])])),
    )


def _stored(article: dict) -> tuple:
    return (article["id"], article.get("title") or "", article.get("symptoms") or "",
            article.get("cause") or "", article.get("resolution") or "",
            article.get("kind") or "article", article.get("visibility") or "internal")


def _surface_words(article: dict) -> set[str]:
    text = " ".join(str(article.get(f) or "") for f in ("title", "symptoms", "cause", "resolution"))
    text += " " + " ".join([*(article.get("tags") or []), *(article.get("equipment") or [])])
    return {fold_word(w) for w in words(text) if len(w) >= 3}


class KnowledgeIndex:
    """The search index of one repository's knowledge base file."""

    def __init__(self, home: Path, source: Path | Callable[[], str], load: Callable[[], list[dict]],
                 synonyms_file: Path | None = None) -> None:
        self.path = Path(home) / INDEX_FILE
        # The knowledge base file, or (a database's) function telling which state it is in.
        self.source = source
        self.load = load
        # English words and abbreviations -> French phrases (a TOML [synonyms] table),
        # copied into the index when it is built so that a search never parses it.
        self.synonyms_file = synonyms_file
        self._db: sqlite3.Connection | None = None
        self._kinds: dict[str, str | None] = {}  # the lexicon's answers, for this index's life

    # -- building -------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """An index that matches the knowledge base file as it is now, rebuilt if it does not."""
        if self._db is not None:
            return self._db
        wanted = self._source_signature()
        db = self._open_existing(wanted)
        if db is None and self._rebuild(wanted):
            db = self._open_existing(wanted)
        if db is None:
            # A repository one may read but not write (a shared or mounted copy) is still
            # searched: the index is built in memory for this command only.
            db = sqlite3.connect(":memory:")
            try:
                self._create(db)
                with db:
                    self._fill(db, wanted)
            except sqlite3.Error as exc:
                raise RepositoryError(_engine_message(exc)) from None
        self._db = db
        return db

    def _open_existing(self, wanted: str) -> sqlite3.Connection | None:
        if not self.path.exists():
            return None
        try:
            db = sqlite3.connect(self.path)
        except sqlite3.Error:
            return None
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
        except sqlite3.Error:
            db.close()
            return None  # unreadable or of another make: it is derived, so it is rebuilt
        if (meta.get("schema") != SCHEMA or meta.get("source") != wanted
                or meta.get("synonyms") != self._synonyms_signature()):
            db.close()
            return None
        return db

    def _rebuild(self, source_signature: str) -> bool:
        """Build the index file anew; False when the repository directory cannot be written."""
        import tempfile

        try:
            self._remove_abandoned_builds()
            # Not ".tmp": a repository writer removes those as a dead writer's leftovers,
            # and a search may be building its index beside a writer at work.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                       suffix=BUILD_SUFFIX)
            os.close(fd)
        except OSError:
            return False
        try:
            db = sqlite3.connect(tmp)
            try:
                self._create(db)
                with db:
                    self._fill(db, source_signature)
            finally:
                db.close()
            os.replace(tmp, self.path)
        except sqlite3.OperationalError:
            return False  # a full or read-only disk: sqlite says so as an operational error
        except sqlite3.Error as exc:
            raise RepositoryError(_engine_message(exc)) from None
        except OSError:
            return False
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True

    def _fill(self, db: sqlite3.Connection, source_signature: str) -> None:
        # The signature was taken before the file is read: if the file changes meanwhile,
        # the index says it is older than it is and the next search rebuilds it again.
        synonyms_signature = self._synonyms_signature()
        articles = [a for a in self.load() if a.get("status", "published") == "published"]
        self._put(db, articles)
        vocabulary = self._vocabulary()
        rows = self._synonym_rows(vocabulary)
        db.executemany("INSERT INTO synonyms VALUES (?, ?, ?)", rows)
        # The vocabulary's own words are words a typo may be of, as the articles' are.
        self._count_words(db, {key: 0 for _, key, _ in rows
                               if " " not in key and len(key) >= MIN_CORRECTION})
        db.executemany("INSERT INTO lexicon VALUES (?, ?)", self._lexicon_rows(vocabulary))
        db.executemany("INSERT INTO spellings VALUES (?, ?)", self._spelling_rows(vocabulary))
        db.execute("INSERT INTO meta VALUES ('schema', ?), ('source', ?), ('synonyms', ?), "
                   "('documents', (SELECT count(*) FROM docs))",
                   (SCHEMA, source_signature, synonyms_signature))

    def _source_signature(self) -> str:
        return self.source() if callable(self.source) else signature(self.source)

    def _synonyms_signature(self) -> str:
        return signature(self.synonyms_file) if self.synonyms_file else "none"

    def _vocabulary(self) -> dict:
        if not self.synonyms_file:
            return {}
        import tomllib

        try:
            with open(self.synonyms_file, "rb") as handle:
                return tomllib.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise RepositoryError(say("the synonyms file {path} cannot be read: {reason}",
                                      path=str(self.synonyms_file), reason=str(exc))) from None

    @staticmethod
    def _synonym_rows(vocabulary: dict) -> list[tuple[str, str, str]]:
        """(a term of the entry's first word, the entry, one of its phrases) for every entry.

        An entry is found by the stems of its first word, so that "freezing" finds "freeze"
        and a plural finds its singular.
        """
        rows = []
        for key, phrases in vocabulary.get("synonyms", {}).items():
            key = " ".join(tokens(fold(key), parts=False))
            if not key:
                continue
            first = key.split()[0]
            # An abbreviation is looked up as typed: "fai" (ISP) is not a stem of "fais".
            for term in ({"=" + first} if len(first) <= 3 else {*terms(first), first}):
                # No phrase at all: a phrase that says nothing of the problem ("ma boîte").
                rows.extend((term, key, phrase) for phrase in phrases or [""])
        return rows

    @staticmethod
    def _lexicon_rows(vocabulary: dict) -> list[tuple[str, str]]:
        """Filler words, dropped from queries, and everyday words, never read as typos.

        Each is recorded as written and by its stems, so that a plural is known too; a
        word as written wins over another's stem.
        """
        rows: dict[str, str] = {}
        for exact in (False, True):
            for kind in ("everyday", "filler"):
                for entry in vocabulary.get(kind, []):
                    for word in tokens(entry):
                        for form in ((fold_word(word),) if exact else terms(word)):
                            rows[form] = kind
        return list(rows.items())

    @staticmethod
    def _spelling_rows(vocabulary: dict) -> list[tuple[str, str]]:
        return [(fold(word), standard) for word, standard in vocabulary.get("spellings", {}).items()]

    def _remove_abandoned_builds(self) -> None:
        import time

        for stale in self.path.parent.glob(f".{self.path.name}.*{BUILD_SUFFIX}*"):
            try:
                if time.time() - stale.stat().st_mtime > ABANDONED_SECONDS:
                    stale.unlink()
            except OSError:
                pass

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        columns = ", ".join(FIELDS)
        db.executescript(f"""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, symptoms TEXT, cause TEXT,
                               resolution TEXT, kind TEXT, visibility TEXT);
            CREATE VIRTUAL TABLE fts USING fts5({columns}, tokenize='unicode61 remove_diacritics 2');
            CREATE TABLE terms (term TEXT PRIMARY KEY, documents INTEGER) WITHOUT ROWID;
            CREATE TABLE words (word TEXT PRIMARY KEY, uses INTEGER) WITHOUT ROWID;
            CREATE VIRTUAL TABLE word_grams USING fts5(word, tokenize='trigram');
            CREATE TABLE sounds (sound TEXT, word TEXT);
            CREATE INDEX sounds_sound ON sounds (sound);
            CREATE TABLE synonyms (term TEXT, key TEXT, phrase TEXT);
            CREATE INDEX synonyms_term ON synonyms (term);
            CREATE TABLE lexicon (word TEXT PRIMARY KEY, kind TEXT) WITHOUT ROWID;
            CREATE TABLE spellings (word TEXT PRIMARY KEY, standard TEXT) WITHOUT ROWID;
        """)

    def _put(self, db: sqlite3.Connection, articles: Iterable[dict]) -> None:
        counts: dict[str, int] = {}
        docs, stored = [], []
        for article in articles:
            docs.append(_document(article))
            stored.append(_stored(article))
            for word in _surface_words(article):
                counts[word] = counts.get(word, 0) + 1
        marks = ", ".join("?" * (len(FIELDS) + 1))
        db.executemany(f"INSERT INTO fts(rowid, {', '.join(FIELDS)}) VALUES ({marks})", docs)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)", stored)
        self._count_words(db, counts)
        self._count_terms(db, [doc[1:] for doc in docs], +1)

    @staticmethod
    def _count_terms(db: sqlite3.Connection, documents: list[tuple], step: int) -> None:
        """How many articles hold each index term, kept beside FTS5: a search asks it for
        every word and phrase it reads, and FTS5's own vocabulary table is slow to ask."""
        counts: dict[str, int] = {}
        for fields in documents:
            for term in {t for field in fields for t in (field or "").split()}:
                counts[term] = counts.get(term, 0) + step
        db.executemany("INSERT INTO terms VALUES (?, ?) ON CONFLICT (term) DO UPDATE "
                       "SET documents = documents + excluded.documents", counts.items())

    @staticmethod
    def _count_words(db: sqlite3.Connection, counts: dict[str, int]) -> None:
        for word, uses in counts.items():
            row = db.execute("SELECT uses FROM words WHERE word = ?", (word,)).fetchone()
            if row is None:
                db.execute("INSERT INTO words VALUES (?, ?)", (word, uses))
                db.execute("INSERT INTO word_grams(word) VALUES (?)", (word,))
                db.execute("INSERT INTO sounds VALUES (?, ?)", (sound(word), word))
            else:
                db.execute("UPDATE words SET uses = ? WHERE word = ?", (row[0] + uses, word))

    def update(self, before: str, changed: list[dict]) -> None:
        """Bring an index built from state `before` up to the current file, article by article.

        Any other index (stale, missing, busy) is left alone: the next search rebuilds it.
        """
        db = self._open_existing(before)
        if db is None:
            return
        try:
            with db:
                for article in changed:
                    old = db.execute(f"SELECT {', '.join(FIELDS)} FROM fts WHERE rowid = ?",
                                     (article["id"],)).fetchall()
                    self._count_terms(db, old, -1)
                    db.execute("DELETE FROM fts WHERE rowid = ?", (article["id"],))
                    db.execute("DELETE FROM docs WHERE id = ?", (article["id"],))
                live = [a for a in changed if a.get("status", "published") == "published"]
                self._put(db, live)
                db.execute("UPDATE meta SET value = ? WHERE key = 'source'", (self._source_signature(),))
                db.execute("UPDATE meta SET value = (SELECT count(*) FROM docs) WHERE key = 'documents'")
        except sqlite3.Error:
            pass  # the signature was not moved on, so the next search rebuilds the index
        finally:
            db.close()

    # -- searching ------------------------------------------------------------

    def query(self, text: str) -> Query | None:
        """What was typed, read as groups of alternatives; None when nothing in it can be searched.

        Each word the caller typed becomes one group: its own index terms, the phrases the
        vocabulary gives for it, or (for a word that looks like a typo of an indexed word)
        its nearest indexed word, weighing less. A phrase of the vocabulary ("plus de
        place") is read as one group. Filler words ("svp", "urgent") are dropped; a word
        the index does not know stays in the query as what it does not cover.
        """
        db = self.connection()
        typed = self._respelled(db, tokens(text, parts=False)[:MAX_QUERY_WORDS])
        # A hyphenated word is read whole ("wi-fi"), or as its parts when whole it is unknown.
        parts = {"".join(p): p for p in (tokens(w)[:-1] for w in _WORD.findall(text.casefold())
                                         if "-" in w) if len(p) > 1}
        groups: list[Group] = []
        unknown: list[str] = []
        seen: set[str] = set()
        position = 0
        while position < len(typed):
            word = typed[position]
            span, phrases = self._vocabulary_phrase(db, typed, position)
            if span > 1:
                position += span
                if phrases == [""]:
                    continue
                # The words as typed stay an alternative of the phrase they form.
                spanned = " ".join(typed[position - span:position])
                group = self._group(db, spanned, [], [spanned, *phrases], 1.0)
                if group:
                    groups.append(group)
                continue
            position += 1
            folded = fold_word(word)
            if folded in seen or _ignored(word):
                continue
            seen.add(folded)
            kind = self._lexicon(db, word)
            if kind == "filler" and not phrases:
                continue
            own = self._known(db, terms(word))
            weight = 1.0
            if not own and not phrases and kind != "everyday":
                # "limprimante", "lordi": an elision typed without its apostrophe.
                bare = _ELISION_TYPED.sub("", folded)
                if bare != folded and len(bare) >= 4:
                    own = self._known(db, terms(bare))
                    phrases = [] if own else self._vocabulary_phrase(db, [bare], 0)[1]
                    word = bare if own or phrases else word
            if not own and not phrases and kind != "everyday" and self._lexicon(db, word) != "everyday":
                guesses = self._completions(db, fold_word(word)) or \
                    [g for g in [self._nearest(db, fold_word(word))] if g]
                if guesses:
                    own = sorted({t for g in guesses for t in self._known(db, terms(g))})
                    # The word meant may be the vocabulary's ("outlouk", "pasword", "bloké").
                    phrases = [p for g in guesses for p in self._vocabulary_phrase(db, [g], 0)[1]]
                    weight = CORRECTED_WEIGHT
            group = self._group(db, word, own, phrases, weight)
            if group:
                groups.append(group)
            elif word in parts:
                typed[position:position] = parts.pop(word)
            elif len(word) > SHORT_UNKNOWN and self._lexicon(db, word) != "filler":
                unknown.append(word)
        if not groups:
            return None
        expression = " OR ".join(
            "(" + " OR ".join("(" + " AND ".join("(" + " OR ".join(f'"{t}"' for t in part) + ")"
                                                 for part in alternative) + ")"
                              for alternative in g.alternatives) + ")"
            for g in groups)
        return Query(expression, tuple(groups), tuple(unknown))

    def _group(self, db: sqlite3.Connection, word: str, own: list[str], phrases: list[str],
               weight: float) -> Group | None:
        alternatives: list[tuple[tuple[str, ...], ...]] = []
        if own:
            alternatives.append((tuple(own),))
        for phrase in phrases:
            parts = [tuple(self._known(db, terms(w))) for w in words(phrase)]
            if parts and all(parts) and tuple(parts) not in alternatives:
                alternatives.append(tuple(parts))
        if not alternatives:
            return None
        every = frozenset(t for alternative in alternatives for part in alternative for t in part)
        return Group(word, tuple(alternatives), weight, self._documents(db, alternatives), every)

    def _vocabulary_phrase(self, db: sqlite3.Connection, typed: list[str],
                           position: int) -> tuple[int, list[str]]:
        """The longest vocabulary entry starting at `position`: (words it spans, its phrases).

        Entries are looked up by the stems of their first word, so "freezing" finds the
        entry "freeze" and "plus de place" is found whatever follows it.
        """
        own = {*terms(typed[position]), fold_word(typed[position]), "=" + fold_word(typed[position])}
        marks = ", ".join("?" * len(own))
        rows = db.execute(f"SELECT key, phrase FROM synonyms WHERE term IN ({marks})", tuple(own))
        entries: dict[str, list[str]] = {}
        for key, phrase in rows:
            entries.setdefault(key, []).append(phrase)
        best: tuple[int, list[str]] = (0, [])
        for key, phrases in entries.items():
            key_words = tokens(key, parts=False)
            if not key_words or len(key_words) < best[0] or position + len(key_words) > len(typed):
                continue
            if all(_same_word(k, t) for k, t in zip(key_words[1:], typed[position + 1:])):
                if len(key_words) > best[0]:
                    best = (len(key_words), list(dict.fromkeys(phrases)))
                else:
                    best = (best[0], list(dict.fromkeys([*best[1], *phrases])))
        return best

    def _lexicon(self, db: sqlite3.Connection, word: str) -> str | None:
        """"filler", "everyday" or None: the word as typed first, then its stems."""
        if word not in self._kinds:
            forms = (fold_word(word), *terms(word))
            marks = ", ".join("?" * len(forms))
            found = dict(db.execute(f"SELECT word, kind FROM lexicon WHERE word IN ({marks})", forms))
            self._kinds[word] = next((found[f] for f in forms if f in found), None)
        return self._kinds[word]

    @staticmethod
    def _respelled(db: sqlite3.Connection, typed: list[str]) -> list[str]:
        """The words of a query with SMS spellings written out ("pa" -> "pas", "ya" -> "y a")."""
        folded = [fold_word(w) for w in typed]
        marks = ", ".join("?" * len(folded))
        standard = dict(db.execute(f"SELECT word, standard FROM spellings WHERE word IN ({marks})",
                                   folded)) if folded else {}
        if not standard:
            return typed
        return [part for word, key in zip(typed, folded)
                for part in (tokens(standard[key], parts=False) if key in standard else [word])]

    @staticmethod
    def _known(db: sqlite3.Connection, candidates: tuple[str, ...]) -> list[str]:
        if not candidates:
            return []
        marks = ", ".join("?" * len(candidates))
        rows = db.execute(f"SELECT term FROM terms WHERE term IN ({marks}) AND documents > 0",
                          candidates)
        return sorted(r[0] for r in rows)

    @staticmethod
    def _documents(db: sqlite3.Connection, alternatives) -> int:
        """About how many articles a group matches: its broadest alternative's count."""
        wanted = sorted({t for alternative in alternatives for part in alternative for t in part})
        marks = ", ".join("?" * len(wanted))
        counts = dict(db.execute(f"SELECT term, documents FROM terms WHERE term IN ({marks})", wanted))
        return max(min(max(counts.get(t, 0) for t in part) for part in alternative)
                   for alternative in alternatives)

    @staticmethod
    def _completions(db: sqlite3.Connection, word: str) -> list[str]:
        """The indexed words a shortened word begins ("verr" -> verrouillé, verrouillage).

        Technicians' shorthand cuts words; a cut of four letters or more is read as the
        words it begins, the most used first, as a typo is: weighing less.
        """
        if len(word) < MIN_COMPLETION:
            return []
        rows = db.execute("SELECT word FROM words WHERE word > ? AND word < ? ORDER BY uses DESC "
                          "LIMIT ?", (word, word + "\uffff", MAX_COMPLETIONS))
        return [r[0] for r in rows]

    def _nearest(self, db: sqlite3.Connection, word: str) -> str | None:
        """The indexed word a word the index does not know is most likely a typo of.

        A word of the same first letter within one edit (two for long words) counts, and
        so does a word that sounds the same ("bloké" for "bloqué"), or nearly the same
        for long words ("sovgarde"). Among them the nearest wins (one edit, then the same
        sound, then two edits, then a near sound), then the one the typed word is a
        shortened form of (a letter left out is the commonest slip), then the most used.
        """
        limit = allowed_edits(word)
        if not limit:
            return None
        heard = sound(word)
        grams = {word[i:i + 3] for i in range(len(word) - 2)}
        expression = " OR ".join(f'"{g}"' for g in grams if '"' not in g)
        rows = list(db.execute(
            "SELECT g.word, w.uses FROM word_grams g JOIN words w ON w.word = g.word "
            "WHERE word_grams MATCH ? ORDER BY bm25(word_grams) LIMIT 60", (expression,))
        ) if expression else []
        rows += db.execute("SELECT s.word, w.uses FROM sounds s JOIN words w ON w.word = s.word "
                           "WHERE s.sound = ?", (heard,)).fetchall()
        if len(word) <= SHORT_WORD:
            # A short word shares few trigrams with its intended word ("exel", "excel"):
            # the words of its first two letters and about its length are tried too.
            rows += db.execute(
                "SELECT word, uses FROM words WHERE word >= ? AND word < ? AND length(word) "
                "BETWEEN ? AND ? LIMIT 200", (word[:2], word[:2] + "\uffff", len(word) - limit,
                                               len(word) + limit)).fetchall()
        best: tuple | None = None
        for candidate, uses in rows:
            if len(candidate) < MIN_CORRECTION:
                continue
            distance = edit_distance(word, candidate, limit) if candidate[0] == word[0] else limit + 1
            if distance > limit:
                other = sound(candidate)
                if other == heard:
                    distance = 1.5
                elif (len(heard) >= NEAR_SOUND and other[:1] == heard[:1]
                      and edit_distance(heard, other, 1) <= 1):
                    distance = 2.5
                else:
                    continue
            key = (distance, len(candidate) < len(word), -uses, candidate)
            if (best is None or key < best) and self._lexicon(db, candidate) != "filler":
                best = key
        return best[-1] if best else None

    def search(self, text: str, *, limit: int = 5, kinds: Iterable[str] | None = None,
               visibility: str | None = None, floor: float | None = None) -> tuple[list[Hit], Query | None]:
        """The best articles for `text`, best first, none below the confidence `floor`.

        FTS5's BM25 picks the candidates; they are then ranked by how much of the query
        each covers (the words weighted by rarity), in which field, and whether the
        query's words stand together in it, BM25 breaking near-ties.
        """
        query = self.query(text)
        if query is None:
            return [], None
        db = self.connection()
        floor = MIN_CONFIDENCE if floor is None else floor
        weights = ", ".join(str(w) for w in FIELDS.values())
        where, params = [], []
        if kinds:
            kinds = list(kinds)
            where.append(f"d.kind IN ({', '.join('?' * len(kinds))})")
            params += kinds
        if visibility:
            where.append("d.visibility = ?")
            params.append(visibility)
        pool = max(limit, CANDIDATES)
        # Ranked first, joined after: only the best rows are looked up, unless a filter on
        # the stored columns must see every match.
        inner_limit = "" if where else "LIMIT ?"
        try:
            rows = db.execute(
                f"SELECT d.id, d.title, d.symptoms, d.cause, d.resolution, d.kind, d.visibility, "
                f"r.rank FROM (SELECT rowid, bm25(fts, {weights}) AS rank FROM fts "
                f"WHERE fts MATCH ? ORDER BY rank {inner_limit}) r JOIN docs d ON d.id = r.rowid "
                f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY r.rank, d.id LIMIT ?",
                (query.expression, *([] if where else [pool]), *params, pool)).fetchall()
            analysed = self._analysed(db, [r[0] for r in rows])
            # Counted when the index was built or changed: a search does not scan the table.
            total = int(db.execute("SELECT value FROM meta WHERE key = 'documents'").fetchone()[0])
        except sqlite3.Error as exc:
            raise RepositoryError(_engine_message(exc)) from None
        best_bm25 = max((-r[-1] for r in rows), default=0.0) or 1.0
        # Coverage first, for every candidate; where the query's words stand, which can
        # only add a little, for the best few.
        first = sorted(rows, key=lambda row: -judge(query, analysed.get(row[0], {}), total,
                                                     -row[-1] / best_bm25, False)[0])
        ranked = []
        for row in first[:max(limit, NEAR_POOL)]:
            score, confidence = judge(query, analysed.get(row[0], {}), total, -row[-1] / best_bm25,
                                      True)
            if confidence >= floor:
                ranked.append((score, confidence, row))
        ranked.sort(key=lambda item: (-item[0], item[2][0]))
        hits = []
        matched = query.matched
        for score, confidence, row in ranked[:limit]:
            id_, title, symptoms, cause, resolution, kind, vis, _rank = row
            texts = {"title": title, "symptoms": symptoms, "cause": cause, "resolution": resolution}
            snippet, highlights = make_snippet(texts, matched)
            hits.append(Hit(id_, title, round(score, 3), round(confidence, 2), kind, vis, snippet,
                            highlights))
        return hits, query

    @staticmethod
    def _analysed(db: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, list[str]]]:
        """The index terms of each field of some articles, in order (for coverage and proximity)."""
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = db.execute(f"SELECT rowid, {', '.join(FIELDS)} FROM fts WHERE rowid IN ({marks})", ids)
        return {row[0]: {name: (value or "").split() for name, value in zip(FIELDS, row[1:])}
                for row in rows}

    def is_empty(self) -> bool:
        """No published article: what the knowledge base holds, as the index sees it."""
        return self.connection().execute("SELECT NOT EXISTS (SELECT 1 FROM docs)").fetchone()[0] == 1

    def close(self) -> None:
        self._kinds.clear()
        if self._db is not None:
            self._db.close()
            self._db = None


def _matching_words(token: str, matched: set[str]) -> list[str]:
    """The words of one token of text (as written, elision cut) whose terms were searched."""
    found = []
    for match in _WORD.finditer(token):
        raw = match.group()
        elided = _ELISION.match(raw.casefold())
        raw = raw[elided.end():] if elided else raw
        if any(t in matched for w in words(raw) for t in terms(w)):
            found.append(raw)
    return found


def make_snippet(texts: dict[str, str], matched: set[str]) -> tuple[str, list[str]]:
    """The window of an article's text richest in the words searched, and those words."""
    best: tuple[int, str, list[str]] = (0, "", [])
    for name in SNIPPET_FIELDS:
        text = texts.get(name) or ""
        tokens = text.split()
        if not tokens:
            continue
        hits = [_matching_words(tok, matched) for tok in tokens]
        for start in range(max(1, len(tokens) - SNIPPET_WORDS + 1)):
            score = sum(1 for h in hits[start:start + SNIPPET_WORDS] if h)
            if score > best[0]:
                window = tokens[start:start + SNIPPET_WORDS]
                marked = [w for h in hits[start:start + SNIPPET_WORDS] for w in h]
                prefix = "... " if start else ""
                suffix = " ..." if start + SNIPPET_WORDS < len(tokens) else ""
                best = (score, prefix + " ".join(window) + suffix, marked)
    if not best[1]:
        text = texts.get("symptoms") or texts.get("title") or ""
        tokens = text.split()
        return " ".join(tokens[:SNIPPET_WORDS]) + (" ..." if len(tokens) > SNIPPET_WORDS else ""), []
    return best[1], list(dict.fromkeys(best[2]))


def _engine_message(exc: sqlite3.Error) -> str:
    return say("the search engine failed ({reason}); deskcli needs Python's sqlite3 with FTS5 and "
               "the trigram tokenizer (SQLite 3.34 or newer)", reason=str(exc))
