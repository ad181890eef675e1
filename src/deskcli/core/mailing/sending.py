"""Messages the desk writes, and how they reach an SMTP server (standard library only)."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from deskcli.core.base.errors import DeskError, InvalidInput
from deskcli.core.base.paths import data_dir
from deskcli.i18n import say

if TYPE_CHECKING:
    from email.message import EmailMessage

# sysexits' EX_TEMPFAIL: the server is away for now; the same command later will do.
EX_TEMPFAIL = 75
TEMPLATES_DIR = "mail"
# A hotline's own copies of the templates, in its repository directory.
LOCAL_TEMPLATES_DIR = "mail-templates"
LANGUAGES = ("en", "fr")
SECURITY = ("starttls", "ssl", "none")
# RFC 3834 §5: whoever answers automatically says so, so that no robot answers it back.
AUTO_SUBMITTED = "auto-replied"
# Addresses that never read what they are sent (RFC 3834 §2 names the first ones).
_ROBOT_LOCAL = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|"
                          r"listserv|majordomo|owner-.*|.*-request|.*-bounces?)$", re.IGNORECASE)


class MailUnavailable(DeskError):
    """The mail server cannot be reached or asks to come back later."""

    exit_code = EX_TEMPFAIL


class MailSettingsError(InvalidInput):
    """The [mail] settings or the secret they name cannot be used."""


class MailRefused(Exception):
    """The server refused one message for good (a 5xx answer): retrying will not help."""


@dataclass
class Server:
    host: str
    port: int
    security: str
    username: str
    password: str | None
    cafile: str | None
    timeout: float


# One plain address: no list, no display name, nothing a header could be split on.
_ADDRESS = re.compile(r"^[^@\s,;:<>()\[\]\"\\]+@[^@\s,;:<>()\[\]\"\\]+\.[^@\s,;:<>()\[\]\"\\]+$")


def single_address(text: str | None) -> str | None:
    """`text` as one e-mail address (lower case), or None if it is not exactly one."""
    candidate = (text or "").strip()
    return candidate.lower() if _ADDRESS.match(candidate) else None


def desk_address(settings: dict) -> str | None:
    return (settings["mail"]["from_address"] or "").strip() or None


def sends(settings: dict) -> bool:
    """Whether this desk sends mail at all: it has an address and a server."""
    return bool(desk_address(settings) and settings["mail"]["smtp"]["host"].strip())


def language(settings: dict) -> str:
    chosen = (settings["mail"]["language"] or "").strip().lower()
    if not chosen:
        from deskcli import i18n

        chosen = i18n.language()
    return chosen if chosen in LANGUAGES else "en"


def robot_address(address: str | None, settings: dict) -> bool:
    """An address no automatic message goes to: a mail system's own, or the desk's."""
    if not address or "@" not in address:
        return True
    local = address.rsplit("@", 1)[0]
    own = {a.lower() for a in (desk_address(settings), settings["mail"]["team_address"]) if a}
    return bool(_ROBOT_LOCAL.match(local)) or address.lower() in own


def _secret(section: dict, key: str) -> str | None:
    variable = (section["password_env"] or "").strip()
    if variable and os.environ.get(variable):
        return os.environ[variable]
    name = (section["password_file"] or "").strip()
    if not name:
        return None
    path = Path(name).expanduser()
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MailSettingsError(say(
                "{key}.password_file: {path} can be read by others (mode {mode}); make it "
                "private with `chmod 600 {path}`", key=key, path=str(path),
                mode=oct(stat.S_IMODE(mode))))
        return path.read_text(encoding="utf-8").strip("\r\n")
    except OSError as exc:
        raise MailSettingsError(say("{key}.password_file: cannot read {path}: {reason}", key=key,
                                    path=str(path), reason=exc.strerror)) from None


def server(settings: dict, which: str = "smtp") -> Server:
    """The [mail.smtp] or [mail.imap] server, checked, with its secret read."""
    section = settings["mail"][which]
    key = f"mail.{which}"
    host = section["host"].strip()
    if not host:
        raise MailSettingsError(say("{key}.host is empty: set the mail server in settings.toml "
                                    "(docs/mail.md)", key=key))
    security = section["security"].strip().lower()
    if security not in SECURITY:
        raise MailSettingsError(say("{key}.security: {value!r} is not one of {choices}", key=key,
                                    value=section["security"], choices=", ".join(SECURITY)))
    if not 0 < section["port"] < 65536:
        raise MailSettingsError(say("{key}.port: {value} is not a port number", key=key,
                                    value=section["port"]))
    username = section["username"].strip()
    password = _secret(section, key)
    if username and password is None:
        raise MailSettingsError(say(
            "{key}.username is set but no password was found: set ${variable}, or name a "
            "private file in {key}.password_file", key=key,
            variable=section["password_env"] or "DESKCLI_SMTP_PASSWORD"))
    return Server(host, section["port"], security, username, password,
                  (section["cafile"] or "").strip() or None, float(section["timeout_seconds"]))


# -- writing -------------------------------------------------------------------------------

def template_text(settings: dict, home: Path, name: str) -> str:
    """A template by name (`acknowledgement`, `replies/on-site`), the hotline's copy first."""
    lang = language(settings)
    for folder in (home / LOCAL_TEMPLATES_DIR / lang, data_dir() / TEMPLATES_DIR / lang,
                   data_dir() / TEMPLATES_DIR / "en"):
        path = folder / f"{name}.txt"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise InvalidInput(say("no mail template {name!r}; templates: {names}", name=name,
                           names=", ".join(reply_templates(settings, home)) or "none"))


