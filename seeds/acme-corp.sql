-- acme-corp: a 10-person logistics software startup (Acme Routes), as a Slack workspace.
-- Deterministic: fixed ids, fixed timestamps. Every fixture user can log in with the
-- password 'acme-corp-demo' (hashed below; the clone never stores a clear password).

INSERT INTO workspaces (id, name, domain, owner_id, created) VALUES ('TACME00001', 'Acme Corp', 'acme-corp', NULL, 1767258000);

INSERT INTO accounts (id, email, password_hash, real_name, created) VALUES
  ('AACME00001', 'dana@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Dana Whitfield', 1767258000),
  ('AACME00002', 'marcus@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Marcus Chen', 1767261600),
  ('AACME00003', 'priya@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Priya Raman', 1767265200),
  ('AACME00004', 'leo@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Leo Alvarez', 1767268800),
  ('AACME00005', 'sofia@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Sofia Novak', 1767272400),
  ('AACME00006', 'omar@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Omar Haddad', 1767276000),
  ('AACME00007', 'grace@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Grace Kim', 1767279600),
  ('AACME00008', 'ben@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Ben Okafor', 1767283200),
  ('AACME00009', 'hannah@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Hannah Ito', 1767286800),
  ('AACME00010', 'tom@acme-corp.test', 'scrypt$4096$8$1$00000000000000000000000000000000$4c831b7c720489ee80de07a7d908d2fa282f7bccbd92da8b79a61459bd928bf54ebc7a6c6f9add88a9926446ecef9efbcff1c2a6c94e3b9b98147d58b89f6828', 'Tom Fischer', 1767290400);

INSERT INTO users (id, workspace_id, account_id, name, real_name, display_name, email, title, is_admin, is_owner, created) VALUES
  ('UACME00001', 'TACME00001', 'AACME00001', 'dana', 'Dana Whitfield', 'Dana', 'dana@acme-corp.test', 'CEO & Co-founder', true, true, 1767258000),
  ('UACME00002', 'TACME00001', 'AACME00002', 'marcus', 'Marcus Chen', 'Marcus', 'marcus@acme-corp.test', 'CTO & Co-founder', true, false, 1767261600),
  ('UACME00003', 'TACME00001', 'AACME00003', 'priya', 'Priya Raman', 'Priya', 'priya@acme-corp.test', 'Head of Product', false, false, 1767265200),
  ('UACME00004', 'TACME00001', 'AACME00004', 'leo', 'Leo Alvarez', 'Leo', 'leo@acme-corp.test', 'Senior Backend Engineer', false, false, 1767268800),
  ('UACME00005', 'TACME00001', 'AACME00005', 'sofia', 'Sofia Novak', 'Sofia', 'sofia@acme-corp.test', 'Frontend Engineer', false, false, 1767272400),
  ('UACME00006', 'TACME00001', 'AACME00006', 'omar', 'Omar Haddad', 'Omar', 'omar@acme-corp.test', 'Site Reliability Engineer', false, false, 1767276000),
  ('UACME00007', 'TACME00001', 'AACME00007', 'grace', 'Grace Kim', 'Grace', 'grace@acme-corp.test', 'Product Designer', false, false, 1767279600),
  ('UACME00008', 'TACME00001', 'AACME00008', 'ben', 'Ben Okafor', 'Ben', 'ben@acme-corp.test', 'Account Executive', false, false, 1767283200),
  ('UACME00009', 'TACME00001', 'AACME00009', 'hannah', 'Hannah Ito', 'Hannah', 'hannah@acme-corp.test', 'Customer Success Lead', false, false, 1767286800),
  ('UACME00010', 'TACME00001', 'AACME00010', 'tom', 'Tom Fischer', 'Tom', 'tom@acme-corp.test', 'Finance & Operations', false, false, 1767290400);

UPDATE workspaces SET owner_id = 'UACME00001' WHERE id = 'TACME00001';

INSERT INTO channels (id, workspace_id, name, is_private, is_general, creator, created, topic, topic_creator, topic_last_set, purpose, purpose_creator, purpose_last_set) VALUES
  ('CACME00001', 'TACME00001', 'general', false, true, 'UACME00001', 1767344400, 'Q2 kickoff: Thursday 10:00 in the big room', 'UACME00001', 1767344400, 'Company-wide announcements and work-based matters', 'UACME00001', 1767344400),
  ('CACME00002', 'TACME00001', 'engineering', false, false, 'UACME00002', 1767345000, 'Release train: Tuesdays. Freeze Monday 17:00', 'UACME00002', 1767345000, 'Building Acme Routes: design, code review, releases', 'UACME00002', 1767345000),
  ('CACME00003', 'TACME00001', 'product', false, false, 'UACME00003', 1767345600, 'Now: multi-stop optimizer v2', 'UACME00003', 1767345600, 'Roadmap, specs and customer feedback', 'UACME00003', 1767345600),
  ('CACME00004', 'TACME00001', 'sales', false, false, 'UACME00008', 1767346200, 'Q2 target: $480k new ARR', 'UACME00008', 1767346200, 'Pipeline, deals and pricing questions', 'UACME00008', 1767346200),
  ('CACME00005', 'TACME00001', 'incidents', false, false, 'UACME00006', 1767346800, 'On call this week: Omar', 'UACME00006', 1767346800, 'Production incidents. Post status, then fix.', 'UACME00006', 1767346800),
  ('CACME00006', 'TACME00001', 'random', false, false, 'UACME00001', 1767347400, '', '', 0, 'Non-work banter and water cooler conversation', 'UACME00001', 1767347400),
  ('CACME00007', 'TACME00001', 'leadership', true, false, 'UACME00001', 1767348000, 'Board meeting April 14', 'UACME00001', 1767348000, 'Leadership team: hiring, budget, board prep', 'UACME00001', 1767348000);

