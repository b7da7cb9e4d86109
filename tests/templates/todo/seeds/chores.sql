INSERT INTO lists (title) VALUES ('chores');
INSERT INTO items (list_id, text) SELECT id, 'water the plants' FROM lists WHERE title = 'chores';
