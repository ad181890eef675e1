"""What practice scores: the checklist questions, the choices offered, and the rule each
decision follows, with the section of the course document it comes from."""

from __future__ import annotations

from dataclasses import dataclass

from deskcli.i18n import N_

SCENARIO_DIR = "scenarios"
PRACTICE_DIR = "practice"
RESULTS = "practice_results"

# The checklist questions a student can ask, in the order of procedure §1; each reveals
# the caller's reply of the same name in the scenario.
QUESTIONS = {
    "greeting": N_("Greet the caller with the company's name"),
    "introduction": N_("Introduce yourself"),
    "caller": N_("Ask who is calling, and their role"),
    "organisation": N_("Ask which organisation they call from (or whether it is private)"),
    "contact": N_("Ask for a contact number or address"),
    "equipment": N_("Ask about the equipment and its environment"),
    "problem": N_("Ask the caller to describe the problem"),
    "contract": N_("Ask for the contract or warranty number"),
}
TREATMENTS = {
    "direct": N_("Treat it directly, now, at level 1"),
    "deferred": N_("Assign it to a colleague (deferred treatment)"),
    "transfer": N_("Transfer it to a specialist group"),
    "escalate": N_("Escalate it to the next level"),
    "intervene": N_("Request an on-site intervention"),
    "problem": N_("Requalify it as a problem"),
}
# The shipped specialist groups, named in the session's language (a desk's own stay as set).
GROUP_LABELS = {
    "network": N_("network"),
    "office-software": N_("office software"),
    "workstation": N_("workstation"),
    "server": N_("server"),
    "vendor": N_("vendor or manufacturer (level 3)"),
}
# The checklist steps the student says rather than asks: typed, and checked for the names.
SAID = ("greeting", "introduction")
# What the technician tells a caller whose call is not admissible.
TOLD = {
    "billing": N_("Explain that incidents are solved under a contract or warranty; otherwise "
               "it is a billed service that needs a purchase order (bon de commande)"),
    "free": N_("Promise to solve it anyway, free of charge this time"),
    "nothing": N_("End the call without explanation"),
}
# What the technician does with a caller who hung up while waiting.
ABANDONED = {
    "record": N_("Record it as an abandoned call (raccroché), with the number shown"),
    "ticket": N_("Open a ticket for it as for a call answered"),
    "ignore": N_("Nothing: the caller will call again"),
}


@dataclass(frozen=True)
class Rule:
    section: str
    text: str


