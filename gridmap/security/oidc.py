"""Single sign-on: read its configuration and decide which gridmap user an identity is.

The app offers OpenID Connect sign-in (Streamlit's ``st.login``) when the app's
``.streamlit/secrets.toml`` has an ``[auth]`` section. What needs no Streamlit lives here:
reading that configuration, and matching a signed-in identity — the ID token's claims, as
``st.user`` shows them — to a user of the workspace. A match gives that user's role and area.
Nothing is created automatically: an identity without a gridmap user gets no access until an
admin adds one (``gridmap users WORKSPACE add alice@example.org --role operator …``).

Which claim names the user is set in the ``[gridmap]`` section of the same file::

    [gridmap]
    sso_claim = "email"              # or "preferred_username"; default "email"
    sso_providers = ["corp"]         # which [auth.NAME] providers get a button; default all

Examples
--------
>>> users = [User("alice@example.org", "operator", "620104001")]
>>> m = match_identity({"email": "Alice@Example.org", "email_verified": True}, users)
>>> (m.user.username, m.user.role, m.user.area)
('alice@example.org', 'operator', '620104001')
>>> match_identity({"email": "bob@example.org"}, users).reason
'unknown'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .users import User

__all__ = ["DEFAULT_CLAIM", "SsoMatch", "SsoSettings", "match_identity", "sso_settings"]

#: The claim that names the gridmap user unless ``[gridmap] sso_claim`` says otherwise.
DEFAULT_CLAIM = "email"
#: What Streamlit needs for one provider (in ``[auth]`` itself or in ``[auth.NAME]``).
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class SsoSettings:
    """Single sign-on as configured in the app's secrets.

    ``providers`` lists what each sign-in button passes to ``st.login``: None for the provider
    configured in ``[auth]`` itself, a name for an ``[auth.NAME]`` section. ``problem`` says
    in one line why the configuration cannot work (then no button is offered).
    """

    providers: tuple[str | None, ...]
    claim: str = DEFAULT_CLAIM
    problem: str | None = None


@dataclass(frozen=True)
class SsoMatch:
    """The gridmap user an identity is, or why there is none.

    ``reason`` is None on a match, else ``"no claim"`` (the token lacks the configured
    claim), ``"unverified"`` (the provider says the e-mail address is not verified) or
    ``"unknown"`` (no gridmap user has that name).
    """

    user: User | None
    identity: str | None
    reason: str | None = None


def sso_settings(secrets: Mapping[str, Any]) -> SsoSettings | None:
    """Single sign-on settings from the app's secrets; None without an ``[auth]`` section.

    Problems are collected, not raised: the login screen shows them to whoever set the
    server up, and password login keeps working meanwhile.
    """
    auth = secrets.get("auth")
    if not isinstance(auth, Mapping):
        return None
    options = secrets.get("gridmap")
    options = options if isinstance(options, Mapping) else {}
    problems = [
        f"[auth] lacks {key}" for key in ("redirect_uri", "cookie_secret") if key not in auth
    ]

    claim = options.get("sso_claim", DEFAULT_CLAIM)
    if not isinstance(claim, str) or not claim.strip():
        problems.append(f"[gridmap] sso_claim {claim!r} is not a claim name (e.g. email)")
        claim = DEFAULT_CLAIM
    named = [str(name) for name, value in auth.items() if isinstance(value, Mapping)]
    found: list[str | None] = ([None] if "client_id" in auth else []) + named
    wanted = options.get("sso_providers")
    if wanted is not None:
        names = [wanted] if isinstance(wanted, str) else [str(w) for w in wanted]
        unknown = [n for n in names if n not in named and not (n == "default" and None in found)]
        if unknown:
            problems.append(
                f"[gridmap] sso_providers names {', '.join(unknown)}; configured: "
                f"{', '.join(p or 'default' for p in found) or 'none'}"
            )
        found = [None if n == "default" else n for n in names if n not in unknown]
    for provider in found:
        section = auth if provider is None else auth[provider]
        where = "[auth]" if provider is None else f"[auth.{provider}]"
        missing = [key for key in PROVIDER_KEYS if key not in section]
        if missing:
            problems.append(f"{where} lacks {', '.join(missing)}")
        if provider is not None and "_" in provider:
            # st.login cannot tell such a name from its own key syntax.
            problems.append(f"{where}: Streamlit does not allow '_' in a provider name")
    if not found:
        problems.append(
            "no provider: set client_id, client_secret and server_metadata_url in [auth] "
            "or in an [auth.NAME] section"
        )
    return SsoSettings(tuple(found), claim.strip(), "; ".join(problems) or None)


def _false(value: object) -> bool:
    # Some providers (Amazon Cognito among them) send booleans as the strings "true"/"false".
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def match_identity(
    claims: Mapping[str, Any], users: Iterable[User], *, claim: str = DEFAULT_CLAIM
) -> SsoMatch:
    """The gridmap user whose name equals the identity's ``claim``.

    An ``email`` claim matches regardless of letter case (providers and people write
    addresses both ways) and only when the provider has not marked it unverified — else
    anyone who can type someone's address into a self-service account would become them.
    Other claims (``preferred_username``) must match exactly.
    """
    value = claims.get(claim)
    identity = value.strip() if isinstance(value, str) and value.strip() else None
    if identity is None:
        return SsoMatch(None, None, "no claim")
    if claim == "email" and _false(claims.get("email_verified")):
        return SsoMatch(None, identity, "unverified")
    users = list(users)
    exact = [u for u in users if u.username == identity]
    if exact:
        return SsoMatch(exact[0], identity)
    if claim == "email":
        folded = [u for u in users if u.username.casefold() == identity.casefold()]
        if len(folded) == 1:
            return SsoMatch(folded[0], identity)
    return SsoMatch(None, identity, "unknown")
