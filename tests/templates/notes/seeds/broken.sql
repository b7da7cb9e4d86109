INSERT INTO notes (title) VALUES ('first');
INSERT INTO notes (title) VALUES ('second');

INSERT INTO notes (title,
  nonexistent_column) VALUES ('third', 'boom');
