"""The search engine as plain functions: analysis, ranking, typos, and the derived index."""

from __future__ import annotations

import sqlite3

import pytest

from deskcli.core.model import search
from deskcli.core.model.search import KnowledgeIndex, edit_distance, fold, words

ARTICLES = [
    {"id": 1, "title": "L'imprimante affiche un bourrage papier",
     "symptoms": "Le papier reste coincé dans l'imprimante laser et un voyant orange clignote.",
     "cause": "Une feuille froissée ou un papier trop épais.",
     "resolution": "1. Ouvrir le capot.\n2. Retirer la feuille coincée.", "tags": ["imprimante"]},
    {"id": 2, "title": "Écran noir au démarrage",
     "symptoms": "L'ordinateur démarre mais l'écran reste noir.",
     "cause": "Câble vidéo débranché.", "resolution": "Rebrancher le câble HDMI.", "tags": ["écran"]},
    {"id": 3, "title": "Mot de passe de session oublié",
     "symptoms": "L'utilisateur ne peut plus ouvrir sa session Windows.",
     "cause": "Mot de passe expiré.", "resolution": "Réinitialiser le mot de passe dans l'annuaire.",
     "tags": ["compte"]},
    {"id": 4, "title": "Le Wi-Fi ne se connecte pas",
     "symptoms": "Le portable ne voit plus le réseau sans fil du bureau.",
     "cause": "Clé WPA changée.", "resolution": "Oublier le réseau puis saisir la nouvelle clé.",
     "tags": ["wifi"], "status": "removed"},
]


@pytest.fixture
def kb_file(tmp_path):
    path = tmp_path / "kb.json"
    path.write_text("{}")
    return path


SYNONYMS = """
[synonyms]
printer = ["imprimante"]
password = ["mot de passe"]
"""


def make_index(tmp_path, kb_file, articles=ARTICLES, loads=None):
    def load():
        if loads is not None:
            loads.append(1)
        return [dict(a) for a in articles]

    synonyms = tmp_path / "synonyms.toml"
    if not synonyms.exists():
        synonyms.write_text(SYNONYMS, encoding="utf-8")
    return KnowledgeIndex(tmp_path, kb_file, load, synonyms)


def ids(index, text, **options):
    hits, _ = index.search(text, **options)
    return [h.id for h in hits]


def test_words_fold_case_and_cut_elisions_and_stopwords():
    assert words("L'Écran de l'ordinateur") == ["écran", "ordinateur"]
    assert fold("ÉCRAN Noël") == "ecran noel"
    assert words("wi-fi") == ["wi", "fi", "wifi"]


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("imprimnate", "imprimante", 2) == 1
    assert edit_distance("imprimnte", "imprimante", 2) == 1
    assert edit_distance("clavier", "papier", 2) == 3


@pytest.mark.parametrize("query, expected", [
    ("ecran", 2),                # no accents
    ("ÉCRAN NOIR", 2),           # case
    ("écrans noirs", 2),         # plural
    ("imprimantes", 1),          # plural of a longer word
    ("imprimnte", 1),            # a letter missing
    ("bourage", 1),              # a letter missing in another word
    ("printer", 1),              # English, through the synonyms
    ("password", 3),             # an English word standing for a French phrase
    ("session windows", 3),
])
def test_a_query_finds_its_article_first(tmp_path, kb_file, query, expected):
    assert ids(make_index(tmp_path, kb_file), query)[0] == expected


def test_ranking_puts_the_article_with_more_matching_words_first(tmp_path, kb_file):
    found = ids(make_index(tmp_path, kb_file), "papier coincé imprimante écran", floor=0)
    assert found[0] == 1 and 2 in found


def test_an_article_covering_one_word_of_four_is_no_answer(tmp_path, kb_file):
    assert ids(make_index(tmp_path, kb_file), "papier coincé imprimante écran") == [1]


def test_a_change_of_the_synonyms_rebuilds_the_index(tmp_path, kb_file):
    assert ids(make_index(tmp_path, kb_file), "screen") == []
    (tmp_path / "synonyms.toml").write_text(SYNONYMS + 'screen = ["écran"]\n', encoding="utf-8")
    assert ids(make_index(tmp_path, kb_file), "screen") == [2]


def test_removed_articles_are_not_found(tmp_path, kb_file):
    assert ids(make_index(tmp_path, kb_file), "wifi réseau") == []


def test_words_found_nowhere_give_nothing_rather_than_noise(tmp_path, kb_file):
    index = make_index(tmp_path, kb_file)
    assert ids(index, "zzzz qqqq") == []
    assert index.query("le la les de") is None


