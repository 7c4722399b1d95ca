-- Version 7: a push reads its team's devices by index (the SQLite store's 0011 says why;
-- `users_team` is in 0001 here).
CREATE INDEX devices_user ON devices (user_id);