def reply_templates(settings: dict, home: Path) -> list[str]:
    lang = language(settings)
    names = set()
    for folder in (home / LOCAL_TEMPLATES_DIR / lang / "replies",
                   data_dir() / TEMPLATES_DIR / lang / "replies"):
        if folder.is_dir():
            names |= {p.stem for p in folder.glob("*.txt")}
    return sorted(names)


def fill(text: str, values: dict) -> str:
    from string import Template

    return Template(text).safe_substitute({k: "" if v is None else str(v) for k, v in values.items()})


def split_subject(text: str) -> tuple[str, str]:
    """(subject, body) of a filled template that starts with a Subject: line."""
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return " ".join(first[8:].split()), rest.lstrip("\n")
    return "", text


def _one_line(text: str) -> str:
    # A header never carries a line break: a summary could otherwise add headers.
    return " ".join(str(text).split())


def compose(settings: dict, *, to: str, subject: str, body: str, ticket: int | None,
            in_reply_to: str | None = None, references: list[str] = (),
            automatic: bool = False, now=None) -> EmailMessage:
    """One message from the desk; its Message-ID is made here, once."""
    from email.message import EmailMessage
    from email.utils import formataddr, format_datetime, make_msgid

    from deskcli.core.base.clock import now as clock_now

    sender = desk_address(settings)
    if not sender:
        raise MailSettingsError(say("mail.from_address is empty: set the desk's address in "
                                    "settings.toml (docs/mail.md)"))
    message = EmailMessage()
    name = settings["mail"]["from_name"].strip() or settings["desk"]["company"]
    message["From"] = formataddr((_one_line(name), sender))
    message["To"] = _one_line(to)
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(now or clock_now())
    domain = sender.rsplit("@", 1)[-1]
    message["Message-ID"] = make_msgid(idstring=f"deskcli{ticket}" if ticket else "deskcli",
                                       domain=domain)
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    refs = [r for r in references if r]
    if refs:
        message["References"] = " ".join(f"<{r}>" for r in refs)
    if automatic:
        message["Auto-Submitted"] = AUTO_SUBMITTED
        # Vacation responders of the other side read these too.
        message["X-Auto-Response-Suppress"] = "All"
    if ticket:
        message["X-Deskcli-Ticket"] = str(ticket)
    message.set_content(body.rstrip("\n") + "\n", cte="quoted-printable")
    return message


def message_id(message: EmailMessage) -> str:
    return message["Message-ID"].strip().strip("<>")


# -- sending -------------------------------------------------------------------------------

def _context(cafile: str | None):
    import ssl

    context = ssl.create_default_context()
    if cafile:
        try:
            context.load_verify_locations(cafile)
        except (OSError, ssl.SSLError) as exc:
            raise MailSettingsError(say("cafile {path} cannot be read as certificates: {reason}",
                                        path=cafile, reason=str(exc))) from None
    return context


class Connection:
    """One SMTP session, opened at the first message and kept for the others."""

    def __init__(self, settings: dict) -> None:
        self.server = server(settings, "smtp")
        self._smtp = None

    def _open(self):
        import smtplib
        import ssl

        s = self.server
        where = f"{s.host}:{s.port}"
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                        context=_context(s.cafile))
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=_context(s.cafile))
            if s.username:
                smtp.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise MailSettingsError(say(
                "the mail server {where} refused the account {user} ({code} {reason}): check "
                "mail.smtp.username and its password", where=where, user=s.username,
                code=exc.smtp_code, reason=_text(exc.smtp_error))) from None
        except ssl.SSLCertVerificationError as exc:
            raise MailSettingsError(say(
                "the mail server {where} showed a certificate this machine does not trust "
                "({reason}); if it is your own, name its authority in mail.smtp.cafile",
                where=where, reason=exc.verify_message)) from None
        except smtplib.SMTPNotSupportedError:
            raise MailSettingsError(say(
                "the mail server {where} does not offer STARTTLS: set mail.smtp.security to "
                "\"ssl\" (port 465) if it speaks TLS from the start", where=where)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailUnavailable(say(
                "the mail server {where} cannot be reached now ({reason}); the messages wait in "
                "the outbox: `deskcli mail send` tries again", where=where,
                reason=_reason(exc))) from None
        return smtp

    def send(self, raw: str, sender: str, recipients: list[str]) -> None:
        """Hand one message over; MailRefused for a permanent refusal, MailUnavailable else."""
        import smtplib

        if self._smtp is None:
            self._smtp = self._open()
        where = f"{self.server.host}:{self.server.port}"
        try:
            refused = self._smtp.sendmail(sender, recipients, raw.encode("ascii", "surrogateescape"))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            reason = "; ".join(f"{r}: {c} {_text(m)}" for r, (c, m) in exc.recipients.items())
            self._reset()
            if all(500 <= c < 600 for c in codes):
                raise MailRefused(reason) from None
            raise MailUnavailable(say("the mail server {where} asked to try later ({reason})",
                                      where=where, reason=reason)) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            if 500 <= exc.smtp_code < 600:
                raise MailRefused(f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
            raise MailUnavailable(say("the mail server {where} asked to try later ({reason})",
                                      where=where, reason=f"{exc.smtp_code} {_text(exc.smtp_error)}")) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._smtp = None
            raise MailUnavailable(say("the connection to the mail server {where} was lost ({reason})",
                                      where=where, reason=_reason(exc))) from None
        if refused:
            raise MailRefused("; ".join(f"{r}: {c} {_text(m)}" for r, (c, m) in refused.items()))

    def _reset(self) -> None:
        try:
            self._smtp.rset()
        except Exception:  # a session that broke on the refusal: a new one next time
            self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:  # already gone; nothing left to say to it
                pass
            self._smtp = None


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def _reason(exc: BaseException) -> str:
    return _text(getattr(exc, "strerror", None) or exc) or type(exc).__name__
