-- Seqs from a sequence, not from outbox_seq's locked row, and a claim's
-- exclusivity per endpoint from a lock of the endpoint, not from its
-- oldest message (sqlstore's outbox.go).
--
-- 0003 gave each enqueue the next Seq by updating outbox_seq's one row,
-- which stayed locked until the transaction ended: every transaction that
-- saved an event waited for the one before to commit, its fsync included,
-- so that Seqs increased in commit order. A sequence gives numbers without
-- a lock, in the order they are asked for: a transaction that took a Seq
-- may commit after one that took a higher Seq. Transactions that depend on
-- each other (one waited for the other's row lock, or read what it wrote,
-- before it enqueued) still take their Seqs in commit order. A claim
-- delivers an endpoint's messages by Seq among those committed, so a
-- message committed late with a lower Seq is simply the next delivered.
-- CACHE 1 (the default, said here so that it stays): every nextval takes
-- the next number of all sessions, so that a Seq taken after another
-- transaction committed is higher than that transaction's.
--
-- The lock on outbox_seq keeps enqueues of a process of the older schema
-- from taking a Seq while the sequence starts: after this migration they
-- fail, outbox_seq gone.
LOCK TABLE outbox_seq IN ACCESS EXCLUSIVE MODE;

CREATE SEQUENCE outbox_seqs AS BIGINT CACHE 1;

SELECT setval('outbox_seqs', GREATEST((SELECT last_seq FROM outbox_seq), (SELECT COALESCE(MAX(seq), 0) FROM outbox)) + 1, false);

DROP TABLE outbox_seq;

-- The messages leased (an attempt under way, or a lease ended and not yet
-- claimed again): a claim takes nothing of an endpoint that has a message
-- leased, and finds them through this index, a few entries an endpoint,
-- however many messages wait behind. Retries and releases set leased_until
-- back to 0; acknowledgements delete.
CREATE INDEX outbox_leased ON outbox (endpoint) WHERE leased_until <> 0;
