-- A scheduled message keeps the metadata it was scheduled with, and posts it;
-- a bookmark remembers who last edited it (bookmarks.edit; NULL: its creator).
ALTER TABLE scheduled_messages ADD COLUMN metadata jsonb;
ALTER TABLE bookmarks ADD COLUMN updated_by text REFERENCES users (id);