# The one catalogue of what practice scores, each with the rule the feedback quotes.
RULES = {
    "greeting": Rule(N_("course « Identification de la demande » §3"),
                     N_("Pick up quickly and announce the name of the company you represent.")),
    "introduction": Rule(N_("course « Traiter un ticket d'incident » §2.1"),
                         N_("First identify yourself formally, then reassure the caller.")),
    "caller": Rule(N_("course « Traiter un ticket d'incident » §2.2, « Identification de la demande » §4"),
                   N_("Identify the caller and their role: it tells which service you owe them.")),
    "organisation": Rule(N_("course « Identification de la demande » §4"),
                         N_("Understand the caller's organisation: a company or a private "
                         "individual, and whether it is already in the repository.")),
    "contact": Rule(N_("course « Identification de la demande » §5"),
                    N_("Record the caller's contact: even a call you stop keeps it.")),
    "equipment": Rule(N_("course « Traiter un ticket d'incident » §2.2"),
                      N_("Identify the equipment: brand and model of the PC or device, network "
                      "type, operating system and software.")),
    "problem": Rule(N_("course « Traiter un ticket d'incident » §2.3"),
                    N_("Listen to the problem in the caller's own words before solving it.")),
    "contract": Rule(N_("course « Identification de la demande » §5"),
                     N_("Check the caller's contract or warranty in the repository.")),
    "reformulation": Rule(N_("course « Traiter un ticket d'incident » §2.3"),
                          N_("Make sure you understood: reformulate and have the caller confirm.")),
    "identification_time": Rule(N_("course « Traiter un ticket d'incident » §2.3"),
                                N_("Identifying the caller and the problem takes about 3 to 5 "
                                "minutes.")),
    "admissible": Rule(N_("course « Identification de la demande » §5"),
                       N_("A call is admissible under a valid contract or warranty; with none, or "
                       "out of warranty, the technician may stop the call.")),
    "told": Rule(N_("course « Identification de la demande » §5"),
                 N_("Before stopping a call, record the contact and the incident and explain that "
                 "incidents are solved under a contract, otherwise as a billed service that "
                 "needs a purchase order (bon de commande).")),
    "type": Rule(N_("course « Traiter un ticket d'incident » §2.5"),
                 N_("Call type: an incident (something broken) or a service request (a demand).")),
    "impact": Rule(N_("course « Traiter un ticket d'incident » §2.5.2.1"),
                   N_("Impact is how far the incident reaches: the whole company, a department "
                   "or a VIP, one user.")),
    "urgency": Rule(N_("course « Traiter un ticket d'incident » §2.5.2.2"),
                    N_("Urgency is how critical it is to the caller's work: blocked, degraded, "
                    "can live with it.")),
    "priority": Rule(N_("course « Traiter un ticket d'incident » §2.5.2.4"),
                     N_("The priority comes from the grid, impact x urgency: a mis-qualified "
                     "blocking outage is costly (« Traiter un ticket d'incident » §3).")),
    "kb": Rule(N_("course « Identification de la demande » §6"),
               N_("Before a transfer, consult the knowledge base for an identical incident.")),
    "treatment": Rule(N_("course « Traiter un ticket d'incident » §4"),
                      N_("Direct treatment within level 1's time; transfer what exceeds level-1 "
                      "skills (or a step-by-step procedure followed to its end); escalate a "
                      "level-1 problem not solved in time; send someone on site for an evident "
                      "hardware fault; an incident with no identifiable cause is a problem.")),
    "group": Rule(N_("course « Traiter un ticket d'incident » §4.3.3"),
                  N_("A transfer goes to the specialist group whose skills the problem needs "
                     "(network, server, office software, workstation…).")),
    "escalation_kind": Rule(N_("course « Identification de la demande » §6"),
                            N_("Functional (horizontal) escalation brings more specialised people "
                            "or access rights; hierarchical (vertical) escalation brings more "
                            "authority or resources.")),
    "request": Rule(N_("course « Traiter un ticket d'incident » §4.3.4"),
                    N_("An intervention request carries the caller's contact, the equipment "
                       "concerned and a precise diagnosis.")),
    "report": Rule(N_("course « Traiter un ticket d'incident » §6.5"),
                   N_("Every intervention gets a report by whoever did it: parts supplied, time "
                      "spent, what was done, the outcome, and the signatures.")),
    "diagnosis": Rule(N_("course « Traiter un ticket d'incident » §4.3.4"),
                      N_("An intervention request carries a precise diagnosis, so as not to send "
                      "the technician into the unknown.")),
    "level1_time": Rule(N_("course « Traiter un ticket d'incident » §2.5.1, §4.3.2"),
                        N_("Level 1 treats a call within about 10 minutes; past that, hand it over.")),
    "closing": Rule(N_("course « Traiter un ticket d'incident » §5.1"),
                    N_("Close only with a definitive solution: a loan keeps the call open, a "
                    "replacement closes it; the contract decides which it is.")),
    "abandoned": Rule(N_("course « Traiter un ticket d'incident » §4.3.2"),
                      N_("A caller who hangs up while waiting is an abandoned call (raccroché): "
                      "record it, it counts in the desk's indicators.")),
}
# The rules of the treatment choices, apart: "problem" is both a checklist question and a
# treatment, and each quotes its own rule.
TREATMENT_RULES = {
    "direct": Rule(N_("course « Traiter un ticket d'incident » §4.1"),
                   N_("A call is treated directly when the technician who qualified it takes it "
                   "in charge at once; most incidents must be solved at level 1.")),
    "deferred": Rule(N_("course « Traiter un ticket d'incident » §4.2"),
                     N_("A call assigned to someone else is treated deferred: the caller is "
                     "called back.")),
    "transfer": Rule(N_("course « Traiter un ticket d'incident » §4.3.3"),
                     N_("Transfer to a specialist when the problem exceeds level-1 skills, or when "
                     "a step-by-step procedure was followed to its end without success.")),
    "escalate": Rule(N_("course « Traiter un ticket d'incident » §4.3.3"),
                     N_("Escalate a level-1 problem that level 1 cannot finish: in its time (a "
                        "Word table of contents, for example), or without the access rights or "
                        "the authority it lacks — functional escalation for rights or skills, "
                        "hierarchical for authority or resources.")),
    "intervene": Rule(N_("course « Traiter un ticket d'incident » §4.3.4"),
                      N_("When the fault is evidently hardware, request an on-site intervention "
                      "with a precise diagnosis; without one, transfer to level 2.")),
    "problem": Rule(N_("course « Traiter un ticket d'incident » §4.4"),
                    N_("An incident whose cause cannot be identified is requalified as a problem.")),
}

