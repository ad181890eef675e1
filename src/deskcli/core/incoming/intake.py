"""Tickets piped in by scripts and mail: JSON, JSON lines, CSV, one e-mail or a mailbox.

A batch is read and validated whole before anything is written, then written in one
locked, atomic change: another command sees all of it or none of it. Nothing of the
input ever reaches a shell; attachments are stored under names that cannot leave the
repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from deskcli.core.calls import tickets
from deskcli.core.base.clock import from_iso, to_iso
from deskcli.core.store.repository import Desk
from deskcli.core.base.errors import InvalidInput
from deskcli.core.model.workflow import CLOSED_STATUSES
from deskcli.i18n import fact, say, say_n, term

FORMATS = ("json", "jsonl", "csv", "email", "mbox")
MAIL_FORMATS = ("email", "mbox")
# The facts a piped record may carry: those of `deskcli open`, and when the call came in.
FIELDS = ("caller", "summary", "org", "org_kind", "role", "contact", "channel", "contract",
          "device", "os", "network", "software", "description", "reformulation", "billable",
          "purchase_order", "opened_at")
# A call typed into a form or a script is a written request unless it says otherwise.
DEFAULT_CHANNEL = "web"
# `--map COLUMN=-`: the column is left out.
IGNORED = "-"
# The sniffer reads this much of a CSV file: enough rows to see its quoting, not the whole.
_CSV_SAMPLE = 64 * 1024
# No record is this long; a longer line is refused before it is parsed.
MAX_RECORD_BYTES = 1_000_000
ATTACHMENTS_DIR = "attachments"
_TRUE = {"1", "true", "yes", "y", "oui", "o", "x"}
_FALSE = {"", "0", "false", "no", "n", "non"}


@dataclass
class Item:
    """One record of the input: where it was, and what it holds."""

    position: str
    kind: str  # "call" (facts), "ticket" (an exported ticket, whole) or "mail"
    data: Any
    facts: tickets.CallFacts | None = None
    # An exported ticket's own JSON text (a line): what the archive stores for it.
    text: str | None = None


@dataclass
class Rejected:
    """A record set aside, kept whole so that it can be fixed and piped in again: the
    record as read, or for mail the message's bytes (as text, or base64 when not UTF-8)."""

    position: str
    field: str | None
    reason: str
    data: Any = None

    def as_dict(self) -> dict:
        found = {"record": self.position, "field": self.field, "reason": self.reason,
                 "data": self.data}
        if isinstance(self.data, (bytes, bytearray)):
            try:
                found["data"] = bytes(self.data).decode("utf-8")
            except UnicodeDecodeError:
                import base64

                found["data"] = base64.b64encode(self.data).decode("ascii")
                found["data_encoding"] = "base64"
        return found


@dataclass
class Outcome:
    created: list[int] = field(default_factory=list)
    appended: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # Mail that is no call (auto-replies, bounces, invitations) naming no known ticket.
    not_calls: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "appended": self.appended,
                "duplicates": self.duplicates, "rejected": [r.as_dict() for r in self.rejected],
                "not_calls": [r.as_dict() for r in self.not_calls]}


# -- reading ---------------------------------------------------------------------


def _require_content(raw: bytes) -> None:
    if not raw.strip():
        raise InvalidInput(say("the input is empty: nothing to import"))


