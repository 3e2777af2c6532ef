-- The first schema, the same as SQLite's: BIGINT for Unix milliseconds,
-- TEXT in the "C" collation (byte order, as SQLite's BINARY, so that both
-- backends order names alike whatever the database's locale), BYTEA for
-- the domain's JSON documents (returned byte for byte). Primary keys are
-- named *_pkey: a unique violation of one is reported as such.

-- The instance's settings: one row.
CREATE TABLE instance (
	singleton INTEGER NOT NULL CHECK (singleton = 1),
	id TEXT COLLATE "C" NOT NULL,
	secret_key TEXT COLLATE "C" NOT NULL,
	publishable_key TEXT COLLATE "C" NOT NULL,
	signing_key_pem TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL,
	doc BYTEA NOT NULL,
	CONSTRAINT instance_pkey PRIMARY KEY (singleton)
);

-- Users: the columns filtered and ordered by. search is the lower-cased
-- text that UserQuery.Query matches.
CREATE TABLE users (
	id TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	last_active_at BIGINT NOT NULL,
	last_sign_in_at BIGINT NOT NULL,
	first_name TEXT COLLATE "C" NOT NULL,
	last_name TEXT COLLATE "C" NOT NULL,
	username TEXT COLLATE "C" NOT NULL,
	external_id TEXT COLLATE "C" NOT NULL,
	primary_email TEXT COLLATE "C" NOT NULL,
	primary_phone TEXT COLLATE "C" NOT NULL,
	primary_web3_wallet TEXT COLLATE "C" NOT NULL,
	search TEXT COLLATE "C" NOT NULL,
	doc BYTEA NOT NULL,
	CONSTRAINT users_pkey PRIMARY KEY (id)
);

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
	kind TEXT COLLATE "C" NOT NULL,
	value TEXT COLLATE "C" NOT NULL,
	id TEXT COLLATE "C",
	user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	CONSTRAINT identifiers_pkey PRIMARY KEY (kind, value),
	CONSTRAINT identifiers_id_key UNIQUE (id)
);

CREATE INDEX identifiers_user ON identifiers (user_id, position);

-- Every other resource. unique_key is NULL when the object has none, so
-- that UNIQUE (kind, unique_key) binds only the objects that have one.
CREATE TABLE objects (
	kind TEXT COLLATE "C" NOT NULL,
	id TEXT COLLATE "C" NOT NULL,
	user_id TEXT COLLATE "C" NOT NULL,
	ref TEXT COLLATE "C" NOT NULL,
	status TEXT COLLATE "C" NOT NULL,
	unique_key TEXT COLLATE "C",
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	doc BYTEA NOT NULL,
	CONSTRAINT objects_pkey PRIMARY KEY (kind, id),
	CONSTRAINT objects_unique_key UNIQUE (kind, unique_key)
);

CREATE INDEX objects_created_at ON objects (kind, created_at, id);
CREATE INDEX objects_user ON objects (kind, user_id, created_at, id);
CREATE INDEX objects_ref ON objects (kind, ref, created_at, id);
CREATE INDEX objects_status ON objects (kind, status, created_at, id);
-- DeleteUser deletes the user's objects of every kind.
CREATE INDEX objects_owner ON objects (user_id);
