INSERT INTO notes (title, body, tag) VALUES
  ('groceries', 'milk; eggs; bread', 'home'),
  ('standup', 'ship the thing', 'work'),
  ('ideas', 'a clone for every SaaS', 'work');