def guess_format(name: str | None, raw: bytes) -> str:
    """The format from the file name, else from the first bytes."""
    _require_content(raw)
    suffix = Path(name or "").suffix.lower()
    by_suffix = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
                 ".eml": "email", ".mbox": "mbox", ".mbx": "mbox"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if head.startswith(b"From "):
        return "mbox"
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{"):
        lines = [line for line in head.splitlines() if line.strip()]
        return "jsonl" if len(lines) > 1 and all(line.lstrip().startswith(b"{") for line in lines[1:2]) else "json"
    first = head.split(b"\n", 1)[0]
    if b":" in first and first.split(b":", 1)[0].replace(b"-", b"").isalnum():
        return "email"
    if b"," in first or b";" in first:
        return "csv"
    raise InvalidInput(say("cannot tell the format of the input: give {format_field} json, jsonl, csv, "
                       "email or mbox", format_field=fact("format")))


def _text(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8")
                          else encoding)
    except LookupError:
        raise InvalidInput(say("{encoding_field}: {value!r} is not an encoding Python knows",
                               value=encoding, encoding_field=fact("encoding"))) from None
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InvalidInput(say(
            "the input is not {encoding} text: byte {byte} on line {line} cannot be read; give "
            "its encoding with {encoding_field} (for example latin-1), or check that it is the file "
            "you meant", encoding=encoding, byte=f"0x{raw[exc.start]:02x}", line=line,
            encoding_field=fact("encoding"))) from None


def _json_error(exc: json.JSONDecodeError, where) -> str:
    return say("{where}: not valid JSON ({reason} at line {line}, column {column})", where=where,
               reason=exc.msg, line=exc.lineno, column=exc.colno)


def parse(raw: bytes, fmt: str, *, encoding: str = "utf-8",
          mapping: dict[str, str] | None = None, defaults: dict[str, str] | None = None,
          date_format: str | None = None) -> tuple[list[Item], list[Rejected]]:
    """The records of the input, each an item or the reason it cannot be read.

    `defaults` are facts for the records that do not give them (`--set`), `date_format`
    the strftime pattern of `opened_at` (`--date-format`)."""
    if fmt not in FORMATS:
        raise InvalidInput(say("{format_field}: {value!r} is not one of {choices}", value=fmt,
                               choices=", ".join(FORMATS), format_field=fact("format")))
    _require_content(raw)
    if fmt in MAIL_FORMATS:
        if mapping or defaults or date_format:
            raise InvalidInput(say("{map_field}, {ignore_field}, {set_field} and "
                                   "{date_format_field} go with JSON or CSV input; an e-mail's "
                                   "facts come from its headers",
                                   map_field=fact("map"), ignore_field=fact("ignore"),
                                   set_field=fact("set"), date_format_field=fact("date_format")))
        return _parse_mail(raw, fmt)
    text = _text(raw, encoding)
    reading = _Reading(defaults or {}, date_format)
    if fmt == "csv":
        return _parse_csv(text, mapping or {}, reading)
    if mapping:
        raise InvalidInput(say("{map_field} renames CSV columns; JSON records use the field names",
                               map_field=fact("map")))
    if fmt == "jsonl":
        items, rejected = [], []
        # Only a newline ends a record: str.splitlines() would also cut at U+0085 or U+2028,
        # which JSON text may hold as they are.
        lines = [(n, line.removesuffix("\r")) for n, line in enumerate(text.split("\n"), start=1)]
        lines = [(n, line) for n, line in lines if line.strip()]
        for start in range(0, len(lines), _CHUNK):
            _parse_lines(lines[start:start + _CHUNK], items, rejected, reading)
        return items, rejected
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(say("{problem}; nothing was imported",
                               problem=_json_error(exc, term("the input")))) from None
    except RecursionError:
        raise InvalidInput(say("{problem}; nothing was imported",
                               problem=_too_deep(term("the input")))) from None
    items, rejected = [], []
    records = document if isinstance(document, list) else [document]
    for number, record in enumerate(records, start=1):
        _classify(record, say("record {number}", number=number), items, rejected, reading)
    return items, rejected


# How many JSON lines are parsed by one call of the C parser: large enough to pay for the
# call, small enough that the joined text is not a second copy of the whole input.
_CHUNK = 1000


def _parse_lines(lines: list[tuple[int, str]], items: list[Item], rejected: list[Rejected],
                 reading: _Reading) -> None:
    records = _all_at_once(lines)
    for index, (number, line) in enumerate(lines):
        where = say("line {number}", number=number)
        if records is not None:
            _classify(records[index], where, items, rejected, reading, source=line)
            continue
        if len(line) > MAX_RECORD_BYTES:
            rejected.append(Rejected(where, None, say_n(
                "{where} is {count} character long; a record is at most {maximum}",
                "{where} is {count} characters long; a record is at most {maximum}",
                len(line), where=where, count=f"{len(line):,}",
                maximum=f"{MAX_RECORD_BYTES:,}")))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rejected.append(Rejected(where, None, _json_error(exc, where), line[:200]))
            continue
        except RecursionError:
            rejected.append(Rejected(where, None, _too_deep(where), line[:200]))
            continue
        _classify(record, where, items, rejected, reading, source=line)


def _all_at_once(lines: list[tuple[int, str]]) -> list | None:
    """Every line parsed in one call of the C parser when all are sound objects and none is
    too long (the usual case, ten times faster than a call per line); else None, and each
    line is read and judged on its own."""
    if not lines or any(len(line) > MAX_RECORD_BYTES or not line.lstrip().startswith("{")
                        for _, line in lines):
        return None
    try:
        records = json.loads("[" + ",".join(line for _, line in lines) + "]")
    except (json.JSONDecodeError, RecursionError):
        return None
    # Two objects on one line would parse here as two records: a count that does not
    # match means a line was not one object.
    return records if len(records) == len(lines) else None


def _too_deep(where) -> str:
    from deskcli.core.base.decoding import MAX_DEPTH

    return say("{where} is nested more than {depth} levels deep", where=where, depth=MAX_DEPTH)


@dataclass
class _Reading:
    """How records are read: facts given by default, and how dates are written."""

    defaults: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None


_PLAIN = _Reading()


def _classify(record: Any, where: str, items: list[Item], rejected: list[Rejected],
              reading: _Reading = _PLAIN, source: str | None = None) -> None:
    """`source` is the record's own JSON text when known (a line): what it cannot hold
    is not looked for in the parsed record."""
    if not isinstance(record, dict):
        rejected.append(Rejected(where, None, say("{where} is not a JSON object of fields",
                                                  where=where), record))
        return
    from deskcli.core.base.decoding import json_problem, possible_problems

    texts, nesting = possible_problems(source) if source is not None else (True, True)
    problem = json_problem(record, texts=texts, nesting=nesting)  # a lone surrogate or absurd nesting: nothing can store it
    if problem is not None:
        rejected.append(Rejected(where, problem[0], say("{where}: {field}: {reason}", where=where,
                                                        field=problem[0], reason=problem[1]), None))
        return
    try:
        if "id" in record and "history" in record:
            items.append(Item(where, "ticket", check_ticket(record),
                              text=source.strip() if source is not None else None))
        else:
            facts = {**reading.defaults, **{k: v for k, v in record.items()
                                            if v is not None and v != ""}}
            items.append(Item(where, "call", record,
                              facts=call_facts(facts, date_format=reading.date_format)))
    except InvalidInput as exc:
        rejected.append(Rejected(where, getattr(exc, "field", None),
                                 say("{where}: {reason}", where=where, reason=exc.args[0]), record))


def _canonical(header: str) -> str:
    return header.strip().lower().replace("-", "_").replace(" ", "_")


def _dialect(text: str):
    """The CSV dialect, sniffed from a sample of whole rows: the header line alone tells
    the delimiter but not how quotes are written (RFC 4180 doubles them)."""
    import csv

    sample = text[:_CSV_SAMPLE]
    if len(text) > _CSV_SAMPLE and "\n" in sample:
        sample = sample[:sample.rindex("\n") + 1]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        try:
            dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        except csv.Error:
            return csv.excel
    # A sniffed dialect may miss that quotes are doubled (no doubled quote in the sample)
    # or guess a stray escape character; spreadsheets and helpdesk exports write RFC 4180.
    dialect.doublequote = True
    dialect.escapechar = None
    dialect.quotechar = dialect.quotechar or '"'
    return dialect


def _parse_csv(text: str, mapping: dict[str, str],
               reading: _Reading = _PLAIN) -> tuple[list[Item], list[Rejected]]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InvalidInput(say("the CSV input has no header row ({reason})", reason=str(exc))) from None
    wanted = {_canonical(k): v for k, v in mapping.items()}
    columns = []
    unknown = []
    for name in header:
        target = wanted.get(_canonical(name), _canonical(name))
        if target != IGNORED and target not in FIELDS:
            unknown.append(name)
        columns.append(target)
    if unknown:
        raise InvalidInput(say(
            "CSV columns {columns} are not fields of a call; map each with {map_field} "
            "'COLUMN=field' (fields: {fields}), or leave it out with {ignore_field} COLUMN; "
            "nothing was imported",
            columns=", ".join(repr(u) for u in unknown), fields=", ".join(FIELDS),
            map_field=fact("map"), ignore_field=fact("ignore")))
    items, rejected = [], []
    row_number = 1
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_number += 1
            where = say("row {number} (line {line})", number=row_number, line=line)
            rejected.append(Rejected(where, None, say("{where}: {reason}", where=where,
                                                      reason=str(exc))))
            continue
        row_number += 1
        if not any(cell.strip() for cell in row):
            continue
        where = say("row {number} (line {line})", number=row_number, line=line)
        if len(row) != len(columns):
            cells = say_n("{count} cell", "{count} cells", len(row), count=len(row))
            rejected.append(Rejected(where, None, say(
                "{where} has {cells} for {columns}", where=where, cells=cells,
                columns=say_n("{count} column", "{count} columns", len(columns),
                              count=len(columns))), row))
            continue
        record = {c: v for c, v in zip(columns, row) if c != IGNORED and v.strip() != ""}
        _classify(record, where, items, rejected, reading)
    return items, rejected


def _parse_mail(raw: bytes, fmt: str) -> tuple[list[Item], list[Rejected]]:
    from deskcli.core.mailing import mail

    messages = mail.split_mbox(raw) if fmt == "mbox" else [raw]
    items, rejected = [], []
    for number, message in enumerate(messages, start=1):
        where = say("message {number}", number=number)
        try:
            parsed = mail.parse_message(message)
            # The facts are checked now, as a JSON record's are: a bad message is listed
            # before anything is written, not found while writing.
            tickets.validate(_mail_facts(parsed, None), label=lambda name: name)
            items.append(Item(where, "mail", parsed))
        except (mail.MailError, InvalidInput) as exc:
            rejected.append(Rejected(where, getattr(exc, "field", None),
                                     say("{where}: {reason}", where=where, reason=exc.args[0]),
                                     message))
    return items, rejected


# -- validating ------------------------------------------------------------------


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise tickets.FieldError(name, say("{field}: {value!r} is not true or false", field=name,
                                       value=value))


def _moment(value: Any, name: str, date_format: str | None = None) -> datetime:
    from deskcli.core.base.clock import now, parse_datetime

    if not isinstance(value, str):
        raise tickets.FieldError(name, say("{field}: {value!r} is not a date and time", field=name,
                                           value=value))
    if date_format:
        from datetime import timezone

        try:
            moment = datetime.strptime(value.strip(), date_format)
        except ValueError:
            raise tickets.FieldError(name, say(
                "{field}: {value!r} is not written as {date_format_field} {pattern!r} says",
                field=name, value=value, pattern=date_format,
                date_format_field=fact("date_format"))) from None
        # A time without an offset is the machine's local time, as `deskcli open` reads it.
        moment = (moment if moment.tzinfo else moment.astimezone()).astimezone(timezone.utc)
    else:
        try:
            moment = parse_datetime(value, name)
        except InvalidInput as exc:
            raise tickets.FieldError(name, exc.args[0]) from None
    if moment > now():
        raise tickets.FieldError(name, say("{field}: {value} is in the future", field=name,
                                           value=value))
    return moment


def call_facts(record: dict, date_format: str | None = None) -> tickets.CallFacts:
    """The facts of one piped call, checked as `deskcli open` checks its options."""
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise tickets.FieldError(unknown[0], say("{names}: not a field of a call (fields: {fields})",
                                                 names=", ".join(unknown), fields=", ".join(FIELDS)))
    values = dict(record)
    billable = _boolean(values.pop("billable", False), "billable")
    opened = values.pop("opened_at", None)
    values.setdefault("channel", DEFAULT_CHANNEL)
    facts = tickets.CallFacts(caller=values.pop("caller", None), summary=values.pop("summary", None),
                              billable=billable,
                              started_at=_moment(opened, "opened_at", date_format) if opened is not None else None,
                              **values)
    return tickets.validate(facts, label=lambda name: name)


def check_ticket(record: dict) -> dict:
    """An exported ticket, read back whole: it must have the shape every command relies on."""
    problems = tickets.shape_problems(record)
    if problems:
        raise tickets.FieldError(*problems[0])
    return record


# -- writing ---------------------------------------------------------------------


def import_batch(desk: Desk, items: list[Item], rejected: list[Rejected], *, now: datetime,
                 skip_invalid: bool = False) -> Outcome:
    """Write every good record in one change. With a record refused (when read, or by a
    rule while being written), nothing is written unless `skip_invalid`, which writes
    the good ones; the outcome lists the refused ones either way."""
    outcome = Outcome(rejected=list(rejected))
    if (rejected and not skip_invalid) or not items:
        return outcome
    written: list[Path] = []
    try:
        with desk.repo.writing() as store:
            for item in items:
                try:
                    if item.kind == "call":
                        outcome.created.append(tickets.record_call(
                            desk, store, item.facts, now,
                            history=[tickets.history_entry("piped_in", now, desk.technician)])["id"])
                    elif item.kind == "ticket":
                        outcome.created.append(_restore(store, item))
                    else:
                        _take_mail(desk, store, item, now, outcome, written)
                except InvalidInput as exc:
                    outcome.rejected.append(Rejected(
                        item.position, getattr(exc, "field", None),
                        say("{where}: {reason}", where=item.position, reason=exc.args[0]),
                        item.data if item.kind != "mail" else item.data.raw))
                    if not skip_invalid:
                        raise _Abort() from None
    except BaseException as exc:
        # Nothing of the batch was written: its attachments go too.
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(exc, _Abort):
            return Outcome(rejected=outcome.rejected)
        raise
    return outcome


class _Abort(Exception):
    """A record refused while the batch was being written: nothing of the batch is kept."""


def _restore(store, item: Item) -> int:
    ticket = dict(item.data)
    number = ticket["id"]
    if store.get_ticket(number) is not None or store.archived().get_ticket(number) is not None:
        raise tickets.FieldError("id", say("ticket #{number} already exists here; an export is read "
                                           "back into an empty repository (or one without these "
                                           "numbers)", number=number))
    from deskcli.core.calls import contracts

    org = ticket["organisation"]
    kind = org.get("kind") if org.get("kind") in contracts.ORG_KINDS else "company"
    contracts.remember_caller(store, contracts.ensure_organisation(store, org["name"], kind,
                                                                   from_iso(ticket["opened_at"])),
                              ticket["caller"])
    for request in ticket.get("interventions") or []:
        if isinstance(request.get("number"), int):
            store.reserve_counter("intervention", request["number"])
    archive = store.archived()
    for entry in ticket.get("history") or []:
        # The Message-IDs an export carries: the same mail piped again is a duplicate,
        # and a reply to it is added to this ticket.
        if isinstance(entry, dict) and isinstance(entry.get("message_id"), str) \
                and archive.message_ticket(entry["message_id"]) is None:
            archive.remember_message(entry["message_id"], number)
    if ticket["status"] in CLOSED_STATUSES:
        store.reserve_numbers(number)
        store.archived().update_ticket(ticket, text=item.text)
    else:
        store.insert_numbered_ticket(ticket)
    return number


def _sender(message) -> tuple[str, str | None]:
    name = (message.sender_name or "").strip()
    address = message.sender_address
    if not name and address:
        name = address.split("@", 1)[0]
    return name or "unknown sender", address


def _organisation_of(store, address: str | None) -> str | None:
    """The organisation a sender belongs to: by their address, else by its domain."""
    if not address:
        return None
    by_address, by_domain = store.memo(("senders",), lambda: _sender_index(store))
    return by_address.get(address) or by_domain.get(address.rsplit("@", 1)[-1])


def _sender_index(store) -> tuple[dict[str, str], dict[str, str]]:
    """Each known contact address, and each domain of a company's contact, to its
    organisation: built once per change, a batch of mail would otherwise read every
    directory once per message."""
    from deskcli.core.calls import contracts

    by_address: dict[str, str] = {}
    by_domain: dict[str, str] = {}
    for org in store.records(contracts.ORGANISATIONS):
        for caller in org.get("callers", []):
            contact = (caller.get("contact") or "").strip().lower()
            if "@" not in contact:
                continue
            by_address.setdefault(contact, org["name"])
            if org.get("kind") != "individual":
                by_domain.setdefault(contact.rsplit("@", 1)[-1], org["name"])
    return by_address, by_domain


def _store_attachments(desk: Desk, number: int, attachments, written: list[Path]) -> list[str]:
    """Write a message's attachments beside its ticket; returns their stored names."""
    import os

    from deskcli.core.base.errors import RepositoryError
    from deskcli.core.mailing.mail import unique_name

    if not attachments:
        return []
    from deskcli.core.base.paths import open_no_follow, private_directory

    folder = desk.home / ATTACHMENTS_DIR / str(number)
    stored = []
    try:
        private_directory(desk.home, ATTACHMENTS_DIR, str(number))  # a planted link is refused
        taken = {p.name for p in folder.iterdir()}
        for attachment in attachments:
            name = unique_name(attachment.filename, taken)
            target = folder / name
            if target.resolve().parent != folder.resolve():
                raise RepositoryError(say("attachment name {name!r} would leave {path}", name=name,
                                          path=str(folder)))
            fd = open_no_follow(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            written.append(target)
            with os.fdopen(fd, "wb") as handle:
                handle.write(attachment.data)
            stored.append(name)
    except OSError as exc:
        raise RepositoryError(say("cannot store the attachments of #{number} in {path}: {reason}",
                                  number=number, path=str(folder), reason=exc.strerror)) from None
    return stored


def _mail_facts(message, org: str | None) -> tickets.CallFacts:
    name, address = _sender(message)
    text = message.text or ""
    return tickets.CallFacts(
        caller=name[:200], contact=address, org=org,
        summary=(message.subject or "(no subject)")[:500], channel="email",
        description=text[:tickets.MAX_TEXT] or None)


def _mail_target(store, message) -> int | None:
    """The ticket a message belongs to: the one a message it answers or reports on was
    taken into, else the one its subject names ([#12])."""
    archive = store.archived()
    for reference in [*message.in_reply_to, *message.reported_ids]:
        target = archive.message_ticket(reference)
        if target is not None:
            return target
    if message.ticket_number is not None:
        if store.get_ticket(message.ticket_number) or archive.get_ticket(message.ticket_number):
            return message.ticket_number
    return None


def _take_mail(desk: Desk, store, item: Item, now: datetime, outcome: Outcome,
               written: list[Path]) -> None:
    from deskcli.core.calls import notices

    message = item.data
    archive = store.archived()
    if message.message_id and archive.message_ticket(message.message_id) is not None:
        outcome.duplicates.append(message.message_id)
        return
    target = _mail_target(store, message)
    name, address = _sender(message)
    text = message.text or ""
    if message.not_a_call and target is None:
        outcome.not_calls.append(Rejected(item.position, None, say(
            "{where}: not a call ({reason}), and it names no ticket known here",
            where=item.position, reason=message.not_a_call), message.raw))
        return
    long_text = len(text) > tickets.MAX_TEXT
    extra = []
    if long_text:
        from deskcli.core.mailing.mail import Attachment

        extra = [Attachment("message.txt", "text/plain", text.encode("utf-8"))]
    sent_at = to_iso(message.date) if message.date else None
    if target is not None:
        holder, ticket = tickets.held(desk, store, target)
        files = _store_attachments(desk, target, [*message.attachments, *extra], written)
        if message.not_a_call:
            entry = tickets.history_entry(
                "automatic_message", now, desk.technician, sender=name, address=address,
                subject=message.subject or None, reason=message.not_a_call,
                delivery=message.delivery or None, text=text[:tickets.MAX_TEXT] or None,
                message_id=message.message_id, attachments=files or None, sent_at=sent_at)
            notice = say("#{number}: an automatic message ({reason}) was added", number=target,
                         reason=message.not_a_call)
        else:
            entry = tickets.history_entry(
                "message", now, desk.technician, sender=name, address=address,
                subject=message.subject or None, text=text[:tickets.MAX_TEXT] or None,
                message_id=message.message_id, attachments=files or None, sent_at=sent_at,
                auto_submitted=message.auto_submitted)
            notice = say("#{number}: a message from {name} was added", number=target, name=name)
        ticket["history"].append(entry)
        if files:
            ticket["attachments"] = [*(ticket.get("attachments") or []), *files]
        tickets.tell(desk, store, ticket, ticket["history"][-1:])
        holder.update_ticket(ticket)
        # The message is the sender's, not the technician's who runs the mail filter: the
        # opener is told even when the filter runs under their own name.
        notices.leave(store, ticket, to=ticket["opener"], by=address or name, now=now,
                      text=notice)
        outcome.appended.append(target)
    else:
        facts = tickets.validate(_mail_facts(message, _organisation_of(store, address)),
                                 label=lambda field_name: field_name)
        received = tickets.history_entry(
            "message", now, desk.technician, sender=name, address=address,
            subject=message.subject or None, message_id=message.message_id, sent_at=sent_at,
            auto_submitted=message.auto_submitted)
        ticket = tickets.record_call(desk, store, facts, now, history=[received])
        target = ticket["id"]
        if address:
            store.memo(("senders",), lambda: _sender_index(store))[0].setdefault(
                address, ticket["organisation"]["name"])
        files = _store_attachments(desk, target, [*message.attachments, *extra], written)
        if files:
            ticket["attachments"] = files
            received["attachments"] = files
            store.update_ticket(ticket)
        outcome.created.append(target)
    if message.message_id:
        archive.remember_message(message.message_id, target)