def test_kinds_and_visibility_filter_the_results(tmp_path, kb_file):
    articles = [dict(ARTICLES[0], kind="known_error", visibility="faq"), ARTICLES[1]]
    index = make_index(tmp_path, kb_file, articles)
    assert ids(index, "imprimante écran", kinds=["known_error"]) == [1]
    assert ids(index, "imprimante écran", visibility="faq") == [1]
    assert ids(index, "imprimante écran", kinds=["article"]) == [2]


def test_snippet_marks_the_words_that_matched(tmp_path, kb_file):
    hits, _ = make_index(tmp_path, kb_file).search("papier coince")
    assert "coincé" in hits[0].snippet
    assert {"papier", "coincé"} <= set(hits[0].highlights)


def test_scores_fall_from_the_best_match(tmp_path, kb_file):
    hits, _ = make_index(tmp_path, kb_file).search("imprimante papier écran")
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_the_index_is_reused_while_the_file_is_unchanged_and_rebuilt_after(tmp_path, kb_file):
    loads = []
    make_index(tmp_path, kb_file, loads=loads).search("écran")
    make_index(tmp_path, kb_file, loads=loads).search("écran")
    assert len(loads) == 1
    kb_file.write_text('{"changed": {}}')
    make_index(tmp_path, kb_file, loads=loads).search("écran")
    assert len(loads) == 2


@pytest.mark.parametrize("damage", ["delete", "garbage", "foreign"])
def test_a_missing_or_damaged_index_is_rebuilt_from_the_repository(tmp_path, kb_file, damage):
    make_index(tmp_path, kb_file).search("écran")
    path = tmp_path / search.INDEX_FILE
    if damage == "delete":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"not a database at all" * 100)
    else:
        path.unlink()
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE other (x)")
        db.commit()
        db.close()
    assert ids(make_index(tmp_path, kb_file), "écran") == [2]


def test_an_update_takes_changed_articles_in_without_a_rebuild(tmp_path, kb_file):
    loads = []
    make_index(tmp_path, kb_file, loads=loads).search("écran")
    before = search.signature(kb_file)
    kb_file.write_text('{"changed": {}}')
    changed = [dict(ARTICLES[1], status="removed"),
               {"id": 9, "title": "Clavier sans fil inerte", "symptoms": "Les touches ne répondent plus",
                "resolution": "Changer les piles", "tags": []}]
    make_index(tmp_path, kb_file, loads=loads).update(before, changed)
    index = make_index(tmp_path, kb_file, loads=loads)
    assert ids(index, "clavier") == [9]
    assert ids(index, "ecran") == []
    assert ids(index, "claver") == [9]   # new words join the typo table too
    assert len(loads) == 1
    # The articles each term is in are counted as FTS5 itself counts them.
    db = index.connection()
    db.execute("CREATE VIRTUAL TABLE temp.counted USING fts5vocab(main, fts, 'row')")
    fts5 = dict(db.execute("SELECT term, doc FROM counted"))
    kept = dict(db.execute("SELECT term, documents FROM terms WHERE documents > 0"))
    assert kept == fts5 and "ecran" not in kept and kept["clavi"] == 1


def test_an_update_of_a_stale_index_is_left_to_the_next_rebuild(tmp_path, kb_file):
    make_index(tmp_path, kb_file).search("écran")
    kb_file.write_text('{"elsewhere": {}}')
    make_index(tmp_path, kb_file).update("not-the-state-it-was-built-from", [ARTICLES[0]])
    assert ids(make_index(tmp_path, kb_file), "écran") == [2]


def test_a_repository_that_cannot_be_written_is_still_searched(tmp_path, kb_file, monkeypatch):
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert ids(make_index(tmp_path, kb_file), "écran") == [2]
    assert not (tmp_path / search.INDEX_FILE).exists()


# -- callers' words: the vocabulary, typos, confidence ---------------------------------

def starter_index(tmp_path):
    """The starter articles with the shipped vocabulary, as a desk searches them."""
    from deskcli.core.knowledge import kb
    from deskcli.core.base.paths import data_file

    articles = [dict(s["fields"], id=n, status="published")
                for n, s in enumerate(kb.starter_articles(), 1)]
    keys = {n: s["key"] for n, s in enumerate(kb.starter_articles(), 1)}
    kb_file = tmp_path / "kb.json"
    kb_file.write_text("{}")
    return KnowledgeIndex(tmp_path, kb_file, lambda: articles, data_file(kb.SYNONYMS_FILE)), keys


def corrected(index, word):
    query = index.query(word)
    return [g for g in (query.groups if query else ()) if g.weight < 1]


