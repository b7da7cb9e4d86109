"""The Web API beyond conversations and chat: reactions, pins, bookmarks, files,
search, user groups, emoji and Do Not Disturb.

Importing this package registers each module's methods, message hooks and the
file upload/download routes in :mod:`slack_clone.methods`; the app imports it once.
"""

from __future__ import annotations

from . import bookmarks, decorations, dnd, emoji, files, pins, reactions, search, usergroups

__all__ = [
    "CHOICES",
    "bookmarks",
    "decorations",
    "dnd",
    "emoji",
    "files",
    "pins",
    "reactions",
    "search",
    "usergroups",
]

# For docs/slack-coverage.md's "Choices where Slack is ambiguous" (markdown bullets).
CHOICES = """\
- **Reactions** are on messages only (`file`/`file_comment` items are not
  cloned). Names may come with or without colons; they are checked against the
  standard emoji names (the `emoji` package's CLDR names and aliases, in
  `features/emoji_names.txt`), the workspace's custom emoji and `::skin-tone-2`
  to `-6` suffixes, and stored as given (`thumbsup` is not rewritten to `+1`).
  At most 23 different names per message (`too_many_emoji`). Bots must be
  members of the channel; users may react in any public channel.
- **Pins and bookmarks** need membership of the conversation (`not_in_channel`);
  bookmarks are `type=link` with an http(s) link (`invalid_link` otherwise).
  `bookmarks.edit` changes the title, link and emoji it is given (an empty
  `emoji` clears it) and names the editor in `last_updated_by_user_id`.
- **Files**: the upload URL and `url_private` are served by the clone itself;
  the upload URL takes one upload, of at most the announced `length` (HTTP 413
  beyond), raw or multipart. Files over `SLACK_CLONE_MAX_FILE_BYTES` (25 MiB by
  default) answer `file_upload_size_restricted` at `files.getUploadURLExternal`.
  `files.completeUploadExternal` answers full file objects (a superset of the
  documented `id`/`title`) and posts one `file_share` message per conversation;
  completing before the bytes arrive is `upload_not_complete`. `url_private`
  wants a token of the workspace with `files:read` that may see the file (HTTP
  401/403/404 otherwise, rather than Slack's login page). A deleted file answers
  `file_deleted` and shows as a `tombstone` in the messages that shared it.
  Text files carry a `preview` of their first KiB; a file lists only the
  conversations the caller can see in `channels`/`groups`/`ims`/`shares`.
  A file keeps the name it was given (`a/b`, `../x`); its URLs end in that name
  as Slack writes it there (lowercase, `_` for anything but letters, digits,
  `.`, `-`), so every name is served. Every file is served with
  `X-Content-Type-Options: nosniff`, and HTML, XHTML, SVG and XML files always
  as attachments, never rendered inline. The retired `files.upload` (v1)
  answers `method_deprecated`, as Slack has since November 2025.
- **Search** covers public channels and the caller's own conversations. Words
  use Postgres full-text search (English stemming, quoted phrases, `-word`);
  `before:`/`after:`/`on:`/`during:` dates are days in the caller's time zone,
  any from 0001 to 9999 (`during:` takes `2024-03`, `2024`, or a month's name,
  `march`/`mar`, meaning its latest start up to today);
  `in:@user` is the caller's DM with that user; `has:link`, `has:reaction`,
  `has:pin` and `is:thread` are understood; an unknown channel or user matches
  nothing. `search.files` matches file names and titles. No highlighting.
- **dnd.info** always answers Do Not Disturb off (the clone has no schedules).
- **emoji.list** lists custom emoji only (no categories).
- **User groups** cannot be disabled here; a group's handle defaults to its
  name, lowercased with spaces as hyphens, and may not equal a user's or a
  channel's name (`handle_already_exists`).
"""