INSERT INTO channel_members (channel_id, user_id, joined) VALUES
  ('CACME00001', 'UACME00001', 1767344400),
  ('CACME00001', 'UACME00002', 1767344460),
  ('CACME00001', 'UACME00003', 1767344520),
  ('CACME00001', 'UACME00004', 1767344580),
  ('CACME00001', 'UACME00005', 1767344640),
  ('CACME00001', 'UACME00006', 1767344700),
  ('CACME00001', 'UACME00007', 1767344760),
  ('CACME00001', 'UACME00008', 1767344820),
  ('CACME00001', 'UACME00009', 1767344880),
  ('CACME00001', 'UACME00010', 1767344940),
  ('CACME00002', 'UACME00002', 1767345000),
  ('CACME00002', 'UACME00003', 1767345060),
  ('CACME00002', 'UACME00004', 1767345120),
  ('CACME00002', 'UACME00005', 1767345180),
  ('CACME00002', 'UACME00006', 1767345240),
  ('CACME00002', 'UACME00007', 1767345300),
  ('CACME00002', 'UACME00001', 1767345360),
  ('CACME00003', 'UACME00003', 1767345600),
  ('CACME00003', 'UACME00007', 1767345660),
  ('CACME00003', 'UACME00005', 1767345720),
  ('CACME00003', 'UACME00002', 1767345780),
  ('CACME00003', 'UACME00001', 1767345840),
  ('CACME00003', 'UACME00009', 1767345900),
  ('CACME00004', 'UACME00008', 1767346200),
  ('CACME00004', 'UACME00009', 1767346260),
  ('CACME00004', 'UACME00001', 1767346320),
  ('CACME00004', 'UACME00010', 1767346380),
  ('CACME00004', 'UACME00003', 1767346440),
  ('CACME00005', 'UACME00006', 1767346800),
  ('CACME00005', 'UACME00004', 1767346860),
  ('CACME00005', 'UACME00002', 1767346920),
  ('CACME00005', 'UACME00005', 1767346980),
  ('CACME00005', 'UACME00009', 1767347040),
  ('CACME00006', 'UACME00001', 1767347400),
  ('CACME00006', 'UACME00002', 1767347460),
  ('CACME00006', 'UACME00003', 1767347520),
  ('CACME00006', 'UACME00004', 1767347580),
  ('CACME00006', 'UACME00005', 1767347640),
  ('CACME00006', 'UACME00006', 1767347700),
  ('CACME00006', 'UACME00007', 1767347760),
  ('CACME00006', 'UACME00008', 1767347820),
  ('CACME00006', 'UACME00009', 1767347880),
  ('CACME00006', 'UACME00010', 1767347940),
  ('CACME00007', 'UACME00001', 1767348000),
  ('CACME00007', 'UACME00002', 1767348060),
  ('CACME00007', 'UACME00003', 1767348120),
  ('CACME00007', 'UACME00010', 1767348180);

