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

import os
import re
import sqlite3
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from deskcli.core.errors import RepositoryError
from deskcli.i18n import say

INDEX_FILE = "kb-index.sqlite"
# Bump when the analysis of documents changes: an index built otherwise is rebuilt.
SCHEMA = "4"

# The searchable fields of an article and their weight in the BM25 ranking.
FIELDS = {"title": 3.0, "symptoms": 2.0, "cause": 1.0, "resolution": 0.8, "tags": 2.0}
SNIPPET_FIELDS = ("symptoms", "resolution", "cause", "title")
SNIPPET_WORDS = 18
MAX_QUERY_WORDS = 64
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
    found: list[str] = []
    for token in _WORD.findall(text.casefold()):
        if "'" in token or "’" in token or "-" in token:  # rare: the plain path stays cheap
            token = _ELISION.sub("", token)
            parts = [p for p in _JOINERS.split(token) if p]
            if len(parts) > 1:
                found.extend(parts)
                token = "".join(parts)
        found.append(token)
    return [w for w in found if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


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


class Hit(NamedTuple):
    """One article found, with its score (higher is better) and the snippet to show."""

    id: int
    title: str
    score: float
    kind: str
    visibility: str
    snippet: str
    highlights: list[str]

    def as_dict(self) -> dict:
        return self._asdict()


class Query(NamedTuple):
    """A search as FTS5 runs it, and the index terms it matches (to mark them in snippets)."""

    expression: str
    matched: set[str]


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
        db.executemany("INSERT INTO synonyms VALUES (?, ?)", self._synonym_rows())
        db.execute("INSERT INTO meta VALUES ('schema', ?), ('source', ?), ('synonyms', ?)",
                   (SCHEMA, source_signature, synonyms_signature))

    def _source_signature(self) -> str:
        return self.source() if callable(self.source) else signature(self.source)

    def _synonyms_signature(self) -> str:
        return signature(self.synonyms_file) if self.synonyms_file else "none"

    def _synonym_rows(self) -> list[tuple[str, str]]:
        if not self.synonyms_file:
            return []
        import tomllib

        try:
            with open(self.synonyms_file, "rb") as handle:
                table = tomllib.load(handle).get("synonyms", {})
        except FileNotFoundError:
            return []
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise RepositoryError(say("the synonyms file {path} cannot be read: {reason}",
                                      path=str(self.synonyms_file), reason=str(exc))) from None
        return [(fold(word), phrase) for word, phrases in table.items() for phrase in phrases]

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
            CREATE VIRTUAL TABLE vocabulary USING fts5vocab(fts, 'row');
            CREATE TABLE words (word TEXT PRIMARY KEY, uses INTEGER) WITHOUT ROWID;
            CREATE VIRTUAL TABLE word_grams USING fts5(word, tokenize='trigram');
            CREATE TABLE synonyms (word TEXT, phrase TEXT);
            CREATE INDEX synonyms_word ON synonyms (word);
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

    @staticmethod
    def _count_words(db: sqlite3.Connection, counts: dict[str, int]) -> None:
        for word, uses in counts.items():
            row = db.execute("SELECT uses FROM words WHERE word = ?", (word,)).fetchone()
            if row is None:
                db.execute("INSERT INTO words VALUES (?, ?)", (word, uses))
                db.execute("INSERT INTO word_grams(word) VALUES (?)", (word,))
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
                    db.execute("DELETE FROM fts WHERE rowid = ?", (article["id"],))
                    db.execute("DELETE FROM docs WHERE id = ?", (article["id"],))
                live = [a for a in changed if a.get("status", "published") == "published"]
                self._put(db, live)
                db.execute("UPDATE meta SET value = ? WHERE key = 'source'", (self._source_signature(),))
        except sqlite3.Error:
            pass  # the signature was not moved on, so the next search rebuilds the index
        finally:
            db.close()

    # -- searching ------------------------------------------------------------

    def query(self, text: str) -> Query | None:
        """The FTS5 expression for what was typed, or None when nothing in it can be searched."""
        db = self.connection()
        typed = list(dict.fromkeys(words(text)))[:MAX_QUERY_WORDS]
        groups: list[str] = []
        matched: set[str] = set()
        for word in typed:
            alternatives: list[str] = []
            own = self._known(db, terms(word))
            synonyms = [r[0] for r in db.execute("SELECT phrase FROM synonyms WHERE word = ?",
                                                  (fold(word),))]
            if not own and not synonyms:  # a word with synonyms is known, not a typo
                guess = self._nearest(db, fold(word))
                if guess:
                    own = self._known(db, terms(guess))
            if own:
                matched.update(own)
                alternatives.append(" OR ".join(f'"{t}"' for t in own))
            for phrase in synonyms:
                parts = [self._known(db, terms(w)) for w in words(phrase)]
                if parts and all(parts):
                    for part in parts:
                        matched.update(part)
                    alternatives.append(" AND ".join(
                        "(" + " OR ".join(f'"{t}"' for t in part) + ")" for part in parts))
            if alternatives:
                groups.append("(" + " OR ".join(f"({a})" for a in alternatives) + ")")
        if not groups:
            return None
        return Query(" OR ".join(groups), matched)

    @staticmethod
    def _known(db: sqlite3.Connection, candidates: tuple[str, ...]) -> list[str]:
        if not candidates:
            return []
        marks = ", ".join("?" * len(candidates))
        rows = db.execute(f"SELECT term FROM vocabulary WHERE term IN ({marks})", candidates)
        return sorted(r[0] for r in rows)

    @staticmethod
    def _nearest(db: sqlite3.Connection, word: str) -> str | None:
        """The indexed word closest to a word the index does not know, within a few edits."""
        limit = allowed_edits(word)
        if not limit:
            return None
        grams = {word[i:i + 3] for i in range(len(word) - 2)}
        expression = " OR ".join(f'"{g}"' for g in grams if '"' not in g)
        rows = db.execute(
            "SELECT g.word, w.uses FROM word_grams g JOIN words w ON w.word = g.word "
            "WHERE word_grams MATCH ? ORDER BY bm25(word_grams) LIMIT 40", (expression,))
        best: tuple[int, int, str] | None = None
        for candidate, uses in rows:
            distance = edit_distance(word, candidate, limit)
            if distance <= limit and (best is None or (distance, -uses) < best[:2]):
                best = (distance, -uses, candidate)
        return best[2] if best else None

    def search(self, text: str, *, limit: int = 5, kinds: Iterable[str] | None = None,
               visibility: str | None = None) -> tuple[list[Hit], Query | None]:
        query = self.query(text)
        if query is None:
            return [], None
        db = self.connection()
        weights = ", ".join(str(w) for w in FIELDS.values())
        where, params = [], []
        if kinds:
            kinds = list(kinds)
            where.append(f"d.kind IN ({', '.join('?' * len(kinds))})")
            params += kinds
        if visibility:
            where.append("d.visibility = ?")
            params.append(visibility)
        # Ranked first, joined after: only the best rows are looked up, unless a filter on
        # the stored columns must see every match.
        inner_limit = "" if where else "LIMIT ?"
        try:
            rows = db.execute(
                f"SELECT d.id, d.title, d.symptoms, d.cause, d.resolution, d.kind, d.visibility, "
                f"r.rank FROM (SELECT rowid, bm25(fts, {weights}) AS rank FROM fts "
                f"WHERE fts MATCH ? ORDER BY rank {inner_limit}) r JOIN docs d ON d.id = r.rowid "
                f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY r.rank, d.id LIMIT ?",
                (query.expression, *([] if where else [limit]), *params, limit)).fetchall()
        except sqlite3.Error as exc:
            raise RepositoryError(_engine_message(exc)) from None
        hits = []
        for id_, title, symptoms, cause, resolution, kind, vis, rank in rows:
            texts = {"title": title, "symptoms": symptoms, "cause": cause, "resolution": resolution}
            snippet, highlights = make_snippet(texts, query.matched)
            hits.append(Hit(id_, title, round(-rank, 3), kind, vis, snippet, highlights))
        return hits, query

    def is_empty(self) -> bool:
        """No published article: what the knowledge base holds, as the index sees it."""
        return self.connection().execute("SELECT NOT EXISTS (SELECT 1 FROM docs)").fetchone()[0] == 1

    def close(self) -> None:
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
