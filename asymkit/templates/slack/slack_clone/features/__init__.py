"""The Web API beyond conversations and chat: reactions, pins, bookmarks, files,
search, user groups, emoji and Do Not Disturb.

Importing this package registers each module's methods, message hooks and the
file upload/download routes in :mod:`slack_clone.methods`; the app imports it once.
"""

from __future__ import annotations

from . import bookmarks, dnd, emoji, files, pins, reactions, search, usergroups

__all__ = ["bookmarks", "dnd", "emoji", "files", "pins", "reactions", "search", "usergroups"]
