"""One e-mail (RFC 5322) read into the facts of a ticket, with the standard library only.

Mail arrives from anywhere: odd charsets, encoded headers, HTML-only bodies, hostile
attachment names. Everything here decodes what it can, replaces what it cannot, and
never lets a name reach outside the folder it is stored in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

_TICKET_TAG = re.compile(r"\[(?:[\w-]+\s+)?#(\d{1,9})\]")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]?")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_UNSAFE = re.compile(r"[^\w .+\-]", re.UNICODE)
MAX_FILENAME = 120


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


def safe_filename(name: str | None, fallback: str = "attachment") -> str:
    """A file name that stays in its folder: last path part, no control characters, no
    leading dots, only letters, digits and a few marks, at most 120 characters."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    text = _UNSAFE.sub("_", text).strip().lstrip(". ").strip()
    if len(text) > MAX_FILENAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            text = stem[:MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_FILENAME]
    return text or fallback


class _TextOfHtml(HTMLParser):
    _BREAKS = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    _HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BREAKS and tag not in ("li", "br"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.replace("\xa0", " ").split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _ids(value: str | None) -> list[str]:
    found = _MESSAGE_ID.findall(str(value or ""))
    if not found and value and str(value).strip():
        found = [str(value).strip()]
    return found


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("windows-1252", errors="replace")


def _looks_like_mail(raw: bytes) -> bool:
    first = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    return first.startswith(b"From ") or bool(_HEADER_LINE.match(first))


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    try:
        pairs = getaddresses([str(message.get("From", ""))])
    except (TypeError, ValueError, IndexError):
        return None, None
    if not pairs:
        return None, None
    name, address = pairs[0]
    address = address.strip().lower() if "@" in (address or "") else None
    return (" ".join(name.split()) or None), address


def _date(message: EmailMessage) -> datetime | None:
    try:
        moment = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or name-2.ext, name-3.ext... whichever is not taken yet; now taken."""
    stem, dot, ext = name.rpartition(".")
    candidate, counter = name, 2
    while candidate in taken:
        candidate = f"{stem}-{counter}.{ext}" if dot and stem else f"{name}-{counter}"
        counter += 1
    taken.add(candidate)
    return candidate


def parse_message(raw: bytes) -> Message:
    if not raw or not raw.strip():
        raise MailError("the message is empty")
    if not _looks_like_mail(raw):
        raise MailError("this is not an e-mail: it does not start with a header such as From: or Subject:")
    try:
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        return _read(message)
    except MailError:
        raise
    except Exception as exc:  # a mail library refusal of odd input, whatever its class
        raise MailError(f"the message cannot be read ({type(exc).__name__}: {exc})") from None


def _read(message: EmailMessage) -> Message:
    subject = " ".join(str(message.get("Subject", "") or "").split())
    name, address = _sender(message)
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    taken: set[str] = set()
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if content_type == "message/rfc822" or (
                disposition == "attachment" or (filename and content_type not in ("text/plain", "text/html"))):
            data = part.get_payload(decode=True)
            if data is None:
                data = part.as_bytes() if content_type != "message/rfc822" else b"".join(
                    p.as_bytes() for p in part.get_payload())
            inner = part.get_payload()[0] if content_type == "message/rfc822" and part.get_payload() else None
            default = safe_filename(str(inner.get("Subject", "")) if inner is not None else None,
                                    "message") + ".eml" if inner is not None else "attachment"
            attachments.append(Attachment(unique_name(safe_filename(filename, default), taken),
                                          content_type, data))
        elif content_type == "text/plain":
            plain.append(_part_text(part))
        elif content_type == "text/html":
            html.append(_part_text(part))
    if plain:
        text = "\n\n".join(p.strip() for p in plain)
    else:
        text = "\n\n".join(html_to_text(h) for h in html)
    if not address and not subject and not text.strip() and not attachments:
        raise MailError("the message has no sender, no subject and no body")
    tag = _TICKET_TAG.search(subject)
    references = []
    for header in ("In-Reply-To", "References"):
        for reference in _ids(message.get(header)):
            if reference not in references:
                references.append(reference)
    own = _ids(message.get("Message-ID"))
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
    )


def split_mbox(raw: bytes) -> list[bytes]:
    """The messages of an mbox file; "From " starts each one, ">From " in a body is unescaped."""
    if not raw.lstrip(b"\r\n").startswith(b"From "):
        return [raw]
    messages: list[list[bytes]] = []
    for line in raw.lstrip(b"\r\n").splitlines(keepends=True):
        # A "From " line after a blank line starts a message; in a body it was escaped.
        if line.startswith(b"From ") and (not messages or not messages[-1] or not messages[-1][-1].strip()):
            messages.append([])
            continue
        if re.match(rb"^>+From ", line):
            line = line[1:]
        messages[-1].append(line)
    return [b"".join(lines).rstrip(b"\r\n") + b"\n" for lines in messages if b"".join(lines).strip()]
