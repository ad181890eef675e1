"""The values a technician chooses (impact, urgency, channel, kind of escalation...) and the
names that may be typed for each, in English and in French: the one table of aliases, read
by core to check options and piped records, by the prompts and by shell completion.

Stored tickets and --json always carry the English machine value; the French names are
ways to type it. Case, accents, spaces and underscores do not matter (`bloque`, `Bloqué`).
"""

from __future__ import annotations

from deskcli.core.base.errors import InvalidInput
from deskcli.core.base.names import name_key
from deskcli.i18n import N_, Join, language, say, term

# kind -> machine value -> (English names, French names); the first English name is the
# one shown to an English session, the first French name to a French one.
CHOICES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "type": {
        "incident": (("incident",), ("incident",)),
        "request": (("request", "service-request"), ("demande", "demande-de-service")),
    },
    "impact": {
        "company": (("company",), ("entreprise", "société")),
        "department": (("department", "vip"), ("service", "département")),
        "user": (("user",), ("utilisateur",)),
    },
    "urgency": {
        "blocked": (("blocked",), ("bloqué",)),
        "degraded": (("degraded",), ("ralenti", "dégradé")),
        "minor": (("minor", "can-live-with-it"), ("peut-vivre-avec", "mineur")),
    },
    "channel": {
        "phone": (("phone",), ("téléphone",)),
        "email": (("email", "e-mail"), ("courriel", "mél")),
        "chat": (("chat",), ("tchat", "messagerie")),
        "web": (("web",), ("formulaire",)),
        "walk-in": (("walk-in",), ("accueil", "visite")),
    },
    "org_kind": {
        "individual": (("individual",), ("particulier",)),
        "company": (("company",), ("entreprise", "société")),
    },
    "coverage": {
        "contract": (("contract",), ("contrat",)),
        "warranty": (("warranty",), ("garantie",)),
    },
    "escalation": {
        "functional": (("functional", "horizontal"), ("fonctionnelle", "horizontale")),
        "hierarchical": (("hierarchical", "vertical"), ("hiérarchique", "verticale")),
    },
    "visibility": {
        "internal": (("internal",), ("interne",)),
        "faq": (("faq", "public"), ("faq", "public")),
    },
    "article_kind": {
        "article": (("article",), ("article", "fiche")),
        "known_error": (("known-error",), ("erreur-connue",)),
    },
    "problem_status": {
        "open": (("open",), ("ouvert",)),
        "known_error": (("known-error",), ("erreur-connue",)),
    },
    "status": {
        "open": (("open",), ("ouvert",)),
        "pending": (("pending",), ("en-attente",)),
        "solved": (("solved",), ("résolu",)),
        "not_admissible": (("not_admissible",), ("non-recevable", "irrecevable")),
        "closed": (("closed",), ("clos", "clôturé")),
    },
    "sort": {
        "priority": (("priority",), ("priorité",)),
        "newest": (("newest",), ("récents",)),
        "oldest": (("oldest",), ("anciens",)),
    },
    "report_by": {
        "technician": (("technician",), ("technicien",)),
        "organisation": (("organisation", "organization"), ("organisation",)),
        "priority": (("priority",), ("priorité",)),
        "channel": (("channel",), ("canal",)),
    },
    # What a practice call's student decides (a file of answers, `deskcli practice`).
    "treatment": {
        "direct": (("direct",), ("direct",)),
        "deferred": (("deferred",), ("différé",)),
        "transfer": (("transfer",), ("transfert",)),
        "escalate": (("escalate", "escalation"), ("escalade",)),
        "intervene": (("intervene", "on-site"), ("intervention", "sur-site")),
        "problem": (("problem",), ("problème",)),
    },
    "told": {
        "billing": (("billing",), ("facturation", "bon-de-commande")),
        "free": (("free",), ("gratuit",)),
        "nothing": (("nothing",), ("rien",)),
    },
    "abandoned": {
        "record": (("record",), ("enregistrer",)),
        "ticket": (("ticket",), ("ticket",)),
        "ignore": (("ignore",), ("ignorer",)),
    },
    # The specialist groups shipped in settings.toml; a desk's own groups are typed as named.
    "group": {
        "network": (("network",), ("réseau",)),
        "office-software": (("office-software",), ("bureautique",)),
        "workstation": (("workstation",), ("poste-de-travail", "poste")),
        "server": (("server",), ("serveur",)),
        "vendor": (("vendor",), ("éditeur", "fournisseur")),
    },
    "ticket_format": {
        "text": (("text",), ("texte",)),
        "markdown": (("markdown",), ("markdown",)),
        "html": (("html",), ("html",)),
        "pdf": (("pdf",), ("pdf",)),
        "json": (("json",), ("json",)),
    },
    "desk_format": {
        "text": (("text",), ("texte",)),
        "html": (("html",), ("html",)),
        "pdf": (("pdf",), ("pdf",)),
        "csv": (("csv",), ("csv",)),
        "json": (("json",), ("json",)),
    },
}


