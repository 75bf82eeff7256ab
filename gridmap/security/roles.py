"""Roles and what each may do.

A role includes everything of the roles before it: a planner may do what an operator may.
Security speaks of capabilities (:data:`ACTIONS`), not of pages: the app's navigation
(:mod:`gridmap.ui.navigation`) says which capability each page needs, the command line which
each command needs (:mod:`.cli_user`).
"""

from __future__ import annotations

from typing import Literal

from ..errors import SchemaError

__all__ = ["ACTIONS", "ROLES", "Role", "can", "check_role", "role_rank"]

Role = Literal["viewer", "operator", "planner", "admin"]
#: Leaders view; centre staff operate; planners redraw grids; admins import and manage users.
ROLES: tuple[Role, ...] = ("viewer", "operator", "planner", "admin")

#: The least role for each action.
ACTIONS: dict[str, Role] = {
    "view": "viewer",  # the map, the cockpit and risk, their reports
    "see_people": "operator",  # grid workers' names and other person-related fields
    "see_cameras": "operator",  # where the cameras are and what they miss (coverage)
    "export": "operator",
    "edit_grids": "planner",
    "publish": "planner",
    "import": "admin",
    "manage_users": "admin",
    "read_audit": "admin",
}


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise SchemaError(f"role {role!r}: allowed {', '.join(ROLES)}")
    return role


def role_rank(role: str) -> int:
    return ROLES.index(check_role(role))


def can(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action`` (see :data:`ACTIONS`)."""
    if action not in ACTIONS:
        raise SchemaError(f"action {action!r}: allowed {', '.join(ACTIONS)}")
    return role_rank(role) >= role_rank(ACTIONS[action])