@pytest.mark.parametrize("word", ["interdit", "couloir", "stylos", "clim", "book", "novembre"])
def test_real_words_outside_the_base_are_not_read_as_typos(tmp_path, word):
    index, _ = starter_index(tmp_path)
    assert corrected(index, word) == []
    assert index.search(word)[0] == []


@pytest.mark.parametrize("typed, meant", [
    ("imprimnte", "imprimant"), ("verouillé", "verrouill"), ("bloké", "bloqu"), ("sovgarde", "sauvegard"),
    ("outlouk", "outlook"),
])
def test_typos_are_read_as_the_indexed_or_vocabulary_word_they_look_like(tmp_path, typed, meant):
    index, _ = starter_index(tmp_path)
    groups = corrected(index, typed)
    assert groups and any(meant in t for t in groups[0].terms), groups


def test_a_typo_goes_to_the_nearest_word_before_the_most_used_one(tmp_path, kb_file):
    articles = [{"id": 1, "title": "exe exe exe", "symptoms": "un exe", "resolution": "exe"},
                {"id": 2, "title": "Excel", "symptoms": "tableur", "resolution": "recalculer"},
                {"id": 3, "title": "Lecteur", "symptoms": "lecteur lecteur", "resolution": "x"},
                {"id": 4, "title": "Secteur", "symptoms": "secteur", "resolution": "x"}]
    index = make_index(tmp_path, kb_file, articles)
    assert ids(index, "exel", floor=0) == [2]       # both one edit away: the one it shortens
    assert ids(index, "becteur", floor=0) == []     # one edit from both, but another first letter
    assert ids(index, "lectuer", floor=0) == [3]    # a swap is one edit


def test_a_corrected_word_weighs_less_than_one_found_as_typed(tmp_path):
    index, keys = starter_index(tmp_path)
    exact, _ = index.search("imprimante bourrage papier")
    typo, _ = index.search("imprimnte bourage papier")
    assert keys[exact[0].id] == keys[typo[0].id] == "imprimante-bourrage"
    assert typo[0].confidence < exact[0].confidence


@pytest.mark.parametrize("query, expected", [
    ("the application is freezing", "application-ne-repond-pas"),  # stemmed key: freeze
    ("plus de place sur le pc", "disque-c-plein"),               # a phrase of the vocabulary
    ("dossier commun plein", "partage-serveur-plein"),
    ("j'ai perdu le code du wifi", "wifi-cle-oubliee"),
    ("can't remember my password", "mot-de-passe-session-windows"),
    ("ya pu le net", "internet-coupe-box"),                       # SMS spellings
    ("limprimante est hors connexion", "imprimante-hors-ligne"),  # elision without apostrophe
    ("cpt verr", "compte-verrouille"),                            # shorthand, cut words
    ("écran noir post-boot", "ecran-noir"),                       # unknown hyphenated: its parts
    ("my app stopped responding", "application-ne-repond-pas"),    # stemmed key: respond
    ("dans ma boîte le wifi marche pas", "wifi-pas-de-connexion"), # "ma boîte": no mailbox
])
def test_callers_words_find_their_article_first(tmp_path, query, expected):
    index, keys = starter_index(tmp_path)
    hits, _ = index.search(query)
    assert hits and keys[hits[0].id] == expected, [(keys[h.id], h.confidence) for h in hits]


def test_filler_words_neither_find_nor_count_against_an_article(tmp_path):
    index, keys = starter_index(tmp_path)
    assert index.query("bonjour svp urgent merci") is None
    plain, _ = index.search("imprimante bourrage")
    chatty, _ = index.search("bonjour, urgent svp, imprimante bourrage ce matin, merci")
    assert plain[0].id == chatty[0].id and plain[0].confidence == chatty[0].confidence


@pytest.mark.parametrize("query", ["les toilettes sont bouchées", "il manque des stylos",
                                   "la machine à café fuit", "the coffee machine is leaking"])
def test_a_problem_the_base_does_not_cover_gets_no_article(tmp_path, query):
    index, _ = starter_index(tmp_path)
    assert index.search(query)[0] == []
    assert all(h.confidence < search.MIN_CONFIDENCE for h in index.search(query, floor=0)[0])


def test_confidence_is_between_0_and_1_and_higher_when_more_is_covered(tmp_path):
    index, _ = starter_index(tmp_path)
    full, _ = index.search("imprimante bourrage papier coincé")
    partial, _ = index.search("imprimante bourrage papier coincé chez le notaire à Lyon", floor=0)
    assert 0 < partial[0].confidence < full[0].confidence <= 1
