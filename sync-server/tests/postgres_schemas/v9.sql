-- Frozen: the PostgreSQL store's schema at version 9 (migrations/postgres/0001..0009): version
-- 8's, with each record's report reach (`records.report_until_day`) and its index by team.
-- Never edit; see src/storage/postgres/frozen_schemas.rs.

CREATE FUNCTION audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TABLE applied_ops (
    op_id uuid NOT NULL,
    device_id text NOT NULL,
    seq bigint,
    received_at bigint NOT NULL
);

CREATE TABLE audit_chain (
    seq bigint NOT NULL,
    at_ms bigint NOT NULL,
    user_id text,
    role text NOT NULL,
    device_id text,
    operation text NOT NULL,
    record_kind text NOT NULL,
    record_id text,
    justification text,
    recipient text,
    detail text,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    CONSTRAINT audit_chain_operation_check CHECK ((operation = ANY (ARRAY['collection'::text, 'alteration'::text, 'consultation'::text, 'disclosure'::text, 'combination'::text, 'erasure'::text])))
);

CREATE TABLE devices (
    id text NOT NULL,
    user_id text NOT NULL,
    name text NOT NULL,
    token_hash bytea NOT NULL,
    created_at bigint NOT NULL,
    last_seen_at bigint,
    revoked_at bigint,
    audit_through bigint DEFAULT 0 NOT NULL
);

CREATE TABLE enrolment_codes (
    code_hash bytea NOT NULL,
    user_id text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint,
    device_id text
);

CREATE TABLE feed (
    id integer NOT NULL,
    last_seq bigint NOT NULL,
    CONSTRAINT feed_id_check CHECK ((id = 1))
);

CREATE TABLE laps (
    code text NOT NULL,
    name text NOT NULL
);

CREATE TABLE record_members (
    kind text NOT NULL,
    record_id text NOT NULL,
    user_id text NOT NULL
);

CREATE TABLE records (
    kind text NOT NULL,
    record_id text NOT NULL,
    team_id text,
    owner_user_id text,
    subject_kind text,
    subject_id text,
    field_values text NOT NULL,
    clocks bytea NOT NULL,
    erased boolean DEFAULT false NOT NULL,
    seq bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    echo_device text,
    report_until_day bigint
);

CREATE TABLE retention_index (
    kind text NOT NULL,
    record_id text NOT NULL,
    team_id text,
    held boolean NOT NULL,
    anchor_ms bigint,
    retained_until_ms bigint,
    parent_kind text,
    parent_id text
);

CREATE TABLE schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE server_meta (
    key text NOT NULL,
    value text NOT NULL
);

CREATE TABLE teams (
    id text NOT NULL,
    name text NOT NULL,
    lap_code text,
    created_at bigint NOT NULL
);

CREATE TABLE users (
    id text NOT NULL,
    display_name text NOT NULL,
    role text NOT NULL,
    team_id text,
    created_at bigint NOT NULL,
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['officer'::text, 'pcso'::text, 'cip_volunteer'::text, 'supervisor'::text])))
);

ALTER TABLE ONLY applied_ops
    ADD CONSTRAINT applied_ops_pkey PRIMARY KEY (device_id, op_id);

ALTER TABLE ONLY audit_chain
    ADD CONSTRAINT audit_chain_pkey PRIMARY KEY (seq);

ALTER TABLE ONLY devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY devices
    ADD CONSTRAINT devices_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY enrolment_codes
    ADD CONSTRAINT enrolment_codes_pkey PRIMARY KEY (code_hash);

ALTER TABLE ONLY feed
    ADD CONSTRAINT feed_pkey PRIMARY KEY (id);

ALTER TABLE ONLY laps
    ADD CONSTRAINT laps_pkey PRIMARY KEY (code);

ALTER TABLE ONLY record_members
    ADD CONSTRAINT record_members_pkey PRIMARY KEY (kind, record_id, user_id);

ALTER TABLE ONLY records
    ADD CONSTRAINT records_pkey PRIMARY KEY (kind, record_id);

ALTER TABLE ONLY records
    ADD CONSTRAINT records_seq_key UNIQUE (seq);

ALTER TABLE ONLY retention_index
    ADD CONSTRAINT retention_index_pkey PRIMARY KEY (kind, record_id);

ALTER TABLE ONLY schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY server_meta
    ADD CONSTRAINT server_meta_pkey PRIMARY KEY (key);

ALTER TABLE ONLY teams
    ADD CONSTRAINT teams_pkey PRIMARY KEY (id);

ALTER TABLE ONLY users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX audit_chain_record ON audit_chain USING btree (record_id, seq) WHERE (record_id IS NOT NULL);

CREATE INDEX audit_chain_time ON audit_chain USING btree (at_ms);

CREATE INDEX audit_chain_user ON audit_chain USING btree (user_id, seq);

CREATE INDEX devices_user ON devices USING btree (user_id);

CREATE INDEX record_members_user ON record_members USING btree (user_id, kind, record_id);

CREATE INDEX records_subject ON records USING btree (subject_kind, subject_id) WHERE (subject_kind IS NOT NULL);

CREATE INDEX records_team_report ON records USING btree (team_id, report_until_day) WHERE (report_until_day IS NOT NULL);

CREATE INDEX records_team_seq ON records USING btree (team_id, seq);

CREATE INDEX retention_by_anchor ON retention_index USING btree (kind, anchor_ms) WHERE (held AND (retained_until_ms IS NULL));

CREATE INDEX retention_by_parent ON retention_index USING btree (parent_kind, parent_id) WHERE (parent_id IS NOT NULL);

CREATE INDEX retention_by_until ON retention_index USING btree (kind, retained_until_ms) WHERE held;

CREATE INDEX users_team ON users USING btree (team_id);

CREATE TRIGGER audit_chain_no_change BEFORE DELETE OR UPDATE ON audit_chain FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

ALTER TABLE ONLY devices
    ADD CONSTRAINT devices_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id);

ALTER TABLE ONLY enrolment_codes
    ADD CONSTRAINT enrolment_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id);

ALTER TABLE ONLY teams
    ADD CONSTRAINT teams_lap_code_fkey FOREIGN KEY (lap_code) REFERENCES laps(code);

ALTER TABLE ONLY users
    ADD CONSTRAINT users_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams(id);

INSERT INTO feed VALUES (1, 0);

INSERT INTO schema_migrations VALUES (1, '0001_initial', '2026-12-03 12:00:00+00');
INSERT INTO schema_migrations VALUES (2, '0002_audit_chain', '2026-12-03 12:00:00+00');
INSERT INTO schema_migrations VALUES (3, '0003_op_ids_per_device', '2026-12-03 12:00:00+00');
INSERT INTO schema_migrations VALUES (4, '0004_device_audit_marks', '2026-12-03 12:00:00+00');
INSERT INTO schema_migrations VALUES (5, '0005_triangle_corners', '2026-12-03 12:00:00+00');
INSERT INTO schema_migrations VALUES (6, '0006_retention_index', '2026-12-03 12:00:00+00');
INSERT INTO schema_migrations VALUES (7, '0007_team_roster', '2026-12-04 15:00:00+00');
INSERT INTO schema_migrations VALUES (8, '0008_retention_no_empty_personal_rows', '2026-12-05 09:00:00+00');
INSERT INTO schema_migrations VALUES (9, '0009_report_reach', '2026-12-06 15:00:00+00');