def _key(text: str) -> str:
    return name_key(text).replace(" ", "-").replace("_", "-")


# kind -> typed name, folded -> machine value; built once per process.
_INDEX = {kind: {_key(name): value
                 for value, (english, french) in table.items()
                 for name in (value, *english, *french)}
          for kind, table in CHOICES.items()}


def names(kind: str, values: tuple[str, ...] | None = None) -> list[str]:
    """The names of a kind's values as the session reads them: French names in a French
    session, English ones otherwise."""
    french = language() == "fr"
    return [CHOICES[kind][v][1 if french else 0][0] for v in values or CHOICES[kind]]


def label(kind: str, value: str | None) -> str:
    """A machine value as the session names it (`blocked` is `bloqué` in French)."""
    if value is None or value not in CHOICES[kind]:
        return value or ""
    return CHOICES[kind][value][1 if language() == "fr" else 0][0]


def pick(kind: str, value: str | None, what: str, allowed: tuple[str, ...] | None = None) -> str:
    """The machine value for a name typed in either language; a clear refusal otherwise.

    `allowed` narrows the kind's values (an intervention report has no csv format)."""
    found = lookup(kind, value)
    if found is None or (allowed is not None and found not in allowed):
        # English where it is kept (a refused record reads the same in --json); the session's
        # names first where it is shown.
        values = allowed or tuple(CHOICES[kind])
        english = [CHOICES[kind][v][0][0] for v in values]
        french = [CHOICES[kind][v][1][0] for v in values]
        if [n for n in french if n not in english]:
            raise InvalidInput(say("{option}: {value!r} is not one of {choices} (also {others})",
                                   option=what, value=value,
                                   choices=_Names(english, french, first=True),
                                   others=_Names(english, french, first=False)),
                               value=value, limit=values)
        raise InvalidInput(say("{option}: {value!r} is not one of {choices}", option=what,
                               value=value, choices=", ".join(english)), value=value, limit=values)
    return found


# The shipped groups' names, for the catalog: a French session reads « réseau ».
GROUP_NAMES = (N_("network"), N_("office-software"), N_("workstation"), N_("server"), N_("vendor"))


def group_term(group: str):
    """A group inside a message: a shipped one in the session's language (shown later), a
    desk's own as it named it."""
    return term(group) if group in GROUP_NAMES else group


def lookup(kind: str, text: str | None) -> str | None:
    """The machine value a name typed in either language stands for, or None."""
    return _INDEX[kind].get(_key(text or ""))


class _Names(Join):
    """The names of a refusal's choices: the session's language first (`first`), then the
    other language's names that differ; English where the message is kept."""

    def __new__(cls, english: list[str], french: list[str], first: bool) -> "_Names":
        kept = english if first else [n for n in french if n not in english]
        self = super().__new__(cls, kept)
        self.english, self.french, self.first = english, french, first
        return self

    def shown(self) -> str:
        mine, other = (self.french, self.english) if language() == "fr" else (self.english, self.french)
        return ", ".join(mine if self.first else [n for n in other if n not in mine])

    def record(self) -> str:
        return str(self)


def completions(kind: str, incomplete: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    """Every name of the kind's values that starts like `incomplete`, the session's
    language first; accents and case are forgiven (`bloq` offers `bloqué`)."""
    french = language() == "fr"
    start = _key(incomplete or "")
    offered: list[str] = []
    for first in ((1, 0) if french else (0, 1)):
        for value in allowed or CHOICES[kind]:
            for name in CHOICES[kind][value][first]:
                if _key(name).startswith(start) and name not in offered:
                    offered.append(name)
    return offered


def completer(kind: str, allowed: tuple[str, ...] | None = None):
    """A shell completion function for an option whose values are of `kind`."""
    def complete(incomplete: str) -> list[str]:
        return completions(kind, incomplete, allowed)

    return complete
