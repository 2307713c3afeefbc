"""Real identity providers and a real DNS server on 127.0.0.1, for the SSO tests.

- `OidcProvider`: the npm package oidc-provider (tests/idp/oidc.mjs), under Node.
- `Directory`: Debian's slapd with a throwaway database loaded from an LDIF fixture.
- `TxtServer`: dnslib's DNS server answering TXT queries from a dict the tests fill.
Each binds a free port chosen at run time and is started once per test session (tests/sso/conftest.py).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

IDP_DIR = Path(__file__).resolve().parent.parent / "idp"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll `condition()` until it is true; fail after `timeout` seconds (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


# --- OIDC -------------------------------------------------------------------------------------

class OidcProvider:
    REGISTRATION_TOKEN = "tenantry-test-registration"

    def __init__(self, accounts: dict[str, dict]) -> None:
        if not (IDP_DIR / "node_modules" / "oidc-provider").exists():
            # A fresh clone or worktree: install the pinned provider (package-lock.json), as CI does.
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=IDP_DIR, check=True, timeout=300)
        env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "ACCOUNTS": json.dumps(accounts),
               "REGISTRATION_TOKEN": self.REGISTRATION_TOKEN, "NODE_ENV": "test"}
        # The provider's own log, for a failing test's reader: tests/idp/oidc.log (git-ignored).
        self.log = open(IDP_DIR / "oidc.log", "w")  # noqa: SIM115  (open for the process's lifetime)
        self.process = subprocess.Popen(["node", str(IDP_DIR / "oidc.mjs")], cwd=IDP_DIR, env=env,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the OIDC provider did not start")
        self.issuer: str = json.loads(line)["issuer"]

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """Register a confidential client by dynamic registration; returns (client_id, client_secret)."""
        response = requests.post(f"{self.issuer}/reg", timeout=10, json={
            "redirect_uris": [redirect_uri], "grant_types": ["authorization_code"], "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic"},
            headers={"Authorization": f"Bearer {self.REGISTRATION_TOKEN}"})
        response.raise_for_status()
        body = response.json()
        return body["client_id"], body["client_secret"]

    def set_account(self, login: str, claims: dict) -> None:
        requests.put(f"{self.issuer}/__test/accounts/{login}", data=json.dumps(claims), timeout=10).raise_for_status()

    def delete_account(self, login: str) -> None:
        requests.delete(f"{self.issuer}/__test/accounts/{login}", timeout=10).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process.stdout.close()
        self.log.close()


class _FirstForm(HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._done = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action") or ""
        elif tag == "input" and self.action is not None and not self._done and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._done = True


def sign_in_at_idp(authorization_url: str, login: str, stop_at: str, password: str = "any") -> str:
    """Walk the IdP's real login page over HTTP (as a browser would, without JavaScript) and return
    the URL it finally redirects to under `stop_at` (the portal's callback)."""
    browser = requests.Session()
    response = browser.get(authorization_url, allow_redirects=False, timeout=10)
    for _ in range(20):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(stop_at):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        form = _FirstForm()
        form.feed(response.text)
        if form.action is None:
            raise AssertionError(f"the IdP answered {response.status_code} without a form: {response.text[:300]}")
        fields = {**form.fields, **{k: v for k, v in {"login": login, "password": password}.items()
                                    if k in form.fields}}
        response = browser.post(urljoin(response.url, form.action), data=fields, allow_redirects=False, timeout=10)
    raise AssertionError("the IdP never redirected back")


# --- LDAP -------------------------------------------------------------------------------------

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
database mdb
maxsize 33554432
suffix "{suffix}"
rootdn "{rootdn}"
rootpw {rootpw}
directory {dir}/db
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by users read by * none
"""


class Directory:
    """slapd on a free port with a throwaway database from tests/sso/fixtures/directory.ldif."""

    SUFFIX = "dc=acme,dc=test"
    ROOT_DN = "cn=admin,dc=acme,dc=test"
    ROOT_PW = "directory-admin-password"

    def __init__(self, workdir: Path) -> None:
        slapd = shutil.which("slapd") or "/usr/sbin/slapd"
        slapadd = shutil.which("slapadd") or "/usr/sbin/slapadd"
        if not Path(slapd).exists():
            raise RuntimeError("slapd is missing: apt-get install slapd ldap-utils")
        (workdir / "db").mkdir(parents=True)
        conf = workdir / "slapd.conf"
        conf.write_text(SLAPD_CONF.format(dir=workdir, suffix=self.SUFFIX, rootdn=self.ROOT_DN, rootpw=self.ROOT_PW))
        subprocess.run([slapadd, "-f", str(conf), "-l", str(FIXTURES / "directory.ldif")], check=True,
                       capture_output=True)
        self.port = free_port()
        self.process = subprocess.Popen([slapd, "-f", str(conf), "-h", f"ldap://127.0.0.1:{self.port}/", "-d", "0"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._accepting, START_TIMEOUT, "slapd")

    def _accepting(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("slapd exited at start")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def admin(self):
        from ldap3 import Connection, Server

        return Connection(Server("127.0.0.1", port=self.port), user=self.ROOT_DN, password=self.ROOT_PW,
                          auto_bind=True)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- DNS --------------------------------------------------------------------------------------

class _TxtZone(BaseResolver):
    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        values = self.records.get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in values:
                reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply


class TxtServer:
    """A DNS server over UDP on 127.0.0.1 answering TXT records: `set(name, *values)`."""

    def __init__(self) -> None:
        self.zone = _TxtZone()
        self.server = DNSServer(self.zone, port=0, address="127.0.0.1",
                                logger=DNSLogger(log="-request,-reply,-truncated,-error", prefix=False))
        self.server.start_thread()
        self.address = f"127.0.0.1:{self.server.server.server_address[1]}"

    def set(self, name: str, *values: str) -> None:
        self.zone.records[name.lower()] = list(values)

    def clear(self) -> None:
        self.zone.records.clear()

    def stop(self) -> None:
        self.server.stop()
