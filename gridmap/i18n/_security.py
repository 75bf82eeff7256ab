"""Login, roles and the audit log."""

STRINGS: dict[str, tuple[str, str]] = {
    # --- login and roles ---
    "auth.title": ("登录", "Log in"),
    "auth.user": ("用户名", "User name"),
    "auth.password": ("密码", "Password"),
    "auth.login": ("登录", "Log in"),
    "auth.failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "auth.locked": (
        "连续输错次数过多，请 {s} 秒后再试。",
        "Too many wrong passwords; try again in {s} s.",
    ),
    "auth.as": ("当前用户：{user}（{role}）", "Logged in as {user} ({role})"),
    "auth.logout": ("退出登录", "Log out"),
    "auth.scope": ("权限范围：{area}", "Your area: {area}"),
    "auth.sso": ("使用单点登录", "Sign in with SSO"),
    "auth.sso_named": ("使用单点登录（{provider}）", "Sign in with SSO ({provider})"),
    "auth.sso_broken": (
        "单点登录配置不完整，暂不可用：{problem}",
        "Single sign-on is not set up completely and is off: {problem}",
    ),
    "auth.sso_unknown": (
        "`{who}` 没有访问权限；请管理员运行 `gridmap users WORKSPACE add {who} --role ROLE --area CODE`。",
        "No access for `{who}`; ask an admin to run `gridmap users WORKSPACE add {who} --role ROLE --area CODE`.",
    ),
    "auth.sso_unverified": (
        "`{who}` 没有访问权限：身份提供方未验证该邮箱；请在身份提供方验证后重试。",
        "No access for `{who}`: the identity provider has not verified this e-mail address; verify it there and try again.",
    ),
    "auth.sso_no_claim": (
        "没有访问权限：身份提供方未提供 {claim}；请管理员检查 secrets.toml 中的 [gridmap] sso_claim。",
        "No access: the identity provider sent no {claim}; ask an admin to check [gridmap] sso_claim in secrets.toml.",
    ),
    "auth.sso_logout": ("退出单点登录", "Sign out"),
    "role.viewer": ("领导（查看）", "viewer"),
    "role.operator": ("值班人员", "operator"),
    "role.planner": ("网格规划", "planner"),
    "role.admin": ("管理员", "admin"),
    "page.audit": ("审计", "Audit"),
    "audit.title": ("审计日志（只增不改）", "Audit log (append-only)"),
    "audit.export": ("导出 CSV", "Export CSV"),
}
