"""One e-mail (RFC 5322) read into the facts of a ticket, with the standard library only.

Mail arrives from anywhere: odd charsets, encoded or raw 8-bit headers, HTML-only bodies,
broken MIME, hostile attachment names. Everything here decodes what it can, replaces what
it cannot, and never lets a name reach outside the folder it is stored in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.header import decode_header, make_header
from email.message import Message as _EmailPart
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from deskcli.i18n import say

MAX_FILENAME = 120
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
_FROM_LINE_DATE = re.compile(rb"^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]")
_BODY_TYPES = ("text/plain", "text/html")


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
    # Why no robot should answer it (RFC 3834), or None for a person's message.
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


# -- headers --------------------------------------------------------------------------------

def _raw_header(message: _EmailPart, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            value = re.sub(r"\r?\n(?=[ \t])", "", str(value))
            if any("\udc80" <= c <= "\udcff" for c in value):
                # Raw 8-bit bytes (a mailer that skipped RFC 2047), kept as surrogates
                # by the parser: most are UTF-8, the rest Windows-1252.
                raw = value.encode("utf-8", "surrogateescape")
                try:
                    value = raw.decode("utf-8")
                except UnicodeDecodeError:
                    value = raw.decode("windows-1252", errors="replace")
            return value
    return None


def _decoded(name: str, value: str):
    """The header object of policy.default, or None where its parser gives up."""
    try:
        return policy.default.header_factory(name, value)
    except Exception:  # the header parser has bugs on some malformed values
        return None


def _text_header(message: _EmailPart, name: str) -> str:
    value = _raw_header(message, name)
    if value is None:
        return ""
    header = _decoded(name, value)
    if header is not None:
        value = str(header)
    else:
        try:
            value = str(make_header(decode_header(value)))
        except Exception:  # undecodable encoded-words: the raw text is still readable
            pass
    return " ".join(value.split())


def _sender(message: _EmailPart) -> tuple[str | None, str | None]:
    value = _raw_header(message, "From")
    if not value:
        return None, None
    header = _decoded("From", value)
    try:
        addresses = [(a.display_name, a.addr_spec) for a in header.addresses]
    except Exception:  # no parsed header, or a group without members
        addresses = getaddresses([value])
    if not addresses:
        return None, None
    name, address = addresses[0]
    name = " ".join(str(name or "").split()) or None
    address = str(address or "").strip().lower()
    local, at, domain = address.rpartition("@")
    return name, (address if at and local and domain else None)


def _date(message: _EmailPart) -> datetime | None:
    value = _raw_header(message, "Date")
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
    value = _raw_header(message, name) or ""
    found = _MESSAGE_ID.findall(value)
    if not found:
        # Some mailers drop the angle brackets.
        found = [t.strip("<>") for t in re.split(r"[\s,]+", value)]
    return [i for i in found if i]


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
    for writer in (policy.default, policy.compat32):
        try:
            return message.as_bytes(policy=writer)
        except Exception:  # headers policy.default cannot refold; compat32 writes them as read
            continue
    return b""


def _part_text(part: _EmailPart) -> str:
    payload = _payload(part)
    try:
        charset = part.get_content_charset()
    except Exception:  # a charset parameter the library cannot read
        charset = None
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return payload.decode(encoding)
        except (LookupError, ValueError):  # unknown charset, or bytes that are not in it
            continue
    return payload.decode("windows-1252", errors="replace")


def _describe(part: _EmailPart) -> tuple[str, str | None, str | None]:
    """Content type, disposition and file name of a part, whatever its headers hold."""
    try:
        content_type = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            content_type = "text/plain"  # a multipart without boundaries: its text is the body
        return content_type, part.get_content_disposition(), part.get_filename()
    except Exception:  # headers the library cannot parse: keep the part as unnamed data
        return "application/octet-stream", "attachment", None


def _attachment(part: _EmailPart, content_type: str, filename: str | None) -> Attachment:
    if content_type == "message/rfc822" and isinstance(part.get_payload(), list) and part.get_payload():
        inner = part.get_payload()[0]
        data = _as_bytes(inner)
        # A subject is no path: "Panne / urgent" names "Panne _ urgent.eml", not "urgent.eml".
        subject = re.sub(r"[/\\]", "_", _text_header(inner, "Subject"))
        default = safe_filename(subject, "message")[:MAX_FILENAME - 4] + ".eml"
    else:
        data = _payload(part)
        default = "attachment"
    return Attachment(safe_filename(filename, default), content_type, data)


def _read(message: _EmailPart) -> Message:
    subject = _text_header(message, "Subject")
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
    taken: set[str] = set()
    for attachment in attachments:
        attachment.filename = unique_name(attachment.filename, taken)
    texts = [t for t in plain if t.strip()] or [html_to_text(h) for h in html]
    text = "\n\n".join(t.replace("\r\n", "\n").lstrip("\ufeff").strip("\n") for t in texts if t.strip())
    if not (name or address) and not subject and not text.strip() and not attachments:
        raise MailError(say("the message has no sender, no subject and no body"))
    references: list[str] = []
    for reference in _ids(message, "In-Reply-To") + _ids(message, "References"):
        if reference not in references:
            references.append(reference)
    own = _ids(message, "Message-ID")
    tag = _TICKET_TAG.search(subject)
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
        auto_submitted=_automatic(message),
    )


def _automatic(message: _EmailPart) -> str | None:
    """Why a message must not be answered automatically (RFC 3834 §2), or None."""
    value = (_raw_header(message, "Auto-Submitted") or "").strip().lower()
    if value and value.split(";")[0].strip() != "no":
        return f"auto-submitted: {value.split(';')[0].strip()}"
    precedence = (_raw_header(message, "Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe"):
        if _raw_header(message, name) is not None:
            return name.lower()
    if (_raw_header(message, "Return-Path") or "").strip() == "<>":
        return "null return path"
    return None


def parse_message(raw: bytes) -> Message:
    """The facts of one e-mail; MailError (with the reason) for input that is not one."""
    if not isinstance(raw, (bytes, bytearray)):
        raise MailError(say("an e-mail is read from bytes"))
    raw = bytes(raw).removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    if not raw.strip():
        raise MailError(say("the message is empty"))
    if raw.startswith(b"From "):
        # The separator line of an mbox file, not a header.
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    if not _HEADER_LINE.match(raw.split(b"\n", 1)[0]):
        raise MailError(say("this is not an e-mail: it does not start with a header such as From: "
                            "or Subject:"))
    try:
        return _read(BytesParser(policy=policy.default).parsebytes(raw))
    except MailError:
        raise
    except Exception as exc:  # whatever else odd input provokes in the mail library
        raise MailError(say("the message cannot be read ({reason})",
                            reason=f"{type(exc).__name__}: {exc}")) from None


def split_mbox(raw: bytes) -> list[bytes]:
    """The messages of an mbox file; "From " starts each one, ">From " in a body is unescaped."""
    raw = raw.lstrip(b"\r\n")
    if not raw.startswith(b"From "):
        return [raw]
    messages: list[list[bytes]] = []
    for line in raw.splitlines(keepends=True):
        # mboxo writers escape "From " in bodies, but not all of them: a separator follows a
        # blank line or carries the date a delivery agent writes.
        if line.startswith(b"From ") and (
                not messages or not messages[-1] or not messages[-1][-1].strip()
                or _FROM_LINE_DATE.match(line)):
            messages.append([])
            continue
        if _ESCAPED_FROM.match(line):
            line = line[1:]
        messages[-1].append(line)
    bodies = (b"".join(lines).rstrip(b"\r\n") for lines in messages)
    return [body + b"\n" for body in bodies if body.strip()]
