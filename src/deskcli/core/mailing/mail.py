"""One e-mail (RFC 5322) read into the facts of a ticket, with the standard library only.

Mail arrives from anywhere: odd charsets, encoded or raw 8-bit headers, HTML-only bodies,
broken MIME, hostile attachment names. Everything here decodes what it can, replaces what
it cannot, and never lets a name reach outside the folder it is stored in.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import Message as _EmailPart
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from deskcli.i18n import say

MAX_FILENAME = 120
# Header values are capped before they are stored: the summary and each history entry
# keep this much, the whole message is kept as an attachment.
MAX_SUBJECT = 500
MAX_NAME = 200
# RFC 5322's longest line; a longer Message-ID is no identifier.
MAX_HEADER = 998
MAX_REFERENCES = 100_000
# 120 characters of a non-Latin script can pass the 255-byte name limit of most file systems.
_MAX_FILENAME_BYTES = 240
_MAX_EXTENSION = 16

_TICKET_TAG = re.compile(r"\[\s*(?:[\w.-]+\s*)?#([0-9]{1,9})\s*\]")
# Real header names are letters, digits and hyphens; a stricter test than RFC 5322 keeps
# JSON ('{"caller": ...') and prose ("Note: ...") apart from mail often enough.
_HEADER_LINE = re.compile(rb"^[A-Za-z0-9][A-Za-z0-9_.-]*[ \t]*:")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_WINDOWS_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_ESCAPED_FROM = re.compile(rb"^>+From ")
# A header block longer than this after a "From " line is not looked at further.
_MAX_HEADER_LINES = 500
_BODY_TYPES = ("text/plain", "text/html")
_SPACE_BEFORE_COLON = re.compile(rb"^([A-Za-z0-9][A-Za-z0-9_.-]*)[ \t]+:")
_LEADING_BLANK_LINES = re.compile(rb"\A(?:[ \t]*\r?\n)+")
# Header names that any real message carries at least one of, right after its mbox line.
_STANDARD_HEADER = re.compile(
    rb"^(from|to|cc|subject|date|received|return-path|message-id|delivered-to|mime-version|"
    rb"content-type|sender|reply-to)[ \t]*:", re.IGNORECASE)
_BARE_ADDRESS = re.compile(r"[^\s<>@,;:\"]+@[^\s<>@,;:\"]+")


class MailError(ValueError):
    """Input that is not an e-mail at all."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Message:
    message_id: str | None
    in_reply_to: list[str]
    subject: str
    sender_name: str | None
    sender_address: str | None
    date: datetime | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    ticket_number: int | None = None
    raw: bytes = b""
    # Why this message opens no call (an auto-reply, a bounce, an invitation), or None.
    not_a_call: str | None = None
    # A delivery report's recipients (status, action, diagnostic) and the Message-IDs of
    # the message it reports on.
    delivery: list[dict] = field(default_factory=list)
    reported_ids: list[str] = field(default_factory=list)
    # Headers too long to store whole: the whole message is then an attachment.
    capped: list[str] = field(default_factory=list)
    # Why no robot should answer it (RFC 3834, or a list's mail), or None for a person's.
    auto_submitted: str | None = None


# -- file names -----------------------------------------------------------------------------

def _fit(stem: str, extension: str, suffix: str = "") -> str:
    """stem + suffix + extension within the length limits, cutting the stem only."""
    room = MAX_FILENAME - len(suffix) - len(extension)
    stem = stem[:max(room, 1)]
    while len(stem) > 1 and len((stem + suffix + extension).encode("utf-8")) > _MAX_FILENAME_BYTES:
        stem = stem[:-1]
    return stem + suffix + extension


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if dot and stem and 0 < len(extension) <= _MAX_EXTENSION:
        return stem, "." + extension
    return name, ""