INSERT INTO messages (channel_id, ts, user_id, text, thread_ts) VALUES
  ('CACME00001', '1772444400.000000', 'UACME00001', 'Morning all! Welcome to Q2. Quick recap: we closed Q1 at 112 paying customers, up from 81. Thank you, every one of you.', NULL),
  ('CACME00001', '1772444639.104729', 'UACME00002', 'Huge quarter. The optimizer rewrite alone cut average route compute time by 38%.', '1772444400.000000'),
  ('CACME00001', '1772444997.314187', 'UACME00009', 'And churn was the lowest we''ve ever had. Customers noticed the reliability work.', '1772444400.000000'),
  ('CACME00001', '1772449554.628374', 'UACME00010', 'Reminder: expense reports for March are due Friday. Receipts in the shared drive please!', NULL),
  ('CACME00001', '1772456631.047290', 'UACME00001', 'Q2 kickoff is Thursday at 10:00 in the big room, remote folks on the usual Zoom link. Priya will walk through the roadmap.', NULL),
  ('CACME00001', '1772457346.570935', 'UACME00003', 'I''ll keep it under 45 minutes, promise. Slides go out Wednesday night.', '1772456631.047290'),
  ('CACME00001', '1772458181.199309', 'UACME00008', 'Can we get 10 minutes for the Northwind deal? Want everyone to know what''s coming.', '1772456631.047290'),
  ('CACME00001', '1772458354.932412', 'UACME00001', 'Yes, take the last 10.', '1772456631.047290'),
  ('CACME00001', '1772464707.770244', 'UACME00007', 'New office plants arrived. Please do not water the fake one by the window again.', NULL),
  ('CACME00001', '1772468179.712805', 'UACME00006', 'Heads up: VPN certificate rotation tonight at 22:00 UTC. You may need to reconnect once.', NULL),
  ('CACME00001', '1772474169.760095', 'UACME00001', 'Please welcome Sofia''s new teammate, starting Monday: we signed our second frontend engineer!', NULL),
  ('CACME00001', '1772474818.912114', 'UACME00005', 'Finally! I''ll set up the onboarding doc today.', '1772474169.760095'),
  ('CACME00001', '1772475587.168862', 'UACME00004', 'Welcome aboard in advance. The coffee machine is the one thing here that never goes down.', '1772474169.760095'),
  ('CACME00001', '1772478334.530339', 'UACME00010', 'Payroll goes out on the 25th this month because of the holiday.', NULL),
  ('CACME00001', '1772483600.996545', 'UACME00003', 'Roadmap slides are up: Routes v2, driver app offline mode, and the Salesforce integration.', NULL),
  ('CACME00001', '1772491386.567480', 'UACME00001', 'Great kickoff today. Recording is in the drive for anyone who missed it.', NULL),
  ('CACME00002', '1772496291.243144', 'UACME00004', 'PR #412 is up: moves route scoring into a separate worker pool. Would love eyes from Marcus and Omar.', NULL),
  ('CACME00002', '1772496875.023537', 'UACME00002', 'Looking now. Do we keep the old synchronous path behind a flag?', '1772496291.243144'),
  ('CACME00002', '1772497577.908659', 'UACME00004', 'Yes, ROUTES_ASYNC_SCORING, default off until we load test.', '1772496291.243144'),
  ('CACME00002', '1772498399.898510', 'UACME00006', 'Left a comment on queue depth alerts. Otherwise LGTM.', '1772496291.243144'),
  ('CACME00002', '1772498559.993090', 'UACME00004', 'Addressed. Merging after CI.', '1772496291.243144'),
  ('CACME00002', '1772505259.192399', 'UACME00005', 'The map component re-renders on every poll. I''m memoizing the layer list, should drop CPU in the dashboard a lot.', NULL),
  ('CACME00002', '1772509077.496437', 'UACME00007', 'Sofia, the new stop markers are in Figma. Numbered pins, color by time window.', NULL),
  ('CACME00002', '1772515414.905204', 'UACME00002', 'Proposal: we move from nightly batch geocoding to on-write geocoding with a cache. Thoughts?', NULL),
  ('CACME00002', '1772516051.418700', 'UACME00004', 'In favor. The batch job is the root of half our ''address not found'' tickets.', '1772515414.905204'),
  ('CACME00002', '1772516807.036925', 'UACME00006', 'Fine by me if we rate limit calls to the provider. We hit their quota twice last month.', '1772515414.905204'),
  ('CACME00002', '1772517681.759879', 'UACME00003', 'Customer-wise this fixes the complaint that new stops don''t show up until the next day.', '1772515414.905204'),
  ('CACME00002', '1772517895.587562', 'UACME00002', 'Ok, writing it up as an RFC this week.', '1772515414.905204'),
  ('CACME00002', '1772520628.519974', 'UACME00006', 'Staging database upgrade to Postgres 16 is done. Prod is scheduled for next Tuesday''s window.', NULL),
  ('CACME00002', '1772525879.557115', 'UACME00005', 'Anyone else seeing flaky tests in test_route_export? Failed 3 times today on main.', NULL),
  ('CACME00002', '1772526449.698985', 'UACME00004', 'It''s timezone-dependent. The fixture assumes UTC and the runner is in Europe/Berlin.', '1772525879.557115'),
  ('CACME00002', '1772527138.945584', 'UACME00005', 'Of course it is. Pinning TZ in the CI config.', '1772525879.557115'),
  ('CACME00002', '1772534547.296912', 'UACME00002', 'Release train for v2.14 leaves Tuesday. Freeze Monday at 17:00, please get PRs in.', NULL),
  ('CACME00002', '1772539074.752969', 'UACME00001', 'What''s the headline feature in 2.14 for the changelog?', NULL),
  ('CACME00002', '1772546121.313755', 'UACME00003', 'Time-window constraints on multi-stop routes. It''s the top request from the logistics accounts.', NULL),
  ('CACME00002', '1772550286.979270', 'UACME00007', 'Design review for driver app offline mode: Wednesday 14:00. Invite is out.', NULL),
  ('CACME00002', '1772556971.749514', 'UACME00004', 'Benchmark for the new scoring pool: p50 210ms -> 95ms, p99 1.9s -> 640ms on the 200-stop dataset.', NULL),
  ('CACME00002', '1772557595.624487', 'UACME00002', 'That''s excellent. Let''s put those numbers in the release notes.', '1772556971.749514'),
  ('CACME00002', '1772558338.604189', 'UACME00006', 'And the memory footprint?', '1772556971.749514'),
  ('CACME00002', '1772559199.688620', 'UACME00004', 'About 15% higher per worker, well within limits.', '1772556971.749514'),
  ('CACME00002', '1772565159.877780', 'UACME00006', 'Prod Postgres 16 upgrade complete. 4 minutes of read-only mode, no errors.', NULL),
  ('CACME00002', '1772568239.171669', 'UACME00005', 'v2.14 is out! Changelog posted in #general.', NULL),
  ('CACME00003', '1772573837.570287', 'UACME00003', 'Spec for multi-stop optimizer v2 is ready for comments. Main change: soft time windows with penalties.', NULL),
  ('CACME00003', '1772574395.073634', 'UACME00007', 'Added mockups for the penalty slider. I''m not sure users understand ''penalty'' though.', '1772573837.570287'),
  ('CACME00003', '1772575071.681710', 'UACME00009', 'They don''t. Customers say ''how strict is this window''. Strictness might read better.', '1772573837.570287'),
  ('CACME00003', '1772575867.394515', 'UACME00003', 'Love it. Renaming to strictness: flexible, preferred, strict.', '1772573837.570287'),
  ('CACME00003', '1772580742.212049', 'UACME00009', 'Feedback from Bluebird Couriers: they want to export routes to CSV with driver notes included.', NULL),
  ('CACME00003', '1772588136.134312', 'UACME00003', 'Logged it. That''s the fourth request this month, moving it up.', NULL),
  ('CACME00003', '1772592648.161304', 'UACME00002', 'Do we have usage data on the route sharing link? Deciding whether to invest more there.', NULL),
  ('CACME00003', '1772593139.293025', 'UACME00005', 'About 22% of active accounts used it last month, mostly on mobile.', '1772592648.161304'),
  ('CACME00003', '1772593749.529475', 'UACME00003', 'Then mobile polish first, new sharing features later.', '1772592648.161304'),
  ('CACME00003', '1772600418.870654', 'UACME00007', 'Usability test results for the onboarding flow: 5 of 6 participants got stuck at the depot setup step.', NULL),
  ('CACME00003', '1772604207.316562', 'UACME00001', 'That matches what sales hears in demos. Let''s make depot setup optional for the first route.', NULL),
  ('CACME00003', '1772610514.867199', 'UACME00003', 'Agreed. Grace, can you sketch a ''skip for now'' path?', NULL),
  ('CACME00003', '1772613941.522565', 'UACME00007', 'On it, will share by Friday.', NULL),
  ('CACME00003', '1772619887.282660', 'UACME00009', 'Quick win request: show the estimated finish time on the route summary card.', NULL),
  ('CACME00003', '1772622952.147484', 'UACME00005', 'That''s a one-liner, adding it to 2.15.', NULL),
  ('CACME00004', '1772628536.117037', 'UACME00008', 'Northwind Logistics wants a pilot for 40 drivers starting May. Procurement is asking about SSO.', NULL),
  ('CACME00004', '1772629318.191319', 'UACME00003', 'SAML SSO is on the Q2 roadmap, target end of May. Can we promise that?', '1772628536.117037'),
  ('CACME00004', '1772629439.370330', 'UACME00001', 'Promise end of June to be safe. Ben, loop me into the next call.', '1772628536.117037'),
  ('CACME00004', '1772629679.654070', 'UACME00008', 'Will do. Call is Tuesday 16:00.', '1772628536.117037'),
  ('CACME00004', '1772634539.042539', 'UACME00010', 'Pricing question from Bluebird: can they pay annually but add seats monthly?', NULL),
  ('CACME00004', '1772641917.535737', 'UACME00001', 'Yes, prorated. Tom, please add that to the pricing FAQ.', NULL),
  ('CACME00004', '1772646415.133664', 'UACME00009', 'Bluebird renewal is due in three weeks. Usage is up 30%, good time to talk about the Pro tier.', NULL),
  ('CACME00004', '1772647131.836320', 'UACME00008', 'I''ll prepare a proposal. What''s their biggest pain right now?', '1772646415.133664'),
  ('CACME00004', '1772647967.643705', 'UACME00009', 'Manual re-routing when a driver calls in sick. Pro''s auto-reassign solves it.', '1772646415.133664'),
  ('CACME00004', '1772654622.555819', 'UACME00008', 'Pipeline update: 9 open opportunities, $310k weighted. Northwind is the big one.', NULL),
  ('CACME00004', '1772658395.572662', 'UACME00010', 'Q1 bookings are final: $402k new ARR against a $380k target.', NULL),
  ('CACME00004', '1772664687.694234', 'UACME00008', 'Northwind signed the pilot! 40 drivers, starting May 6.', NULL),
  ('CACME00004', '1772668098.920535', 'UACME00001', 'Fantastic work, Ben.', NULL),
  ('CACME00005', '1772674029.251565', 'UACME00006', ':red_circle: Route optimization requests timing out for some EU customers since 07:42 UTC. Investigating.', NULL),
  ('CACME00005', '1772674798.687324', 'UACME00004', 'Scoring worker queue is backed up in eu-west. Looks like one tenant submitted a 4,000-stop route.', '1772674029.251565'),
  ('CACME00005', '1772675687.227812', 'UACME00006', 'Scaled the pool from 6 to 12 workers. Queue draining.', '1772674029.251565'),
  ('CACME00005', '1772675914.873029', 'UACME00009', 'Two customers have written in. I''ll tell them we''re on it.', '1772674029.251565'),
  ('CACME00005', '1772676261.622975', 'UACME00006', ':large_green_circle: Resolved at 08:19 UTC. Postmortem to follow.', '1772674029.251565'),
  ('CACME00005', '1772683987.477650', 'UACME00002', 'We need a per-tenant limit on route size. Leo, can you add it to 2.15?', NULL),
  ('CACME00005', '1772688832.437054', 'UACME00004', 'Yes. Proposing 1,500 stops per request, configurable per plan.', NULL),
  ('CACME00005', '1772696195.501187', 'UACME00006', 'Postmortem for the EU timeout incident is in the drive. Main action items: per-tenant limits, queue depth alerting, autoscaling.', NULL),
  ('CACME00005', '1772697017.670049', 'UACME00002', 'Good write-up. Let''s review it Friday.', '1772696195.501187'),
  ('CACME00005', '1772704018.943640', 'UACME00005', 'Dashboard shows a 502 on the route history page for me. Anyone else?', NULL),
  ('CACME00005', '1772708139.321960', 'UACME00006', 'Deploy in progress, should clear in a minute. Sorry, forgot to announce it.', NULL),
  ('CACME00005', '1772714778.805009', 'UACME00005', 'Cleared, thanks.', NULL),
  ('CACME00005', '1772718537.392787', 'UACME00006', ':red_circle: Geocoding provider returning 429s. New addresses can''t be placed on the map.', NULL),
  ('CACME00005', '1772719175.085294', 'UACME00004', 'We''re over the daily quota again. The batch job retried without backoff.', '1772718537.392787'),
  ('CACME00005', '1772719931.882530', 'UACME00006', 'Paused the batch job. Provider confirmed quota resets at midnight UTC.', '1772718537.392787'),
  ('CACME00005', '1772720807.784495', 'UACME00002', 'This is exactly why the on-write geocoding RFC matters.', '1772718537.392787'),
  ('CACME00005', '1772721021.791189', 'UACME00006', ':large_green_circle: Quota reset, geocoding healthy. Batch job stays paused until the new cache ships.', '1772718537.392787'),
  ('CACME00006', '1772726574.902612', 'UACME00007', 'Who left a whole tray of cinnamon rolls in the kitchen? You are a hero.', NULL),
  ('CACME00006', '1772729247.118764', 'UACME00008', 'Guilty. My neighbor runs a bakery.', NULL),
  ('CACME00006', '1772734438.439645', 'UACME00004', 'Lunch run to the ramen place at 12:30, who''s in?', NULL),
  ('CACME00006', '1772735128.865255', 'UACME00005', 'In!', '1772734438.439645'),
  ('CACME00006', '1772735938.395594', 'UACME00006', 'In, but I''m on call so I might bail.', '1772734438.439645'),
  ('CACME00006', '1772736087.030662', 'UACME00010', 'Save me a seat.', '1772734438.439645'),
  ('CACME00006', '1772740554.770459', 'UACME00009', 'Book club pick for next month: ''The Goal'' by Goldratt. Extremely on brand for a routing company.', NULL),
  ('CACME00006', '1772747541.614985', 'UACME00002', 'I read it twice. The chapter about the hike is basically queueing theory.', NULL),
  ('CACME00006', '1772751647.564240', 'UACME00003', 'Photo from the team hike is in the drive. Grace''s summit pose is iconic.', NULL),
  ('CACME00006', '1772758271.618224', 'UACME00007', 'I regret nothing.', NULL),
  ('CACME00006', '1772762014.776937', 'UACME00001', 'Friday demo hour: show something you built this week, work or not. Snacks provided.', NULL),
  ('CACME00006', '1772762877.040379', 'UACME00005', 'I''ll demo my mechanical keyboard build, if that counts.', '1772762014.776937'),
  ('CACME00006', '1772763078.408550', 'UACME00001', 'It absolutely counts.', '1772762014.776937'),
  ('CACME00006', '1772768978.881450', 'UACME00006', 'Reminder that the office is closed Monday for the holiday.', NULL),
  ('CACME00006', '1772771998.459079', 'UACME00008', 'Anyone have a spare HDMI adapter? Mine vanished before a demo.', NULL),
  ('CACME00006', '1772777537.141437', 'UACME00010', 'Top drawer of the supply cabinet, left side.', NULL),
  ('CACME00007', '1772780194.928524', 'UACME00001', 'Board meeting April 14. I want to show the Q1 numbers, the Northwind pilot, and the hiring plan.', NULL),
  ('CACME00007', '1772780991.820340', 'UACME00010', 'I''ll have the financials and the runway model by the 7th. Runway is 26 months at the current burn.', '1772780194.928524'),
  ('CACME00007', '1772781127.816885', 'UACME00002', 'Engineering slide: 2 hires, reliability metrics, and the scoring performance work.', '1772780194.928524'),
  ('CACME00007', '1772781381.918159', 'UACME00003', 'Product slide: roadmap, NPS (now 47), and the onboarding fixes.', '1772780194.928524'),
  ('CACME00007', '1772788715.124162', 'UACME00002', 'I''d like to open a second SRE role. Omar is carrying on-call alone and that''s not sustainable.', NULL),
  ('CACME00007', '1772789207.434894', 'UACME00010', 'Budget allows it if we start in June. I''ll adjust the plan.', '1772788715.124162'),
  ('CACME00007', '1772789818.850355', 'UACME00001', 'Approved. Let''s post it this week.', '1772788715.124162'),
  ('CACME00007', '1772793909.370545', 'UACME00003', 'Heads up: Bluebird asked about a discount for a 3-year commitment. Thoughts on a ceiling?', NULL),
  ('CACME00007', '1772800518.995464', 'UACME00001', '15% max, and only with annual prepayment.', NULL),
  ('CACME00007', '1772804247.725112', 'UACME00010', 'Agreed. I''ll brief Ben.', NULL),
  ('CACME00007', '1772810495.559489', 'UACME00001', 'Draft board deck is in the leadership folder. Comments by Friday please.', NULL),
  ('CACME00002', '1772813862.498595', 'UACME00006', 'Added queue depth alerts for the scoring pool: warn at 200, page at 1,000.', NULL),
  ('CACME00002', '1772819747.542430', 'UACME00004', 'Per-tenant route size limit is merged, default 1,500 stops.', NULL),
  ('CACME00003', '1772822751.690994', 'UACME00003', 'Optimizer v2 beta opens to 10 customers next week. Hannah, can you pick the list?', NULL),
  ('CACME00003', '1772828274.944287', 'UACME00009', 'Done, sent you the list. Mix of small fleets and two enterprise accounts.', NULL),
  ('CACME00004', '1772830917.302309', 'UACME00008', 'Demo with Harbor Freight Co. went well. They want a trial for their Denver depot.', NULL),
  ('CACME00001', '1772836078.765060', 'UACME00009', 'Customer love: Bluebird''s ops lead said the new route summary saves her an hour every morning.', NULL),
  ('CACME00001', '1772843759.332540', 'UACME00001', 'That''s the kind of message I want to see every week. Thank you, team.', NULL),
  ('CACME00006', '1772848559.004749', 'UACME00004', 'The ramen place has a new spicy miso. 10/10, would sweat again.', NULL),
  ('CACME00005', '1772855877.781687', 'UACME00006', 'Weekly on-call summary: 2 incidents, 1 false-positive page, 0 customer-facing outages since Tuesday.', NULL),
  ('CACME00002', '1772860315.663354', 'UACME00002', 'On-write geocoding RFC is approved. Leo and Omar are pairing on it next sprint.', NULL),
  ('CACME00007', '1772867272.649750', 'UACME00010', 'Runway model updated with the second SRE hire: 24 months.', NULL);

