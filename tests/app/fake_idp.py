"""A minimal OpenID Connect provider on localhost, for the single sign-on browser test.

Authorization-code flow only: ``/authorize`` redirects straight back with a code (whoever
:attr:`FakeIdP.identity` describes "signs in", no login page), ``/token`` returns an ID token
signed with a fresh RSA key, ``/jwks`` publishes that key. No network beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeIdP:
    def __init__(self, port: int) -> None:
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.base = f"http://127.0.0.1:{port}"
        self.identity: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    def _metadata(self) -> dict[str, Any]:
        b = self.base
        return {
            "issuer": b,
            "authorization_endpoint": f"{b}/authorize",
            "token_endpoint": f"{b}/token",
            "jwks_uri": f"{b}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def _id_token(self, grant: dict[str, Any]) -> str:
        from joserfc import jwt

        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": f"sub-{self.identity.get('email')}",
            "aud": grant["client_id"],
            "iat": now,
            "exp": now + 300,
            **({"nonce": grant["nonce"]} if grant.get("nonce") else {}),
            **self.identity,
        }
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test reads idp.requests instead

            def _json(self, data: object, status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                idp.requests.append(url.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(idp._metadata())
                elif url.path == "/jwks":
                    self._json({"keys": [idp.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    q = dict(urllib.parse.parse_qsl(url.query))
                    code = secrets.token_urlsafe(16)
                    idp.codes[code] = {"nonce": q.get("nonce"), "client_id": q["client_id"]}
                    back = urllib.parse.urlencode({"code": code, "state": q["state"]})
                    self.send_response(302)
                    self.send_header("Location", f"{q['redirect_uri']}?{back}")
                    self.end_headers()
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                url = urllib.parse.urlparse(self.path)
                idp.requests.append(url.path)
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                grant = idp.codes.pop(form.get("code", ""), None)
                if url.path != "/token" or grant is None:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                self._json(
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": idp._id_token(grant),
                    }
                )

        return Handler


@contextmanager
def fake_idp(port: int) -> Iterator[FakeIdP]:
    idp = FakeIdP(port)
    thread = threading.Thread(target=idp.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        idp.server.shutdown()
        idp.server.server_close()
