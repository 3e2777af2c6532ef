-- The first schema. Types are STRICT: INTEGER for Unix milliseconds, TEXT,
-- BLOB for the domain's JSON documents (returned byte for byte).

-- The instance's settings: one row.
CREATE TABLE instance (
	singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
	id TEXT NOT NULL,
	secret_key TEXT NOT NULL,
	publishable_key TEXT NOT NULL,
	signing_key_pem TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	doc BLOB NOT NULL
) STRICT;

-- Users: the columns filtered and ordered by. search is the lower-cased
-- text that UserQuery.Query matches.
CREATE TABLE users (
	id TEXT NOT NULL PRIMARY KEY,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	last_active_at INTEGER NOT NULL,
	last_sign_in_at INTEGER NOT NULL,
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	username TEXT NOT NULL,
	external_id TEXT NOT NULL,
	primary_email TEXT NOT NULL,
	primary_phone TEXT NOT NULL,
	primary_web3_wallet TEXT NOT NULL,
	search TEXT NOT NULL,
	doc BLOB NOT NULL
) STRICT;

-- One index per UserQuery.OrderBy, with the ID as tie-break, read
-- forwards or backwards.
CREATE INDEX users_created_at ON users (created_at, id);
CREATE INDEX users_updated_at ON users (updated_at, id);
CREATE INDEX users_primary_email ON users (primary_email, id);
CREATE INDEX users_primary_web3_wallet ON users (primary_web3_wallet, id);
CREATE INDEX users_first_name ON users (first_name, id);
CREATE INDEX users_last_name ON users (last_name, id);
CREATE INDEX users_primary_phone ON users (primary_phone, id);
CREATE INDEX users_username ON users (username, id);
CREATE INDEX users_last_active_at ON users (last_active_at, id);
CREATE INDEX users_last_sign_in_at ON users (last_sign_in_at, id);

-- Identifiers: unique by (kind, value). id is NULL for the identifiers
-- that have none (username, external ID). position keeps the order the
-- user's identifiers were given in.
CREATE TABLE identifiers (
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	id TEXT UNIQUE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	PRIMARY KEY (kind, value)
) STRICT;

CREATE INDEX identifiers_user ON identifiers (user_id, position);

-- Every other resource. unique_key is NULL when the object has none, so
-- that UNIQUE (kind, unique_key) binds only the objects that have one.
CREATE TABLE objects (
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	ref TEXT NOT NULL,
	status TEXT NOT NULL,
	unique_key TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	doc BLOB NOT NULL,
	PRIMARY KEY (kind, id),
	UNIQUE (kind, unique_key)
) STRICT;

CREATE INDEX objects_created_at ON objects (kind, created_at, id);
CREATE INDEX objects_user ON objects (kind, user_id, created_at, id);
CREATE INDEX objects_ref ON objects (kind, ref, created_at, id);
CREATE INDEX objects_status ON objects (kind, status, created_at, id);
-- DeleteUser deletes the user's objects of every kind.
CREATE INDEX objects_owner ON objects (user_id);