CLOSING_LABEL = N_("May the call close?")
POINTS = {"admissible": 2, "impact": 2, "urgency": 2, "treatment": 3, "closing": 2,
          "abandoned": 3, "told": 2, "report": 2}


# The parts of the call procedure practice exercises, each with where the course says it:
# every one is exercised by at least one shipped scenario (a test holds it so). A scenario's
# own question names the part it exercises with `part`.
PARTS = {
    "greeting": "« Identification de la demande » §3",
    "identification": "« Traiter un ticket d'incident » §2.2",
    "reformulation": "« Traiter un ticket d'incident » §2.3",
    "promises": "« Traiter un ticket d'incident » §2.4",
    "admissibility": "« Identification de la demande » §5",
    "billed": "« Identification de la demande » §5",
    "other_contract": "« Identification de la demande » §5",
    "qualification": "« Traiter un ticket d'incident » §2.5",
    "vip": "« Traiter un ticket d'incident » §2.5.2.1",
    "requalification": "« Traiter un ticket d'incident » §3",
    "sla": "« Traiter un ticket d'incident » §2.5.2.4",
    "direct": "« Traiter un ticket d'incident » §4.1",
    "deferred": "« Traiter un ticket d'incident » §4.2",
    "level1_time": "« Traiter un ticket d'incident » §4.3.2",
    "kb": "« Identification de la demande » §6",
    "transfer": "« Traiter un ticket d'incident » §4.3.3",
    "escalate": "« Traiter un ticket d'incident » §4.3.3",
    "functional": "« Identification de la demande » §6",
    "hierarchical": "« Identification de la demande » §6",
    "level3": "« Traiter un ticket d'incident » §4.3.3",
    "intervene": "« Traiter un ticket d'incident » §4.3.4",
    "report": "« Traiter un ticket d'incident » §6.5",
    "signer": "« Traiter un ticket d'incident » §6.5",
    "inform_opener": "« Traiter un ticket d'incident » §6",
    "pending": "« Traiter un ticket d'incident » §4.3.2",
    "problem": "« Traiter un ticket d'incident » §4.4",
    "known_error": "« Traiter un ticket d'incident » §4.4",
    "closing": "« Traiter un ticket d'incident » §5",
    "loan": "« Traiter un ticket d'incident » §5.1",
    "who_closes": "« Traiter un ticket d'incident » §5",
    "abandoned": "« Traiter un ticket d'incident » §4.3.2",
    "callback": "« Traiter un ticket d'incident » §4.3.2",
    "channel": "« Traiter un ticket d'incident » §1.2",
    "individual": "« Identification de la demande » §4",
}
