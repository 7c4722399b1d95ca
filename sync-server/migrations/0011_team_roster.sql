-- Version 11: a push reads its team's roster — the team's users and who each of their devices
-- belongs to — by index. Until now it read every user to find the team's and every device of
-- the force to name conflict authors, so what each push paid grew with the force, not the
-- team.
CREATE INDEX users_team ON users (team_id);
CREATE INDEX devices_user ON devices (user_id);
