-- The outbox: events (webhooks) waiting to be delivered, saved in the
-- transaction of the change that caused them (store.OutboxMessage).
--
-- id is the message's ID, the same at every attempt. seq orders the
-- messages in commit order: EnqueueOutbox takes it from outbox_seq. A
-- message is due when next_attempt_at has passed, and leased (an attempt
-- is under way) until leased_until (0 when not leased). attempts counts
-- the attempts claimed.
CREATE TABLE outbox (
	id TEXT NOT NULL PRIMARY KEY,
	endpoint TEXT NOT NULL,
	event_type TEXT NOT NULL,
	payload BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	leased_until INTEGER NOT NULL,
	seq INTEGER NOT NULL UNIQUE
) STRICT;

-- A claim finds the oldest message of each endpoint (and lists, counts an
-- endpoint's messages) by (endpoint, seq); it scans the outbox in seq
-- order through the UNIQUE index of seq.
CREATE INDEX outbox_endpoint ON outbox (endpoint, seq);

-- The last seq given: one row, updated by each EnqueueOutbox.
CREATE TABLE outbox_seq (
	singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
	last_seq INTEGER NOT NULL
) STRICT;

INSERT INTO outbox_seq (singleton, last_seq) VALUES (1, 0);
