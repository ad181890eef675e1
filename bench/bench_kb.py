"""Time `deskcli kb search` on a knowledge base of many articles.

    python bench/bench_kb.py [--articles 10000] [--runs 21]

Builds a repository holding the starter articles plus generated French articles, then
prints the median, min and max wall time of the real command for a few queries (plain,
without accents, with a typo, in English, a long one, a caller's spoken words, a problem
the base does not cover), each against the search's budget (1.1 x a bare `deskcli
--version`, timed in the same rounds, + 20 ms), and the time of the first search after a
change of the knowledge base file (the index rebuilt from kb.json).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from deskcli.core.knowledge import kb
from deskcli.core.app.desk import open_desk
from deskcli.core.model.search import INDEX_FILE
from deskcli.core.store.storage import KB_FILE
from timing import command, environment, report, scratch, timed

DEVICES = ["imprimante laser", "imprimante jet d'encre", "poste de travail", "ordinateur portable",
           "serveur de fichiers", "NAS de sauvegarde", "routeur", "borne Wi-Fi", "téléphone IP",
           "écran", "scanner", "onduleur", "clavier sans fil", "souris", "tablette", "switch"]
SOFTWARE = ["Outlook", "Thunderbird", "Word", "Excel", "LibreOffice Writer", "Firefox", "Chrome",
            "client VPN", "antivirus", "logiciel de comptabilité", "Teams", "Windows 11",
            "Windows Update", "pilote d'impression", "navigateur", "agenda partagé"]
SYMPTOMS = ["ne démarre plus", "affiche un message d'erreur", "est très lent", "se fige",
            "redémarre tout seul", "n'est plus reconnu", "perd la connexion", "refuse le mot de passe",
            "ne synchronise plus", "imprime des pages blanches", "fait un bruit anormal",
            "n'affiche plus rien", "demande une licence", "bloque l'ouverture des fichiers"]
CAUSES = ["mise à jour incomplète", "câble endommagé", "pilote obsolète", "disque plein",
          "certificat expiré", "configuration réseau modifiée", "profil utilisateur corrompu",
          "alimentation défaillante", "conflit d'adresse IP", "quota dépassé", "virus"]
STEPS = ["Redémarrer l'appareil", "Vérifier les câbles", "Mettre à jour le pilote",
         "Libérer de l'espace disque", "Renouveler le certificat", "Recréer le profil",
         "Changer l'adresse IP", "Lancer une analyse antivirus", "Réinstaller le logiciel",
         "Contacter le fournisseur", "Remplacer la pièce", "Restaurer la sauvegarde"]

QUERIES = {
    "plain": "imprimante hors ligne",
    "no accents": "ecran noir demarrage",
    "typo": "imprimnte bourage papier",
    "english": "outlook password locked",
    "long": "le poste de travail est très lent depuis la mise à jour de windows",
    "spoken": "bonjour j'ai plus de place sur mon ordi et ça rame depuis ce matin",
    "uncovered": "la machine à café fuit dans la cuisine",
}
# The search's time budget: its whole command within this of a bare `deskcli --version`.
BUDGET_FACTOR = 1.1
BUDGET_MS = 20


def article(number: int, rng: random.Random) -> dict:
    device, software = rng.choice(DEVICES), rng.choice(SOFTWARE)
    symptom, cause = rng.choice(SYMPTOMS), rng.choice(CAUSES)
    steps = rng.sample(STEPS, 4)
    return {
        "title": f"{device.capitalize()} {symptom} avec {software} (cas {number})",
        "symptoms": f"L'utilisateur signale que le {device} {symptom} quand il utilise {software}. "
                    f"Le problème est apparu après {rng.choice(CAUSES)}.",
        "cause": cause.capitalize() + ".",
        "resolution": "\n".join(f"{i}. {s}." for i, s in enumerate(steps, 1)),
        "tags": [device.split()[0], software.split()[0].lower()],
        "equipment": [device, software],
        "visibility": rng.choice(["internal", "faq"]),
    }


def build(home: Path, count: int) -> None:
    desk = open_desk(home, "alice")
    now = datetime.now(timezone.utc)
    kb.import_defaults(desk, now)
    rng = random.Random(20261125)
    with desk.repo.writing() as store:
        articles = store.side(KB_FILE)
        articles.insert_records(kb.ARTICLES, [
            kb.new_article(kb.validate(article(n, rng)), now, "alice") for n in range(count)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with scratch("deskcli-bench-kb-") as root:
        home = root / "repo"
        began = time.perf_counter()
        build(home, args.articles)
        size = (home / KB_FILE).stat().st_size / 1e6
        print(f"built {args.articles} articles (kb.json {size:.1f} MB) in "
              f"{time.perf_counter() - began:.1f} s; {os.cpu_count()} cores")
        env = environment(home)
        base = [*command(), "kb", "search"]
        # Interleaved, run by run, so that a busy moment of a shared machine weighs on
        # the start-up and the searches alike.
        runs = {label: [] for label in ["--version", *QUERIES]}
        for _ in range(args.runs):
            runs["--version"] += timed([*command(), "--version"], env, 1)
            for label, text in QUERIES.items():
                runs[label] += timed([*base, *text.split()], env, 1)
        start_up = report("deskcli --version (start-up, for scale)", runs["--version"])
        budget = BUDGET_FACTOR * start_up + BUDGET_MS
        medians = {label: report(f"kb search, {label}: {text!r}", runs[label])
                   for label, text in QUERIES.items()}
        over = [label for label, median in medians.items() if median > budget]
        print(f"median over the queries: {statistics.median(medians.values()):.1f} ms; budget "
              f"{BUDGET_FACTOR} x start-up + {BUDGET_MS} ms = {budget:.1f} ms: "
              + (f"over it: {', '.join(over)}" if over else "every query within it"))

        def drop_index() -> None:
            (home / INDEX_FILE).unlink(missing_ok=True)

        report("kb search after the index was dropped (rebuild)",
               timed([*base, "imprimante"], env, max(3, args.runs // 5), drop_index))


if __name__ == "__main__":
    main()
