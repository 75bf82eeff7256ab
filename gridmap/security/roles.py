"""Roles, what each may do, and which pages each sees.

A role includes everything of the roles before it: a planner may do what an operator may.
"""

from __future__ import annotations

from typing import Literal

from ..errors import SchemaError

__all__ = ["ACTIONS", "PAGES_BY_ROLE", "ROLES", "Role", "can", "check_role", "role_rank"]

Role = Literal["viewer", "operator", "planner", "admin"]
#: Leaders view; centre staff operate; planners redraw grids; admins import and manage users.
ROLES: tuple[Role, ...] = ("viewer", "operator", "planner", "admin")
ROLE_LABELS = {
    "viewer": ("领导（查看）", "Viewer"),
    "operator": ("值班人员", "Operator"),
    "planner": ("网格规划", "Planner"),
    "admin": ("管理员", "Admin"),
}

#: The least role for each action.
ACTIONS: dict[str, Role] = {
    "view": "viewer",
    "see_people": "operator",  # grid workers' names and other person-related fields
    "export": "operator",
    "edit_grids": "planner",
    "publish": "planner",
    "import": "admin",
    "manage_users": "admin",
    "read_audit": "admin",
}

#: Pages (script names in app_pages/) by the least role that sees them.
PAGES_BY_ROLE: dict[str, Role] = {
    "cockpit": "viewer",
    "map": "viewer",
    "risk": "viewer",
    "coverage": "operator",
    "rebalance": "planner",
    "workspace": "admin",
    "audit": "admin",
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
