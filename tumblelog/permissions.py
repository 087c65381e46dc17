"""Who may do what: the one table of roles and their rights (no Flask import).

A role has its own rights plus every right of the roles below it. Some rights are
also a post owner's on their own posts, whatever their role (``OWNER_RIGHTS``).
``User.can`` is the only caller; views, the API and templates ask it.
"""

ROLES = ("admin", "moderator", "author", "reader")  # most rights first

# Every signed-in account, whatever its role, comments, likes and follows.
_READER = frozenset({"report"})
_AUTHOR = _READER | {"post"}
# Moderators look after other people's words: comments, reports, suspensions, hiding.
_MODERATOR = _AUTHOR | {"moderate", "delete_post", "moderate_comments", "close_comments", "label_post"}
# Only admins change other people's posts, roles and the site's settings, delete accounts,
# invite people and read the audit log.
_ADMIN = _MODERATOR | {"edit_post", "change_role", "site_settings", "read_audit", "delete_user", "invite"}

RIGHTS = {"admin": _ADMIN, "moderator": _MODERATOR, "author": _AUTHOR, "reader": _READER}
PERMISSIONS = _ADMIN

# Rights an account has on its own posts even when its role lacks them.
OWNER_RIGHTS = frozenset({"edit_post", "delete_post", "moderate_comments", "close_comments", "label_post"})


def allowed(role, permission, owner=False):
    """True when ``role`` (acting on its own thing when ``owner``) has ``permission``.

    An unknown permission is a programming error, not a refusal: a typo must not
    quietly lock everyone out (or, worse, be mistaken for a rule).
    """
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return (owner and permission in OWNER_RIGHTS) or permission in RIGHTS.get(role, ())
