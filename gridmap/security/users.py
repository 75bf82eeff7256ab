"""Users: argon2 password hashes, a role, an optional area, and failed-login throttling."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import SchemaError
from ..memo import TtlMemo
from ..store.security_store import SecurityStore
from .roles import Role, check_role

__all__ = ["LOCK_SECONDS", "MAX_FAILURES", "LoginResult", "User", "UserStore"]

#: After this many wrong passwords in a row an account waits :data:`LOCK_SECONDS`.
MAX_FAILURES = 5
LOCK_SECONDS = 300
MIN_PASSWORD = 8
# "@" and "+" so that a user can be named by the e-mail address single sign-on reports.
_NAME = re.compile(r"^[A-Za-z0-9_.\-@+\u4e00-\u9fff]{2,80}$")
_HASHER = PasswordHasher()
#: Whether a workspace has users, looked at every few seconds (see :meth:`UserStore.any`).
_HAS_USERS: TtlMemo[bool] = TtlMemo(ttl_s=5.0)


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    #: Admin code the user is limited to (a district, street or community); None: everything.
    area: str | None


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    #: Why a login failed: "unknown", "password" or "locked" (then ``wait_s`` says how long).
    reason: str | None = None
    wait_s: int = 0


def _check_name(username: str) -> str:
    if not _NAME.match(username or ""):
        raise SchemaError(
            f"user name {username!r}: allowed 2-80 letters, digits, Chinese characters, _ . - @ +"
        )
    return username


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise SchemaError(f"password: at least {MIN_PASSWORD} characters")
    return password


class UserStore:
    """Users of one workspace (in its security file)."""

    def __init__(self, workspace: object) -> None:
        self.store = SecurityStore(workspace)

    def any(self) -> bool:
        """Whether the workspace has users (then the app requires a login).

        Asked several times per page by every session: the answer is kept a few seconds
        (another process's first ``users add`` is noticed that late; this process's at once).
        """
        return _HAS_USERS.get(self.store.key, self._count_any)

    def _count_any(self) -> bool:
        return self.store.count_users() > 0

    def _changed(self) -> None:
        _HAS_USERS.forget(self.store.key)

    def list(self) -> list[User]:
        return [User(r.username, cast(Role, r.role), r.area) for r in self.store.user_rows()]

    def get(self, username: str) -> User | None:
        return next((u for u in self.list() if u.username == username), None)

    def add(self, username: str, password: str, role: str, area: str | None = None) -> User:
        name = _check_name(username)
        r = check_role(role)
        digest = _HASHER.hash(_check_password(password))
        created = dt.datetime.now().isoformat(timespec="seconds")
        if not self.store.insert_user(name, digest, r, area or None, created):
            raise SchemaError(f"user {name!r} exists; use `gridmap users passwd` to change it")
        self._changed()
        return User(name, r, area or None)

    def passwd(self, username: str, password: str) -> None:
        digest = _HASHER.hash(_check_password(password))
        if not self.store.set_password(username, digest):
            raise SchemaError(f"user {username!r}: no such user")

    def remove(self, username: str) -> None:
        if not self.store.delete_user(username):
            raise SchemaError(f"user {username!r}: no such user")
        self._changed()

    def login(self, username: str, password: str, *, now: float | None = None) -> LoginResult:
        """Check a password; :data:`MAX_FAILURES` wrong ones lock the account for a while.

        An unknown name costs the same hashing time as a known one, so timing does not tell
        which names exist.
        """
        t = time.time() if now is None else now
        with self.store.login(username) as record:
            found = record.credentials
            if found is None:
                _HASHER.hash(password or "x")  # same work as a real check
                return LoginResult(None, "unknown")
            if found.locked_until > t:
                return LoginResult(None, "locked", int(found.locked_until - t) + 1)
            try:
                _HASHER.verify(found.password_hash, password or "")
            except (VerificationError, InvalidHashError):
                failed = found.failed + 1
                until = t + LOCK_SECONDS if failed >= MAX_FAILURES else 0
                record.set_failures(0 if until else failed, until)
                if until:
                    return LoginResult(None, "locked", LOCK_SECONDS)
                return LoginResult(None, "password")
            record.set_failures(0, 0)
            return LoginResult(User(username, cast(Role, found.role), found.area))