-- ===== core surface (DMs, group DM, the app's bot, archived channel, edited message) =====
-- The app's bot user: asymkit provisions its tokens onto this bot (same app name), so
-- the bot token spin prints already has a DM with Dana (it joins channels itself).
INSERT INTO users (id, workspace_id, account_id, name, real_name, is_bot, created) VALUES
  ('UACMEBOT01', 'TACME00001', NULL, 'asymkit', 'asymkit', true, 1767340000);
INSERT INTO bots (id, workspace_id, user_id, app_id, name) VALUES
  ('BACMEBOT01', 'TACME00001', 'UACMEBOT01', 'AACMEAPP01', 'asymkit');

UPDATE users SET tz = 'America/New_York', status_text = 'Board prep', status_emoji = ':spiral_calendar_pad:' WHERE id = 'UACME00001';
UPDATE users SET tz = 'Asia/Kolkata' WHERE id = 'UACME00003';
UPDATE users SET tz = 'Europe/Madrid' WHERE id = 'UACME00004';
UPDATE users SET tz = 'Europe/London', status_text = 'On call', status_emoji = ':pager:', phone = '+44 20 7946 0958' WHERE id = 'UACME00006';
UPDATE users SET tz = 'America/Chicago', status_text = 'Customer visits in Denver', status_emoji = ':airplane:' WHERE id = 'UACME00008';
UPDATE users SET tz = 'Asia/Tokyo', pronouns = 'she/her' WHERE id = 'UACME00009';
UPDATE users SET tz = 'Europe/Berlin' WHERE id = 'UACME00010';

-- An archived channel (hidden from conversations.list unless exclude_archived=false).
INSERT INTO channels (id, workspace_id, name, is_private, is_general, is_archived, creator, created, topic, topic_creator, topic_last_set, purpose, purpose_creator, purpose_last_set) VALUES
  ('CACME00008', 'TACME00001', 'q1-launch', false, false, true, 'UACME00003', 1767348600, 'Shipped!', 'UACME00003', 1767348600, 'Q1 launch coordination (done)', 'UACME00003', 1767348600);
INSERT INTO channel_members (channel_id, user_id, joined) VALUES
  ('CACME00008', 'UACME00003', 1767348600),
  ('CACME00008', 'UACME00002', 1767348660),
  ('CACME00008', 'UACME00007', 1767348720);

-- DMs (D…) and a group DM (G…): Dana (the workspace owner) with Marcus, with Priya and
-- with the bot; Dana, Marcus and Priya together.
INSERT INTO channels (id, workspace_id, name, is_private, creator, created, kind, im_user) VALUES
  ('DACME00001', 'TACME00001', 'DACME00001', true, 'UACME00001', 1767350000, 'im', 'UACME00002'),
  ('DACME00002', 'TACME00001', 'DACME00002', true, 'UACME00001', 1767350100, 'im', 'UACME00003'),
  ('DACME00003', 'TACME00001', 'DACME00003', true, 'UACME00001', 1767350200, 'im', 'UACMEBOT01'),
  ('GACME00001', 'TACME00001', 'mpdm-dana--marcus--priya-1', true, 'UACME00001', 1767350300, 'mpim', NULL);
INSERT INTO channel_members (channel_id, user_id, joined) VALUES
  ('DACME00001', 'UACME00001', 1767350000),
  ('DACME00001', 'UACME00002', 1767350000),
  ('DACME00002', 'UACME00001', 1767350100),
  ('DACME00002', 'UACME00003', 1767350100),
  ('DACME00003', 'UACME00001', 1767350200),
  ('DACME00003', 'UACMEBOT01', 1767350200),
  ('GACME00001', 'UACME00001', 1767350300),
  ('GACME00001', 'UACME00002', 1767350300),
  ('GACME00001', 'UACME00003', 1767350300);

INSERT INTO messages (channel_id, ts, user_id, bot_id, text, thread_ts) VALUES
  ('CACME00008', '1767349000.000100', 'UACME00003', NULL, 'Launch checklist is done. Archiving this channel, thanks all!', NULL),
  ('DACME00001', '1772870000.000100', 'UACME00001', NULL, 'Can you own the SRE job description? I''d like it posted by Wednesday.', NULL),
  ('DACME00001', '1772870400.000200', 'UACME00002', NULL, 'Yes, draft tonight. I''ll borrow from Omar''s notes on the on-call load.', NULL),
  ('DACME00002', '1772871000.000100', 'UACME00001', NULL, 'Loved the roadmap walkthrough. Can we move the onboarding fixes up one slot?', NULL),
  ('DACME00002', '1772871300.000200', 'UACME00003', NULL, 'Doable if the optimizer beta holds. I''ll confirm Monday.', NULL),
  ('DACME00003', '1772872000.000100', 'UACME00001', NULL, 'Summarize what #incidents discussed this week, please.', NULL),
  ('DACME00003', '1772872005.000200', 'UACMEBOT01', 'BACMEBOT01', 'Two incidents, one false-positive page, no customer-facing outages.', NULL),
  ('GACME00001', '1772873000.000100', 'UACME00002', NULL, 'Quick sync on the board deck before Friday?', NULL),
  ('GACME00001', '1772873200.000200', 'UACME00003', NULL, 'Thursday 15:00 works for me.', NULL),
  ('GACME00001', '1772873300.000300', 'UACME00001', NULL, 'Thursday 15:00 it is.', NULL);

-- An edited message: Tom moved the expense report deadline.
UPDATE messages SET text = 'Reminder: expense reports for March are due Thursday (not Friday). Receipts in the shared drive please!',
                    edited_by = 'UACME00010', edited_ts = '1772450000.000000'
 WHERE channel_id = 'CACME00001' AND ts = '1772449554.628374';
-- ===== end of core surface =====

-- ===== satellites (custom emoji, reactions, pins, files, bookmarks, user groups) =====
INSERT INTO custom_emoji (workspace_id, name, value, user_id, created) VALUES
  ('TACME00001', 'acme-logo', 'https://emoji.acme-corp.test/acme-logo.png', 'UACME00007', 1767344400),
  ('TACME00001', 'party-truck', 'https://emoji.acme-corp.test/party-truck.gif', 'UACME00002', 1767345000),
  ('TACME00001', 'lgtm', 'alias:white_check_mark', 'UACME00004', 1767345600);

-- created: microseconds; the order people reacted in.
INSERT INTO reactions (channel_id, ts, name, user_id, created) VALUES
  ('CACME00001', '1772444400.000000', 'tada', 'UACME00002', 1772444500000000),
  ('CACME00001', '1772444400.000000', 'tada', 'UACME00003', 1772444510000000),
  ('CACME00001', '1772444400.000000', 'tada', 'UACME00009', 1772444520000000),
  ('CACME00001', '1772444400.000000', 'heart', 'UACME00007', 1772444530000000),
  ('CACME00001', '1772444400.000000', 'acme-logo', 'UACME00008', 1772444540000000),
  ('CACME00001', '1772474169.760095', 'wave', 'UACME00004', 1772474200000000),
  ('CACME00001', '1772474169.760095', 'wave', 'UACME00005', 1772474210000000),
  ('CACME00002', '1772496291.243144', 'eyes', 'UACME00002', 1772496300000000),
  ('CACME00002', '1772496291.243144', 'party-truck', 'UACME00006', 1772498600000000),
  ('CACME00002', '1772860315.663354', '+1', 'UACME00001', 1772860400000000),
  ('CACME00002', '1772860315.663354', '+1', 'UACME00004', 1772860410000000),
  ('CACME00002', '1772860315.663354', 'lgtm', 'UACME00006', 1772860420000000);

INSERT INTO pins (channel_id, ts, pinned_by, created) VALUES
  ('CACME00001', '1772456631.047290', 'UACME00001', 1772456700),
  ('CACME00002', '1772860315.663354', 'UACME00002', 1772860500);

-- Two small files, each shared into a channel by a file_share message.
INSERT INTO files (id, workspace_id, user_id, name, title, mimetype, filetype, length, content, state, created)
SELECT id, 'TACME00001', user_id, name, title, mimetype, filetype, octet_length(body), body, 'complete', created
FROM (VALUES
  ('FACME00001', 'UACME00003', 'q2-roadmap.md', 'Q2 roadmap', 'text/markdown', 'markdown',
   convert_to(E'# Q2 roadmap\n\n1. Routes v2 (multi-stop optimizer)\n2. Driver app offline mode\n3. Salesforce integration\n', 'UTF8'),
   1772483500),
  ('FACME00002', 'UACME00006', 'oncall-runbook.txt', 'On-call runbook', 'text/plain', 'text',
   convert_to(E'On-call runbook\n- Check the status page first.\n- Page the secondary after 15 minutes.\n- Post updates in #incidents every 30 min.\n', 'UTF8'),
   1772855800)
) AS f (id, user_id, name, title, mimetype, filetype, body, created);

INSERT INTO messages (channel_id, ts, user_id, text, thread_ts, subtype) VALUES
  ('CACME00003', '1772483650.000100', 'UACME00003', 'Roadmap doc for the kickoff, comments welcome.', NULL, 'file_share'),
  ('CACME00005', '1772855900.000100', 'UACME00006', 'Updated runbook after this week''s pages.', NULL, 'file_share'),
  ('CACME00005', '1772856000.000100', 'UACME00006', 'Customer-facing incident history now lives at https://health.acme-corp.test', NULL, NULL);

INSERT INTO file_shares (file_id, channel_id, ts) VALUES
  ('FACME00001', 'CACME00003', '1772483650.000100'),
  ('FACME00002', 'CACME00005', '1772855900.000100');

INSERT INTO bookmarks (id, channel_id, title, type, link, emoji, created_by, date_created) VALUES
  ('BkACME00001', 'CACME00002', 'Engineering handbook', 'link', 'https://wiki.acme-corp.test/engineering/handbook', ':books:', 'UACME00002', 1767345100);

INSERT INTO usergroups (id, workspace_id, name, handle, description, channels, created_by, updated_by, date_create, date_update) VALUES
  ('SACME00001', 'TACME00001', 'Engineering', 'eng', 'Everyone who ships Acme Routes', 'CACME00002', 'UACME00002', 'UACME00002', 1767345000, 1767345000);

INSERT INTO usergroup_members (usergroup_id, user_id) VALUES
  ('SACME00001', 'UACME00002'),
  ('SACME00001', 'UACME00004'),
  ('SACME00001', 'UACME00005'),
  ('SACME00001', 'UACME00006');
-- ===== end of satellites =====
