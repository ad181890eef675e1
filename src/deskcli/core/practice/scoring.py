"""Judging what a student says and writes during a practice call (the greeting, the
reformulation, the explanation, the intervention request), and the model answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from deskcli.core.base.names import name_key
from deskcli.core.practice.scenario import Scenario
from deskcli.i18n import N_, say

# -- judging what the student wrote ----------------------------------------------------------

# What a technician says to a caller whose call is not admissible (« ce qu'il fallait dire »).
MODEL_EXPLANATION = ("Nous intervenons dans le cadre d'un contrat d'assistance ou d'une "
                     "garantie. Sans cela, nous pouvons intervenir en prestation facturée : il "
                     "nous faut alors un bon de commande. J'ai bien noté vos coordonnées et "
                     "votre problème.")
_BILLED = ("factur", "payant", "prestation", "devis", "tarif", "pay", "cout", "frais")
_FREE = ("gratuit", "offert", "sans frais", "gracieusement", "cadeau", "exceptionnellement")


def judge_explanation(text: str) -> str:
    """What the caller was told, as the procedure reads it: "billing" (contract or warranty,
    else a billed service with a purchase order), "free" (a promise to work for nothing)
    or "nothing" (anything short of that)."""
    folded = name_key(text or "")
    words = re.findall(r"\w+", folded)
    if any(p in folded for p in _FREE):
        return "free"
    contract = any(w.startswith(("contrat", "garanti")) for w in words)
    billed = any(w.startswith(_BILLED) for w in words)
    order = "bon de commande" in folded or "bons de commande" in folded
    return "billing" if contract and billed and order else "nothing"


def _says_name(text: str, name: str, any_part: bool = False) -> bool:
    """Whether a greeting says a name, as a person would type it (any case or accents,
    « Info Services » for InfoServices; a first name alone for a person)."""
    folded = name_key(text)
    squeezed = folded.replace(" ", "").replace("-", "")
    target = name_key(name)
    if not target:
        return False
    if not any_part:
        return target.replace(" ", "").replace("-", "") in squeezed
    words = set(re.findall(r"\w+", folded))
    return any(part in words for part in re.findall(r"\w+", target) if len(part) > 1)


def model_greeting(company: str, student: str) -> str:
    return f"{company}, bonjour ! {student} à l'appareil, que puis-je faire pour vous ?"


def request_gaps(scenario: Scenario, text: str | None) -> list[str]:
    """What an intervention request lacks of the equipment and the caller's contact."""
    folded = name_key(text or "")
    words = set(re.findall(r"\w+", folded))
    gaps = []
    device = [w for w in re.findall(r"\w+", name_key(scenario.equipment.get("device", "")))
              if len(w) > 2 and not w.isdigit()]
    if device and not words & set(device):
        gaps.append("equipment")
    contact = scenario.caller.get("contact") or ""
    digits = re.sub(r"\D", "", contact)
    named = any(part in words for part in re.findall(r"\w+", name_key(scenario.caller.get("name", "")))
                if len(part) > 2)
    if not named and not (digits and digits in re.sub(r"\D", "", folded)) and \
            not (contact and name_key(contact) in folded):
        gaps.append("contact")
    return gaps


def _request_fault(scenario: Scenario, gaps: list[str]) -> dict | None:
    device, contact = scenario.equipment.get("device", ""), scenario.caller.get("contact") or "—"
    if gaps == ["equipment"]:
        return say("it does not name the equipment ({device})", device=device).record()
    if gaps == ["contact"]:
        return say("it does not give the caller's contact ({contact})", contact=contact).record()
    if gaps:
        return say("it names neither the equipment ({device}) nor the caller's contact "
                   "({contact})", device=device, contact=contact).record()
    return None


def model_request(scenario: Scenario) -> str:
    caller = scenario.caller
    return (f"{scenario.treatment.get('nature') or 'Intervention sur site'} — "
            f"{scenario.equipment.get('device', '')} ; contact : {caller.get('name', '')}, "
            f"{caller.get('contact', '')} ; diagnostic : {scenario.treatment.get('diagnosis', '')}")


REFORMULATION_TRIES = 3
# The words of any French sentence: a reformulation without one is a list, not a sentence.
_FUNCTION_WORDS = set("""le la les l un une des du de d au aux ce cet cette ces c ca cela
son sa ses leur leurs votre vos mon ma mes notre nos il elle ils elles on vous je j nous
qui que qu dont ou et mais donc ni car ne n pas plus rien jamais aucun aucune est sont
a ont fait font etait avait peut peuvent doit sur sous dans avec sans pour par en y depuis
quand si tout tous toute toutes se s me m te t lui eux entre apres avant chez comme
n'est n'a veut voulez voudriez souhaitez avez etes""".split())
# Negation words: before a word (« ne démarre », « sans réseau »), after it (« démarre
# plus »), or the word itself (« rien »).
_BEFORE_NEGATIONS = {"ne", "n", "sans", "aucun", "aucune", "non", "ni", "no", "impossible"}
_AFTER_NEGATIONS = {"pas", "plus", "jamais", "rien", "point"}
_NEGATIONS = _BEFORE_NEGATIONS | _AFTER_NEGATIONS
# What denies that anything is wrong: said of a reported fault, it contradicts the caller.
_CONJUNCTIONS = ("et", "mais", "ou", "car", "puis", "donc", "quand", "alors")
_ALL_WELL = ("correctement", "normalement", "aucun probleme", "aucun souci", "pas de probleme",
             "pas de souci", "sans probleme", "tout va bien", "fonctionne bien", "marche bien",
             "tout fonctionne", "tout marche", "rien de grave")