def safe_filename(name: str | None, fallback: str = "attachment") -> str:
    """A file name that stays in its folder: last path part, no control characters, no
    leading dots, only letters, digits and " -_.+", at most 120 characters."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    # Category C: controls, NUL, and format marks such as the right-to-left override
    # that would make "exe.pdf" display as something else.
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    # Windows drops trailing dots and spaces itself: "x.exe." would be stored as "x.exe".
    text = text.strip(". ")
    text = "".join(c if unicodedata.category(c)[0] in "LMN" or c in " -_.+" else "_" for c in text)
    if _WINDOWS_DEVICE.match(text):
        text = "_" + text
    if not text:
        return fallback
    return _fit(*_split_extension(text))


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or name-2.ext, name-3.ext... whichever is not taken yet; now taken.

    Compared without case: on macOS and Windows "Report.pdf" and "report.pdf" are one file."""
    folded = {t.casefold() for t in taken}
    stem, extension = _split_extension(name)
    candidate, counter = name, 2
    while candidate.casefold() in folded:
        candidate = _fit(stem, extension, f"-{counter}")
        counter += 1
    taken.add(candidate)
    return candidate


# -- HTML -----------------------------------------------------------------------------------

class _TextOfHtml(HTMLParser):
    _LINE = {"div", "tr", "li", "ul", "ol", "table", "hr", "pre", "blockquote"}
    _PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
    _HIDDEN = {"script", "style", "title", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.pre = 0

    def _last(self) -> str:
        return self.parts[-1][-1:] if self.parts else "\n"

    def _new_line(self) -> None:
        if self._last() != "\n":
            self.parts.append("\n")

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in self._LINE:
            self._new_line()
            if tag == "li":
                self.parts.append("- ")
            elif tag == "pre":
                self.pre += 1
        elif tag in ("td", "th") and self._last() not in ("\n", " "):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in self._LINE:
            self._new_line()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data):
        if self.hidden:
            return
        if not self.pre:
            # Outside <pre>, HTML source line breaks and indentation are only spaces.
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
            if self._last() in ("\n", " "):
                data = data.lstrip(" ")
        if data:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: no scripts or styles, one line per block, "- " items."""
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # a parser refusal of broken markup: keep the text read so far
        pass
    lines = [line.replace("\xa0", " ").rstrip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# -- bytes and charsets ---------------------------------------------------------------------

def _windows_1252_for_bad_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    # Only the bytes that are not UTF-8 are read as Windows-1252: a part that is UTF-8
    # but for one stray byte keeps every other letter as written.
    bad = error.object[error.start:error.end]
    return bad.decode("windows-1252", errors="replace"), error.end


codecs.register_error("deskcli-windows-1252", _windows_1252_for_bad_bytes)


def _codec(charset: str | None) -> str | None:
    """The Python codec of a MIME charset name, including names mailers write that Python
    does not know as such ("iso-8859-8-i", "x-sjis"); None when unknown or absent."""
    name = (charset or "").strip().strip("\"'").lower().replace("_", "-")
    for candidate in (name, re.sub(r"-[ie]$", "", name), name.removeprefix("x-")):
        if not candidate:
            continue
        try:
            info = codecs.lookup(candidate)
        except LookupError:
            continue
        if info._is_text_encoding:  # not "base64" or "rot13", which name no charset
            return info.name
    return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of bytes in a declared charset: strict in that charset, else UTF-8 if they are
    (a mislabelled part), else UTF-8 with each byte that is not UTF-8 read as Windows-1252."""
    codec = _codec(charset)
    if codec and codec not in ("utf-8", "ascii"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                return data.decode(codec, errors="replace")
    return data.decode("utf-8", errors="deskcli-windows-1252")


# -- headers --------------------------------------------------------------------------------

def _raw_header(message: _EmailPart, name: str, limit: int | None = None) -> str | None:
    """The header as written, unfolded, raw 8-bit bytes decoded; cut at `limit` characters
    before any decoding work (a 10 MB header is an attack, not a subject)."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            value = str(value)
            if limit is not None:
                value = value[:limit]
            value = re.sub(r"\r?\n(?=[ \t])", "", value)
            if any("\udc80" <= c <= "\udcff" for c in value):
                # Raw 8-bit bytes (a mailer that skipped RFC 2047), kept as surrogates.
                value = decode_bytes(value.encode("utf-8", "surrogateescape"))
            return value
    return None


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)[ \t\r\n]+(?==\?[^?\s]+\?[bBqQ]\?)")


def _encoded_word(found: re.Match) -> str:
    import base64
    import binascii
    import quopri

    charset, encoding, text = found.group(1).split("*", 1)[0], found.group(2).upper(), found.group(3)
    try:
        if encoding == "B":
            data = base64.b64decode(text + "=" * (-len(text) % 4))
        else:
            data = quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return found.group(0)
    return decode_bytes(data, charset)


def decode_words(value: str) -> str:
    """A header's text with its RFC 2047 encoded words decoded, in any charset; the text
    around them is left as written (backslashes of a Windows path included), and the
    space between two encoded words is dropped, as the RFC says."""
    return _ENCODED_WORD.sub(_encoded_word, _BETWEEN_WORDS.sub(r"\1", value))


def _text_header(message: _EmailPart, name: str, limit: int) -> tuple[str, bool]:
    """The decoded text of a header, at most `limit` characters, and whether it was cut."""
    # Room for encoded words: base64 of UTF-8 takes about 4 characters a letter, and each
    # word adds its =?charset?b? frame.
    value = _raw_header(message, name, limit=limit * 16)
    if value is None:
        return "", False
    text = " ".join(decode_words(value).replace("\x00", "\ufffd").split())
    if len(text) > limit:
        return text[:limit].rstrip(), True
    return text, False


def _sender(message: _EmailPart) -> tuple[str | None, str | None]:
    value = _raw_header(message, "From", limit=MAX_HEADER)
    if not value:
        return None, None
    try:
        addresses = getaddresses([value])
    except Exception:  # the address parser gives up on some malformed values
        addresses = []
    addresses = [(n, a) for n, a in addresses if n or a]
    if not addresses:
        found = _BARE_ADDRESS.search(value)
        if not found:
            return None, None
        addresses = [("", found.group(0))]
    name, address = next(((n, a) for n, a in addresses if "@" in a), addresses[0])
    name = " ".join(decode_words(name or "").replace("\x00", "\ufffd").split())[:MAX_NAME] or None
    address = str(address or "").strip().lower()
    if not _usable(address):
        # The address parser gives up on some forms ("a@x.example b@x.example"): the
        # first token shaped as an address is still the sender's.
        found = _BARE_ADDRESS.search(value)
        address = found.group(0).strip().lower() if found else ""
    return name, (address if _usable(address) else None)


def _usable(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain and "@" not in local and len(address) <= 254)


def _date(message: _EmailPart) -> datetime | None:
    value = _raw_header(message, "Date", limit=MAX_HEADER)
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value.strip())
    except Exception:  # absent, unparseable, or a year datetime cannot hold
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _ids(message: _EmailPart, name: str) -> list[str]:
    value = _raw_header(message, name, limit=MAX_REFERENCES) or ""
    found = _MESSAGE_ID.findall(value)
    if not found:
        # Some mailers drop the angle brackets.
        found = [t.strip("<>") for t in re.split(r"[\s,]+", value)]
    return [i for i in found if i and len(i) <= MAX_HEADER]


def _param(part: _EmailPart, header: str, name: str) -> str | None:
    r"""A parameter as the sender wrote it. The library's readers cut an unquoted value at a
    space or an "=" (`filename=Monthly report.pdf`) and read backslashes in a quoted one
    as escapes (`"C:\TEMP\x.png"`); RFC 2231 values (`name*=`) are left to them."""
    value = _raw_header(part, header, limit=MAX_HEADER * 4)
    if value is None or re.search(rf";\s*{name}\*", value, re.IGNORECASE):
        return None
    found = re.search(rf';\s*{name}\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;]*))', value, re.IGNORECASE)
    if not found:
        return None
    if found.group(1) is not None:
        # Only \" and \\ are escapes: Windows paths keep their backslashes.
        text = re.sub(r'\\(["\\])', r"\1", found.group(1))
    else:
        text = found.group(2).strip()
    return decode_words(text) or None


# -- machine mail ---------------------------------------------------------------------------

_NOT_AUTOMATIC = {"", "no"}
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-AutoReply-From", "X-Mail-Autoreply",
                      "X-FC-MachineGenerated")
# The prefixes mailers put on the subject of an automatic reply: a person does not start a
# subject with "Automatic reply:".
_AUTOREPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|auto[- ]?response|out of (the )?office( reply)?|"
    r"r[ée]ponse automatique|abwesenheitsnotiz)\s*:", re.IGNORECASE)
# What a bounce says of itself; taken as one only from a postmaster address, since a
# person may well write "Undeliverable mail since this morning" to a hotline.
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(delivery status notification|undeliverable|undelivered mail returned to sender|"
    r"mail delivery failed|returned mail|failure notice|delivery failure)\b", re.IGNORECASE)
_DAEMONS = {"mailer-daemon", "mail-daemon", "maildaemon"}
_POSTMASTERS = {"postmaster", "mailer", "mail-delivery-system"}


def _header_text(message: _EmailPart, name: str) -> str:
    return " ".join(decode_words(_raw_header(message, name, limit=MAX_HEADER) or "").split())


def auto_submitted(message: _EmailPart) -> str | None:
    """Why a message was written by a machine, not a person, or None for a person's.

    Such mail is never answered (an answer to an auto-reply loops) and never opens a call:
    RFC 3834 `Auto-Submitted`, `Precedence: bulk|junk|list|auto_reply`, the auto-reply
    headers mailers add, delivery and disposition reports (RFC 3464, 8098), a null
    return path, mail from MAILER-DAEMON, and the subjects auto-replies are sent with."""
    automatic = _header_text(message, "Auto-Submitted").lower()
    if automatic.split(";")[0].strip() not in _NOT_AUTOMATIC:
        return f"Auto-Submitted: {automatic}"
    try:
        content_type = message.get_content_type()
        report = message.get_param("report-type") if content_type == "multipart/report" else None
    except Exception:  # a Content-Type the library cannot read is no report
        content_type, report = "text/plain", None
    if content_type == "multipart/report":
        return f"report: {report or 'unknown'}"
    if content_type == "message/delivery-status":
        return "report: delivery-status"
    precedence = _header_text(message, "Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _AUTOREPLY_HEADERS:
        if _raw_header(message, name) is not None:
            return name
    if (_raw_header(message, "Return-Path") or "").strip() == "<>":
        return "Return-Path: <>"
    address = _sender(message)[1] or ""
    local = address.split("@", 1)[0]
    if local in _DAEMONS:
        return f"From: {address}"
    subject = _header_text(message, "Subject")
    if _AUTOREPLY_SUBJECT.match(subject) or (local in _POSTMASTERS and _BOUNCE_SUBJECT.match(subject)):
        return "Subject: " + subject[:80]
    return None


def _invitation(message: _EmailPart) -> str | None:
    for part in message.walk():
        try:
            if part.get_content_type() == "text/calendar":
                method = (part.get_param("method") or "").upper()
                if method and method != "PUBLISH":
                    return f"calendar {method.lower()}"
        except Exception:  # unreadable parameters: not an invitation we can tell
            continue
    return None


def _delivery(message: _EmailPart) -> tuple[list[dict], list[str]]:
    """What a delivery report says of each recipient (status, action, diagnostic), and the
    Message-IDs of the message it reports on."""
    recipients: list[dict] = []
    original: list[str] = []
    for part in message.walk():
        try:
            content_type = part.get_content_type()
        except Exception:  # unreadable part headers
            continue
        if content_type == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, str):
                blocks = [BytesParser(policy=policy.compat32).parsebytes(
                    chunk.encode("utf-8", "surrogateescape"))
                    for chunk in re.split(r"\r?\n\r?\n", blocks) if chunk.strip()]
            for block in blocks[1:] if len(blocks) > 1 else blocks:
                fields = {key: _header_text(block, header)[:MAX_NAME] for key, header in (
                    ("recipient", "Final-Recipient"), ("original_recipient", "Original-Recipient"),
                    ("action", "Action"), ("status", "Status"), ("diagnostic", "Diagnostic-Code"))}
                fields = {k: v.split(";", 1)[-1].strip() if k.endswith("recipient") else v
                          for k, v in fields.items() if v}
                if fields.get("recipient") or fields.get("status"):
                    recipients.append(fields)
        elif content_type in ("message/rfc822", "text/rfc822-headers") and part is not message:
            inner = part.get_payload()
            if isinstance(inner, list):
                inner = inner[0] if inner else None
            elif isinstance(inner, str):
                inner = BytesParser(policy=policy.compat32).parsebytes(
                    inner.encode("utf-8", "surrogateescape"), headersonly=True)
            if inner is not None:
                original += _ids(inner, "Message-ID")
    return recipients, original


# -- body and attachments -------------------------------------------------------------------

def _leaves(part: _EmailPart):
    """The parts that carry content, in order; a forwarded message is one, not opened."""
    if part.get_content_type() != "message/rfc822" and part.is_multipart():
        for inner in part.get_payload():
            yield from _leaves(inner)
    else:
        yield part


def _payload(part: _EmailPart) -> bytes:
    try:
        return part.get_payload(decode=True) or b""
    except Exception:  # a transfer encoding the library cannot undo
        payload = part.get_payload()
        return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _as_bytes(message: _EmailPart) -> bytes:
    for writer in (policy.compat32, policy.default):
        try:
            return message.as_bytes(policy=writer)
        except Exception:  # headers one writer cannot fold, the other writes as read
            continue
    return b""


def _part_text(part: _EmailPart) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:  # a charset parameter the library cannot read
        charset = None
    return decode_bytes(_payload(part), charset)


def _describe(part: _EmailPart) -> tuple[str, str | None, str | None]:
    """Content type, disposition and file name of a part, whatever its headers hold."""
    try:
        content_type = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            content_type = "text/plain"  # a multipart without boundaries: its text is the body
        disposition = part.get_content_disposition()
    except Exception:  # headers the library cannot parse: keep the part as unnamed data
        return "application/octet-stream", "attachment", None
    name = _param(part, "Content-Disposition", "filename") or _param(part, "Content-Type", "name")
    if name is None:
        try:
            name = part.get_filename()  # RFC 2231 forms
        except Exception:  # a malformed RFC 2231 value
            name = None
    return content_type, disposition, name


def _extension(content_type: str) -> str:
    import mimetypes

    if content_type in ("message/delivery-status", "text/rfc822-headers") or \
            content_type.startswith("text/"):
        return mimetypes.guess_extension(content_type) or ".txt"
    return mimetypes.guess_extension(content_type) or ".bin"


def _attachment(part: _EmailPart, content_type: str, filename: str | None) -> Attachment:
    if content_type == "message/rfc822" and isinstance(part.get_payload(), list) and part.get_payload():
        inner = part.get_payload()[0]
        data = _as_bytes(inner)
        # A subject is no path: "Panne / urgent" names "Panne _ urgent.eml", not "urgent.eml".
        subject = re.sub(r"[/\\]", "_", _text_header(inner, "Subject", MAX_SUBJECT)[0])
        default = safe_filename(subject, "message")[:MAX_FILENAME - 4] + ".eml"
    else:
        data = _payload(part)
        default = "attachment" + _extension(content_type)
    return Attachment(safe_filename(filename, default), content_type, data)


def _read(message: _EmailPart, raw: bytes) -> Message:
    subject, long_subject = _text_header(message, "Subject", MAX_SUBJECT)
    name, address = _sender(message)
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in _leaves(message):
        content_type, disposition, filename = _describe(part)
        if content_type in _BODY_TYPES and disposition != "attachment":
            (plain if content_type == "text/plain" else html).append(_part_text(part))
            continue
        # Unnamed non-text parts are kept too: a scanner's PDF may be the reason for the call.
        attachment = _attachment(part, content_type, filename)
        if attachment.data or filename:
            attachments.append(attachment)
    capped = [header for header in ("Subject", "From", "Message-ID", "References", "In-Reply-To")
              if len(_raw_header(message, header, limit=MAX_REFERENCES + 1) or "") > MAX_REFERENCES]
    if long_subject and "Subject" not in capped:
        capped.append("Subject")
    if capped:
        # The summary and the history keep a capped header; the message stays whole here.
        attachments.append(Attachment("message.eml", "message/rfc822", raw))
    taken: set[str] = set()
    for attachment in attachments:
        attachment.filename = unique_name(attachment.filename, taken)
    texts = [t for t in plain if t.strip()] or [html_to_text(h) for h in html]
    # A NUL is no text (some mailers pad with them): shown as U+FFFD, as PostgreSQL must
    # store it, so that the message is taken whole on both backends.
    text = "\n\n".join(t.replace("\r\n", "\n").replace("\x00", "\ufffd").lstrip("\ufeff").strip("\n")
                       for t in texts if t.strip())
    machine = auto_submitted(message)
    # Why the message opens no call: machine mail, or a calendar invitation.
    reason = machine or _invitation(message)
    if not (name or address) and not subject and not text.strip() and not attachments \
            and not reason:
        raise MailError(say("the message has no sender, no subject and no body"))
    references: list[str] = []
    for reference in _ids(message, "In-Reply-To") + _ids(message, "References"):
        if reference not in references:
            references.append(reference)
    own = _ids(message, "Message-ID")
    tag = _TICKET_TAG.search(subject)
    delivery, original = _delivery(message) if reason else ([], [])
    return Message(
        message_id=own[0] if own else None,
        in_reply_to=references,
        subject=subject,
        sender_name=name,
        sender_address=address,
        date=_date(message),
        text=text.rstrip(),
        attachments=attachments,
        ticket_number=int(tag.group(1)) if tag else None,
        raw=raw,
        not_a_call=reason,
        delivery=delivery,
        reported_ids=[i for i in original if i not in references],
        capped=capped,
        # Why no automatic message may answer it (RFC 3834 §2): a machine's mail, or a
        # list's, whose answer would go to everyone on it; None for a person's own mail.
        auto_submitted=machine or next((header for header in ("List-Id", "List-Unsubscribe")
                                        if _raw_header(message, header) is not None), None),
    )


def _repair_header_block(raw: bytes) -> bytes:
    """Headers with a continuation line that some relays write unfolded (no leading space):
    the parser would end the headers there and lose From, Subject and Message-ID below it.
    A line that is not a header, inside the header block and followed by more headers,
    is folded back into the header above it."""
    end = re.search(rb"\r?\n\r?\n", raw)
    head = raw[:end.start()] if end else raw
    lines = head.split(b"\n")
    repaired = False
    for index in range(len(lines)):
        line = lines[index]
        spaced = _SPACE_BEFORE_COLON.match(line)
        if spaced:
            # RFC 5322's obsolete syntax ("Subject : x"), which the parser reads as a body.
            lines[index] = spaced.group(1) + b":" + line[spaced.end():]
            repaired = True
            continue
        if index == 0 or not line.strip() or line[:1] in (b" ", b"\t") or _HEADER_LINE.match(line):
            continue
        if any(_HEADER_LINE.match(later) for later in lines[index + 1:]):
            lines[index] = b" " + line
            repaired = True
    if not repaired:
        return raw
    return b"\n".join(lines) + (raw[end.start():] if end else b"")


class _Unfolded(policy.Compat32):
    """compat32, with each header value unfolded when it is read: a quoted boundary folded
    over two lines ("simple\\n boundary") is then one boundary, as RFC 5322's unfolding
    says, where compat32 alone would look for a boundary holding a line break."""

    def header_fetch_parse(self, name, value):
        return super().header_fetch_parse(name, _FOLD.sub("", value))


_FOLD = re.compile(r"\r?\n(?=[ \t])")
_READING = _Unfolded()


def parse_message(raw: bytes) -> Message:
    """The facts of one e-mail; MailError (with the reason) for input that is not one."""
    if not isinstance(raw, (bytes, bytearray)):
        raise MailError(say("an e-mail is read from bytes"))
    whole = bytes(raw)
    # Lines of nothing but spaces before the headers, as some gateways write them.
    raw = _LEADING_BLANK_LINES.sub(b"", whole.removeprefix(b"\xef\xbb\xbf"))
    if not raw.strip():
        raise MailError(say("the message is empty"))
    if raw.startswith(b"From "):
        # The separator line of an mbox file, not a header.
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    if not _HEADER_LINE.match(raw.split(b"\n", 1)[0]):
        raise MailError(say("this is not an e-mail: it does not start with a header such as From: "
                            "or Subject:"))
    try:
        # compat32 (unfolded) reads the structure of real mail better than policy.default,
        # measured on the corpus in tests/data: unquoted boundaries holding "=", unquoted
        # file names with spaces, Windows paths in quoted names. Headers are decoded here.
        return _read(BytesParser(policy=_READING).parsebytes(_repair_header_block(raw)), whole)
    except MailError:
        raise
    except Exception as exc:  # whatever else odd input provokes in the mail library
        raise MailError(say("the message cannot be read ({reason})",
                            reason=f"{type(exc).__name__}: {exc}")) from None


def _starts_message(lines: list[bytes], index: int) -> bool:
    """Whether the "From " line at `index` starts a message: the lines after it, up to the
    first blank one, are a header block holding at least one header every message has."""
    standard = False
    for line in lines[index + 1:index + 1 + _MAX_HEADER_LINES]:
        if not line.strip():
            return standard
        if line[:1] in (b" ", b"\t"):
            continue
        if not _HEADER_LINE.match(line):
            return False
        standard = standard or bool(_STANDARD_HEADER.match(line))
    return standard


def split_mbox(raw: bytes) -> list[bytes]:
    """The messages of an mbox file; "From " starts each one, ">From " in a body is unescaped.

    The standard library's mailbox.mbox cuts at every line that starts with "From ", so a
    body that quotes one unescaped ("From Russia with love") is cut in two, and it needs
    the blank line that Thunderbird does not always write before its "From - " lines.
    Here a "From " line starts a message when a header block follows it, whatever came
    before."""
    raw = _LEADING_BLANK_LINES.sub(b"", raw.removeprefix(b"\xef\xbb\xbf"))
    if not raw.startswith(b"From "):
        return [raw]
    messages: list[list[bytes]] = []
    lines = raw.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(b"From ") and (not messages or _starts_message(lines, index)):
            messages.append([])
            continue
        if _ESCAPED_FROM.match(line):
            line = line[1:]
        messages[-1].append(line)
    bodies = (b"".join(lines).rstrip(b"\r\n") for lines in messages)
    return [body + b"\n" for body in bodies if body.strip()]
