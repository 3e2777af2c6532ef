package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// maxJWKSBody caps the size of a JWKS answer.
const maxJWKSBody = 1 << 20

// jwksCache holds the keys of one instance's JWKS.
//
// The hot path is an atomic load and a map lookup: no lock, no I/O. Keys are
// fetched on first use, again when the TTL has passed (use does not extend
// it), and when a token names an unknown kid, at most once per
// refetchInterval. Concurrent callers share one fetch. When a fetch fails,
// the last good keys keep serving until maxStale past their TTL; past the
// TTL they are refreshed in the background while they serve.
type jwksCache struct {
	url             string
	secretKey       string
	client          *http.Client
	now             func() time.Time
	ttl             time.Duration
	refetchInterval time.Duration
	maxStale        time.Duration
	fetchTimeout    time.Duration

	set atomic.Pointer[keySet]

	mu             sync.Mutex
	inflight       *fetchCall
	lastRefetch    time.Time // last fetch caused by an unknown kid
	lastBackground time.Time // last background refresh of stale keys
}

// keySet is one successful fetch.
type keySet struct {
	keys      map[string]*verificationKey
	fetchedAt time.Time
}

// fetchCall is a fetch in progress that callers wait for.
type fetchCall struct {
	done chan struct{}
	set  *keySet
	err  *Error
}

func newJWKSCache(opts Options, url string, now func() time.Time) *jwksCache {
	c := &jwksCache{
		url: url, secretKey: opts.SecretKey, client: opts.HTTPClient, now: now,
		ttl: opts.JWKSCacheTTL, refetchInterval: opts.JWKSRefetchInterval,
		maxStale: opts.JWKSMaxStale, fetchTimeout: opts.JWKSFetchTimeout,
	}
	if c.client == nil {
		c.client = &http.Client{}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ttl, time.Hour)
	def(&c.refetchInterval, 5*time.Minute)
	def(&c.maxStale, 24*time.Hour)
	def(&c.fetchTimeout, 5*time.Second)
	return c
}

// key returns the key for kid.
func (c *jwksCache) key(ctx context.Context, kid string) (*verificationKey, *Error) {
	if kid == "" {
		return nil, fail(ReasonJWKFailedToResolve, "token header has no kid, which a JWKS lookup needs")
	}
	now := c.now()
	set := c.set.Load()
	if set != nil {
		age := now.Sub(set.fetchedAt)
		if age < c.ttl {
			if k := set.keys[kid]; k != nil {
				return k, nil // the hot path
			}
			return c.unknownKid(ctx, kid, now)
		}
		if k := set.keys[kid]; k != nil && age < c.ttl+c.maxStale {
			// Past the TTL: serve the last good keys while a refresh runs
			// in the background, so no request waits for Clerk, and a
			// failing refresh does not fail requests until maxStale.
			c.refreshInBackground(ctx, now)
			return k, nil
		}
	}
	// Cold, or the kid is unknown to stale keys: fetch (shared with
	// concurrent callers) and wait.
	fresh, err := c.fetch(ctx, false, now)
	if err != nil {
		return nil, err
	}
	if k := fresh.keys[kid]; k != nil {
		return k, nil
	}
	return nil, fail(ReasonJWKKidMismatch, "no key of the JWKS matches the token's kid")
}

// staleRetry is the least time between two background refreshes of stale
// keys, so that an unreachable API is not asked on every request.
const staleRetry = 10 * time.Second

// refreshInBackground starts a fetch unless one runs or one started
// within staleRetry.
func (c *jwksCache) refreshInBackground(ctx context.Context, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil || (!c.lastBackground.IsZero() && now.Sub(c.lastBackground) < staleRetry) {
		return
	}
	c.lastBackground = now
	call := &fetchCall{done: make(chan struct{})}
	c.inflight = call
	go c.run(context.WithoutCancel(ctx), call)
}

// unknownKid refetches for a kid the fresh cache does not have, at most
// once per refetchInterval (keys rotate rarely; forged kids are common).
func (c *jwksCache) unknownKid(ctx context.Context, kid string, now time.Time) (*verificationKey, *Error) {
	fresh, err := c.fetch(ctx, true, now)
	if err != nil {
		return nil, err
	}
	if fresh != nil {
		if k := fresh.keys[kid]; k != nil {
			return k, nil
		}
	}
	return nil, fail(ReasonJWKKidMismatch, "no key of the JWKS matches the token's kid")
}

// fetch returns a fresh key set, joining a fetch in progress or starting
// one. With forUnknownKid, it starts no fetch within refetchInterval of the
// last one it started, and returns (nil, nil) instead.
func (c *jwksCache) fetch(ctx context.Context, forUnknownKid bool, now time.Time) (*keySet, *Error) {
	c.mu.Lock()
	call := c.inflight
	if call == nil {
		if forUnknownKid {
			if !c.lastRefetch.IsZero() && now.Sub(c.lastRefetch) < c.refetchInterval {
				c.mu.Unlock()
				return nil, nil
			}
			c.lastRefetch = now
		} else if set := c.set.Load(); set != nil && now.Sub(set.fetchedAt) < c.ttl {
			// Another caller refreshed while this one waited for the lock.
			c.mu.Unlock()
			return set, nil
		}
		call = &fetchCall{done: make(chan struct{})}
		c.inflight = call
		// The fetch belongs to every waiter, not to the first caller: it
		// is not cancelled with ctx, only bounded by fetchTimeout.
		go c.run(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.set, call.err
	case <-ctx.Done():
		return nil, failWrap(ReasonJWKRemoteFailedToLoad, "gave up waiting for the JWKS", ctx.Err())
	}
}

func (c *jwksCache) run(ctx context.Context, call *fetchCall) {
	set, err := c.load(ctx)
	if err == nil {
		c.set.Store(set)
	}
	c.mu.Lock()
	call.set, call.err = set, err
	c.inflight = nil
	c.mu.Unlock()
	close(call.done)
}

// load makes one request for the JWKS.
func (c *jwksCache) load(ctx context.Context) (*keySet, *Error) {
	ctx, cancel := context.WithTimeout(ctx, c.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, failWrap(ReasonJWKRemoteFailedToLoad, "building the JWKS request", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.secretKey)
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, failWrap(ReasonJWKRemoteFailedToLoad, "fetching the JWKS failed", errors.Unwrap(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBody+1))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fail(ReasonSecretKeyInvalid, fmt.Sprintf("the API refused the secret key (%d) when fetching the JWKS", resp.StatusCode))
	case resp.StatusCode != http.StatusOK:
		return nil, fail(ReasonJWKRemoteFailedToLoad, fmt.Sprintf("fetching the JWKS: HTTP %d", resp.StatusCode))
	case err != nil:
		return nil, failWrap(ReasonJWKRemoteFailedToLoad, "reading the JWKS", err)
	case len(body) > maxJWKSBody:
		return nil, fail(ReasonJWKRemoteInvalid, "the JWKS is larger than 1 MiB")
	}
	keys, perr := parseJWKS(body)
	if perr != nil {
		return nil, failWrap(ReasonJWKRemoteInvalid, "the JWKS is not valid JSON", perr)
	}
	if len(keys) == 0 {
		return nil, fail(ReasonJWKRemoteMissing, "the JWKS has no RSA signing key")
	}
	return &keySet{keys: keys, fetchedAt: c.now()}, nil
}
