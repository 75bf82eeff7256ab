"""Who may do what: users and roles, area scoping, and the append-only audit log.

Users and the audit log live in a small SQLite file beside the workspace
(``<workspace>.security.sqlite``), not inside it: a login or an audit entry must not rewrite
a GeoPackage of hundreds of megabytes (imports are copy-on-write) nor invalidate every cache
keyed on the workspace's modification time, and the file can be readable by the server
alone. The store owns those tables and their connections
(:mod:`gridmap.store.security_store`); this package is the rules on top and never opens a
database itself.
"""

from ..store.security_store import SecurityStore
from ..store.security_tables import security_path
from .audit import AuditLog
from .roles import ROLES, Role, can, role_rank
from .users import LoginResult, User, UserStore

__all__ = [
    "ROLES",
    "AuditLog",
    "LoginResult",
    "Role",
    "SecurityStore",
    "User",
    "UserStore",
    "can",
    "role_rank",
    "security_path",
]
