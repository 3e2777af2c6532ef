-- The outbox, as in SQLite's 0003: events (webhooks) waiting to be
-- delivered, saved in the transaction of the change that caused them
-- (store.OutboxMessage). Text is in the "C" collation, as everywhere.
--
-- id is the message's ID, the same at every attempt. seq orders the
-- messages in commit order: EnqueueOutbox takes it from outbox_seq, whose
-- row it locks until its transaction ends (a SEQUENCE would give numbers
-- in the order they were asked for, not in the order their transactions
-- commit). A message is due when next_attempt_at has passed, and leased
-- (an attempt is under way) until leased_until (0 when not leased).
-- attempts counts the attempts claimed.
CREATE TABLE outbox (
	id TEXT COLLATE "C" NOT NULL,
	endpoint TEXT COLLATE "C" NOT NULL,
	event_type TEXT COLLATE "C" NOT NULL,
	payload BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	attempts INTEGER NOT NULL,
	next_attempt_at BIGINT NOT NULL,
	leased_until BIGINT NOT NULL,
	seq BIGINT NOT NULL,
	CONSTRAINT outbox_pkey PRIMARY KEY (id),
	CONSTRAINT outbox_seq_key UNIQUE (seq)
);

-- A claim finds the oldest message of each endpoint (and lists, counts an
-- endpoint's messages) by (endpoint, seq); it scans the outbox in seq
-- order through outbox_seq_key.
CREATE INDEX outbox_endpoint ON outbox (endpoint, seq);

-- The last seq given: one row, updated by each EnqueueOutbox.
CREATE TABLE outbox_seq (
	singleton INTEGER NOT NULL CHECK (singleton = 1),
	last_seq BIGINT NOT NULL,
	CONSTRAINT outbox_seq_pkey PRIMARY KEY (singleton)
);

INSERT INTO outbox_seq (singleton, last_seq) VALUES (1, 0);
