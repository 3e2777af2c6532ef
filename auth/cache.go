package auth

import (
	"hash/maphash"
	"math/bits"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// The token cache's bounds (see Options.TokenCacheSize and the package
// documentation).
const (
	// cacheWays is the number of entries of one bucket.
	cacheWays = 8
	// cacheBytesPerEntry is the average memory an entry may count: a
	// bucket holds at most cacheWays entries and cacheWays times this.
	cacheBytesPerEntry = 4 << 10
	// cacheMaxEntryBytes is the most one entry may count; a larger token is
	// verified in full every time.
	cacheMaxEntryBytes = 16 << 10
)

// entryOverhead is what an entry counts besides its token and claims: the
// entry, its claims and signed-in state (one allocation), and its slot.
var entryOverhead = int(reflect.TypeFor[cacheEntry]().Size() + reflect.TypeFor[verified]().Size() + 16)

// verified is a token that passed every check: its claims and the
// signed-in state AuthenticateRequest returns for it, in one allocation,
// and what a cache hit needs to know whether the token still verifies: the
// header's kid and the key that verified the signature. The token cache
// shares it among all the calls that present the token.
type verified struct {
	claims Claims
	state  RequestState
	kid    string
	key    *verificationKey
}

// tokenCache keeps the outcome of successful verifications, keyed by the
// exact bytes of the token. It is a set-associative table: a token's hash
// picks one bucket of cacheWays entries, and a full bucket evicts one of its
// own entries (expired ones first, then by the CLOCK algorithm). A lookup
// takes no lock: it reads the bucket's slots atomically. Inserting and
// removing lock the one bucket they change.
//
// An entry says only that the token verified once. Verifier.verify decides
// on every hit whether it still does (same key for its kid, and the checks
// of the claims at the current time).
type tokenCache struct {
	seed    maphash.Seed // random per cache: tokens cannot be aimed at a bucket
	buckets []cacheBucket
}

// cacheBucket is one set of the table. tags holds the hash of each slot's
// entry so that a lookup reads one cache line before it follows a pointer;
// the entry's own hash and token decide.
type cacheBucket struct {
	tags    [cacheWays]atomic.Uint64
	entries [cacheWays]atomic.Pointer[cacheEntry]

	mu       sync.Mutex // held to change the slots, bytes and hand
	ways     int        // slots in use: cacheWays, or fewer in a small cache
	bytes    int        // what the bucket's entries count
	maxBytes int
	hand     int // the CLOCK hand
}

// cacheEntry is a token that verified. All but used is fixed once the
// entry is in a slot.
type cacheEntry struct {
	hash   uint64
	token  string // a copy, so no request's memory is kept
	v      *verified
	expiry time.Time // the claims' Verifier.expiry: no hit from then on
	cost   int       // bytes the entry counts (entryCost)
	used   atomic.Bool
}

// newTokenCache returns a cache of at most size entries (rounded down to a
// multiple of cacheWays when larger), or nil when size is not positive.
func newTokenCache(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	ways := min(size, cacheWays)
	c := &tokenCache{seed: maphash.MakeSeed(), buckets: make([]cacheBucket, size/ways)}
	for i := range c.buckets {
		c.buckets[i].ways = ways
		c.buckets[i].maxBytes = ways * cacheBytesPerEntry
	}
	return c
}

// hash returns the token's hash, which picks its bucket.
func (c *tokenCache) hash(token string) uint64 { return maphash.String(c.seed, token) }

func (c *tokenCache) bucket(h uint64) *cacheBucket {
	i, _ := bits.Mul64(h, uint64(len(c.buckets))) // h scaled to [0, len)
	return &c.buckets[i]
}

// get returns the entry of token (whose hash is h), or nil.
func (c *tokenCache) get(h uint64, token string) *cacheEntry {
	b := c.bucket(h)
	for i := range b.ways {
		if b.tags[i].Load() != h {
			continue
		}
		if e := b.entries[i].Load(); e != nil && e.hash == h && e.token == token {
			if !e.used.Load() {
				e.used.Store(true) // written once per CLOCK round, not per hit
			}
			return e
		}
	}
	return nil
}

// add puts e into its bucket, replacing an entry of the same token and
// making room by dropping entries that expired at now, then by CLOCK. An
// entry that counts more than cacheMaxEntryBytes, or than its bucket may
// hold, is not added.
func (c *tokenCache) add(e *cacheEntry, now time.Time) {
	b := c.bucket(e.hash)
	if e.cost > min(cacheMaxEntryBytes, b.maxBytes) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	free := -1
	for i := range b.ways {
		old := b.entries[i].Load()
		if old != nil && (!now.Before(old.expiry) || (old.hash == e.hash && old.token == e.token)) {
			b.clear(i)
			old = nil
		}
		if old == nil && free < 0 {
			free = i
		}
	}
	for free < 0 || b.bytes+e.cost > b.maxBytes {
		free = b.evict()
	}
	b.bytes += e.cost
	b.entries[free].Store(e)
	b.tags[free].Store(e.hash)
}

// remove drops e if it is still cached.
func (c *tokenCache) remove(e *cacheEntry) {
	b := c.bucket(e.hash)
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.ways {
		if b.entries[i].Load() == e {
			b.clear(i)
			return
		}
	}
}

// clear empties slot i, which holds an entry. b.mu is held.
func (b *cacheBucket) clear(i int) {
	b.bytes -= b.entries[i].Load().cost
	b.tags[i].Store(0)
	b.entries[i].Store(nil)
}

// evict empties one slot by the CLOCK algorithm and returns it: the hand
// passes over entries used since it last passed (clearing their mark) and
// stops at the first other one, or at a free slot. b.mu is held and the
// bucket is not empty, so two rounds at most find one.
func (b *cacheBucket) evict() int {
	for {
		i := b.hand
		b.hand = (b.hand + 1) % b.ways
		e := b.entries[i].Load()
		if e == nil {
			return i
		}
		if e.used.Load() {
			e.used.Store(false)
			continue
		}
		b.clear(i)
		return i
	}
}

// entryCost is what the entry of a verified token counts towards the
// cache's memory bound: its token, kid and claims, and a fixed overhead.
func entryCost(t *verified) int {
	return entryOverhead + len(t.state.Token) + len(t.kid) + t.claims.heapBytes()
}

// heapBytes estimates the memory the claims hold outside their struct: the
// payload, and the strings and slices read from it. Most strings are
// substrings of the payload and are counted twice, so the estimate errs
// high.
func (c *Claims) heapBytes() int {
	const stringHeader = 16
	n := len(c.raw)
	for _, s := range [...]string{c.Subject, c.SessionID, c.AuthorizedParty, c.Issuer, c.ID, c.SessionStatus, c.OrgID, c.OrgSlug, c.OrgRole} {
		n += len(s)
	}
	for _, list := range [...][]string{c.Audience, c.OrgPermissions, c.Features, c.Plans} {
		n += cap(list) * stringHeader
		for _, s := range list {
			n += len(s)
		}
	}
	n += cap(c.FactorVerificationAge) * 8
	if a := c.Actor; a != nil {
		n += int(reflect.TypeFor[Actor]().Size()) + len(a.Subject) + len(a.Issuer) + len(a.SessionID)
	}
	return n
}

// stats returns the number of entries and the bytes they count (for
// tests).
func (c *tokenCache) stats() (entries, bytes int) {
	for i := range c.buckets {
		b := &c.buckets[i]
		b.mu.Lock()
		for j := range b.ways {
			if b.entries[j].Load() != nil {
				entries++
			}
		}
		bytes += b.bytes
		b.mu.Unlock()
	}
	return entries, bytes
}
