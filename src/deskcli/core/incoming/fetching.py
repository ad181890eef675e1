"""`deskcli mail fetch`: the desk's mailbox read over IMAP (standard library `imaplib`).

Each unseen message goes through the same intake as `deskcli open --from`, one message
per change, and is marked seen only once its ticket is committed. A crash between the
two leaves it unseen: the next fetch takes it again, and the intake knows its
Message-ID, so nothing is recorded twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from deskcli.core.incoming import intake
from deskcli.core.mailing import sending
from deskcli.core.base.clock import now as clock_now
from deskcli.core.store.repository import Desk
from deskcli.core.base.errors import InvalidInput
from deskcli.core.mailing.sending import MailSettingsError, MailUnavailable, _text
from deskcli.i18n import fact, say

# A message larger than this is left unseen in the mailbox and reported.
MAX_MESSAGE = 50 * 1024 * 1024


@dataclass
class Fetched:
    created: list[int] = field(default_factory=list)
    appended: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # {"uid": ..., "reason": ...}

    def as_dict(self) -> dict:
        return {"created": self.created, "appended": self.appended,
                "duplicates": self.duplicates, "refused": self.refused}


def _connect(settings: dict):
    import imaplib
    import ssl

    s = sending.server(settings, "imap")
    where = f"{s.host}:{s.port}"
    try:
        if s.security == "ssl":
            conn = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=sending._context(s.cafile),
                                     timeout=s.timeout)
        else:
            conn = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                conn.starttls(ssl_context=sending._context(s.cafile))
        if s.username:
            conn.login(s.username, s.password or "")
    except ssl.SSLCertVerificationError as exc:
        raise MailSettingsError(say(
            "the mailbox server {where} showed a certificate this machine does not trust "
            "({reason}); if it is your own, name its authority in mail.imap.cafile",
            where=where, reason=exc.verify_message)) from None
    except imaplib.IMAP4.error as exc:
        raise MailSettingsError(say("the mailbox server {where} refused the account {user} "
                                    "({reason}): check mail.imap.username and its password",
                                    where=where, user=s.username, reason=_text(exc))) from None
    except OSError as exc:
        raise MailUnavailable(say("the mailbox server {where} cannot be reached now ({reason}); "
                                  "run `deskcli mail fetch` again later", where=where,
                                  reason=_text(getattr(exc, "strerror", None) or exc))) from None
    return conn


def _checked(conn, answer, what: str):
    status, data = answer
    if status != "OK":
        raise MailUnavailable(say("the mailbox server answered {status} to {what}: {reason}",
                                  status=status, what=what,
                                  reason=_text(data[0] if data else "")))
    return data


def _raw(data) -> bytes | None:
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


def fetch(desk: Desk, limit: int | None = None, now_fn=clock_now) -> Fetched:
    """Take every unseen message of the desk's folder into the repository."""
    import imaplib

    if limit is not None and limit < 1:
        raise InvalidInput(say("{limit_field}: {value} is not a number above 0", value=limit,
                               limit_field=fact("limit")), limit=(1, None))
    folder = desk.settings["mail"]["imap"]["folder"] or "INBOX"
    result = Fetched()
    conn = _connect(desk.settings)
    try:
        try:
            _checked(conn, conn.select(_quoted(folder)), f"SELECT {folder}")
            uids = _checked(conn, conn.uid("SEARCH", None, "UNSEEN"), "SEARCH UNSEEN")
            numbers = [u for u in (uids[0] or b"").split() if u.isdigit()]
            for uid in numbers[:limit]:
                data = _checked(conn, conn.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
                raw = _raw(data)
                if raw is None:
                    continue  # expunged meanwhile by another client
                if len(raw) > MAX_MESSAGE:
                    result.refused.append({"uid": uid.decode(), "reason": str(say(
                        "larger than {size} MB: left unseen", size=MAX_MESSAGE // 2**20))})
                    continue
                if _take(desk, raw, now_fn(), result, uid.decode()):
                    # Only now: the ticket is committed.
                    _checked(conn, conn.uid("STORE", uid, "+FLAGS", r"(\Seen)"), "STORE")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailUnavailable(say("the mailbox server stopped answering ({reason}); what was "
                                      "taken is kept, run `deskcli mail fetch` again",
                                      reason=_text(exc))) from None
    finally:
        try:
            conn.logout()
        except Exception:  # the connection is already gone: nothing to close
            pass
    return result


def _take(desk: Desk, raw: bytes, now, result: Fetched, uid: str) -> bool:
    """One message through the intake; whether it may be marked seen."""
    items, rejected = intake.parse(raw, "email")
    if rejected:
        # Not an e-mail at all: seen, so that it is not read again at every fetch.
        result.refused.append({"uid": uid, "reason": str(rejected[0].reason)})
        return True
    outcome = intake.import_batch(desk, items, [], now=now)
    result.created += outcome.created
    result.appended += outcome.appended
    result.duplicates += outcome.duplicates
    if outcome.rejected:
        result.refused.append({"uid": uid, "reason": str(outcome.rejected[0].reason)})
    return True


def _quoted(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else \
        '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