_MAX_WORDS = 60


@dataclass
class Verdict:
    confirmed: bool
    reason: str | None = None  # an English message of the catalog, said where it is shown
    missing: list[str] = field(default_factory=list)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", name_key(text))


def _tokens(text: str) -> list[str]:
    """Words and the punctuation between them, which ends what a negation reaches."""
    return re.findall(r"\w+|[,.;:!?()]", name_key(text))


def _hits(option_list: list[str], text: str) -> bool:
    return bool(_positions(option_list, re.findall(r"\w+", text)))


def _positions(option_list: list[str], words: list[str]) -> list[tuple[int, int]]:
    """Where the options occur in a list of words: (first word, word after)."""
    found = []
    for option in option_list:
        parts = re.findall(r"\w+", option)
        if not parts:
            continue
        for i in range(len(words) - len(parts) + 1):
            if len(parts) == 1 and words[i].startswith(parts[0]) or \
                    len(parts) > 1 and words[i:i + len(parts)] == parts:
                found.append((i, i + len(parts)))
    return found


def _polarities(option_list: list[str], words: list[str]) -> dict[str, set[bool]]:
    """Whether each mention is negated, by the word as written: as French negates a verb,
    « ne » or « n' » just before it, or « pas », « plus », « jamais », « rien » just after
    (« ne démarre plus », « n'imprime pas »), a whole negation before it (« n'est pas
    hors ligne »), a negative word before it (« sans réseau »), or the mention itself
    (« rien »). A noun before a negated verb stays as it is: the
    server of « le serveur ne démarre plus » is still a server."""
    found: dict[str, set[bool]] = {}
    for a, b in _positions(option_list, words):
        before, after = words[max(0, a - 3):a], words[b:b + 2]
        # A conjunction or a punctuation mark starts another clause.
        for stop in (*_CONJUNCTIONS, ",", ".", ";", ":", "!", "?", "(", ")"):
            if stop in before:
                before = before[len(before) - before[::-1].index(stop):]
            if stop in after:
                after = after[:after.index(stop)]
        found.setdefault(" ".join(words[a:b]), set()).add(
            bool(_BEFORE_NEGATIONS & set(before[-2:]) or _NEGATIONS & set(words[a:b])
                 or _AFTER_NEGATIONS & set(after)
                 # « n'est pas hors ligne », « ne sont plus visibles »
                 or {"ne", "n"} & set(before) and _AFTER_NEGATIONS & set(before)))
    return found


def caller_words(scenario: Scenario) -> str:
    """Everything the caller said or the scenario shows of the call."""
    return " ".join(str(v) for v in [*scenario.replies.values(), *scenario.equipment.values(),
                                     scenario.problem.get("summary") or "", scenario.title]
                    if v)


def judge_reformulation(scenario: Scenario, text: str) -> Verdict:
    """Whether the caller would confirm this reformulation: a sentence, in words the call
    used, saying every required fact with the caller's own sense (a server that does not
    start is not one that starts correctly)."""
    words = _words(text or "")
    if len(words) < 4:
        return Verdict(False, N_("a reformulation is a sentence that says the problem back"))
    if len(words) > _MAX_WORDS:
        return Verdict(False, N_("a reformulation is one or two sentences, not a list of "
                                 "everything that might match"))
    keywords = scenario.problem.get("keywords", [])
    options = [[name_key(o) for o in k.split("|") if o.strip()] for k in keywords]
    heard = set(_words(caller_words(scenario)))
    stems = {w[:5] for w in heard if len(w) >= 5}
    unknown = [w for w in words if w not in _FUNCTION_WORDS and w not in heard
               and not w.isdigit() and w[:5] not in stems
               and not any(_hits(o, w) for o in options)]
    if not _FUNCTION_WORDS & set(words) or len(unknown) * 3 > len(words):
        return Verdict(False, N_("the caller does not recognise what they said in it"))
    hits = [w for w in words if any(_hits(o, w) for o in options)]
    if len(hits) * 3 > len(words) * 2:
        return Verdict(False, N_("a list of key words is not a reformulation"))
    missing = [k for k, o in zip(keywords, options) if not _hits(o, name_key(text))]
    if missing:
        return Verdict(False, N_("it leaves out what the caller said"), missing)
    folded, theirs_all = name_key(text), name_key(caller_words(scenario))
    if any(phrase in folded and phrase not in theirs_all for phrase in _ALL_WELL):
        return Verdict(False, N_("it says all is well, when the caller reports a fault"))
    said = _tokens(" . ".join(filter(None, [scenario.replies.get("problem"),
                                           scenario.replies.get("greeting"),
                                           scenario.problem.get("summary")])))
    # Each word of a fact in the sense the caller gave it (their « hors ligne » is not
    # « pas hors ligne »); a word they never used is not compared.
    # Only the same word is compared (their « démarre » with yours, not with « démarrage »).
    for option in (o for option_list in options for o in option_list):
        theirs = _polarities([option], said)
        mine = _polarities([option], _tokens(text))
        if any(form in theirs and polarities - theirs[form]
               for form, polarities in mine.items()):
            return Verdict(False, N_("it says the opposite of what the caller said"))
    return Verdict(True)
