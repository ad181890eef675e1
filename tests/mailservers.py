"""Real mail servers for the tests, started by the test session like the PostgreSQL cluster.

- SMTP: aiosmtpd on a loopback port, with STARTTLS required before AUTH, a self-signed
  certificate made here with openssl, and a switch to answer "451 try later".
- IMAP: Debian's Dovecot (dovecot-imapd) on a loopback port, TLS from the start, one
  account with a throw-away Maildir.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

USER = "desk@example.test"
PASSWORD = "p4ss-desk"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60)
    return cert, key


def _wait_for_port(port: int, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class SMTPServer:
    """aiosmtpd with STARTTLS and AUTH; `messages` holds what it accepted (raw bytes)."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.cert, self.key = cert, key
        self.port = free_port()
        self.messages: list[dict] = []
        self.temporary_failure = False
        self.logins: list[str] = []
        self._controller = None

    # aiosmtpd's handler interface
    async def handle_DATA(self, server, session, envelope):
        if self.temporary_failure:
            return "451 4.3.0 try again later"
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "raw": envelope.original_content or envelope.content,
                              "tls": session.ssl is not None, "auth": session.authenticated})
        return "250 OK"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            ok = auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
            if ok:
                self.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)
        return AuthResult(success=False, handled=False)

    def start(self) -> "SMTPServer":
        from aiosmtpd.controller import Controller

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, tls_context=context,
            require_starttls=True, authenticator=self._authenticate, auth_required=True,
            auth_require_tls=True, server_hostname="localhost")
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def parsed(self, index: int = -1):
        return message_from_bytes(self.messages[index]["raw"], policy=policy.default)


class Dovecot:
    """A private Dovecot: IMAP over TLS on a loopback port, one account, a throw-away Maildir."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="deskcli-imap-"))
        # Dovecot's login processes run as its own users, who must reach the sockets.
        os.chmod(self.root, 0o755)
        self.port = free_port()
        self.cert, self.key = cert, key
        self._process: subprocess.Popen | None = None

    def start(self) -> "Dovecot":
        if not Path(DOVECOT).exists():
            raise RuntimeError("Dovecot was not found: install Debian's dovecot-imapd "
                               "(apt-get install dovecot-imapd), as .ci/run does")
        me = pwd.getpwuid(os.geteuid())
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            internal, login, group = "dovecot", "dovenull", "dovecot"
        else:
            # A user cannot give the services' sockets to Dovecot's own group: they stay its.
            mail_user, internal, login = me, me.pw_name, me.pw_name
            group = grp.getgrgid(me.pw_gid).gr_name
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir(mode=0o755)
        os.chown(self.root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        shutil.copy(self.cert, self.root / "cert.pem")
        shutil.copy(self.key, self.root / "key.pem")
        os.chmod(self.root / "key.pem", 0o600)
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        os.chmod(self.root / "users", 0o644)
        config = self.root / "dovecot.conf"
        config.write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 0
ssl = required
ssl_cert = <{self.root}/cert.pem
ssl_key = <{self.root}/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={self.root}/mail/%n
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
        self._process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for_port(self.port)
        except RuntimeError:
            log = self.root / "dovecot.log"
            said = log.read_text() if log.exists() else ""  # read before stop() removes it
            self.stop()
            raise RuntimeError("Dovecot did not start: " + said)
        return self

    def client(self):
        import imaplib

        context = ssl.create_default_context(cafile=str(self.cert))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def deliver(self, raw: bytes) -> None:
        """Put a message in the account's INBOX, unseen."""
        conn = self.client()
        try:
            status, _ = conn.append("INBOX", None, None, raw)
            assert status == "OK"
        finally:
            conn.logout()

    def seen(self) -> dict[str, bool]:
        """Message-ID -> whether it is marked seen, for every message of INBOX."""
        conn = self.client()
        try:
            conn.select("INBOX", readonly=True)
            _, data = conn.uid("SEARCH", None, "ALL")
            found = {}
            for uid in (data[0] or b"").split():
                _, parts = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                flags = parts[0][0].decode()
                ident = parts[0][1].decode().split(":", 1)[1].strip().strip("<>")
                found[ident] = "\\Seen" in flags
            return found
        finally:
            conn.logout()

    def empty(self) -> None:
        conn = self.client()
        try:
            conn.select("INBOX")
            conn.store("1:*", "+FLAGS", r"(\Deleted)")
            conn.expunge()
        except Exception:  # an empty mailbox has no 1:* to flag
            pass
        finally:
            conn.logout()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self.root, ignore_errors=True)
