-- Joins and leaves are messages, as Slack posts them: ``channel_join`` /
-- ``channel_leave`` rows in ``messages`` (subtype set); an invited member's
-- join names who invited them.
ALTER TABLE messages ADD COLUMN inviter text;
