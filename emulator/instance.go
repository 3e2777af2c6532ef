package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/clerkgo/clerk/internal/v2021"

	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/emulator/store"
)

// DefaultFrontendHost is the frontend API host the emulator names in its
// publishable key and, as https://DefaultFrontendHost, in the iss claim of
// its tokens. Clerk's Go SDK requires iss to start with "https://clerk.",
// so the default does.
const DefaultFrontendHost = "clerk.emulator.localhost"

// storedFormat is the version of the documents the emulator stores: the
// 2021-02-05 models of package v2021 (users, sessions, clients, templates,
// ...) and its own records, encoded as JSON, kept byte for byte by the
// store. A database remembers the format it was written in (the instance's
// settings). A change of the models (a regenerated
// internal/v2021/models_gen.go) or of a record that
// would store or read other bytes fails TestStoredDocumentsArePinned: bump
// the format then, and teach New to upgrade the documents of the older
// one.
const storedFormat = 1

// ErrStoredFormatTooNew is returned by New for a database written by a
// newer program, in a format this one does not know.
var ErrStoredFormatTooNew = errors.New("emulator: the database was written by a newer version of the local Backend API")

// instanceDoc is the document of the instance's settings.
type instanceDoc struct {
	// StoredFormat is the storedFormat the database's documents are in.
	StoredFormat int `json:"stored_format"`
	// WebhookSecret is the webhooks' signing secret made up on a start
	// with endpoints and no Options.WebhookSecret, kept for the next.
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// Options configure a Service.
type Options struct {
	// SecretKey is the key clients must send as Bearer. Empty: the key
	// saved on first start, or a new "sk_test_..." key.
	SecretKey string
	// Issuer is the iss claim of session tokens; empty means
	// "https://" + DefaultFrontendHost.
	Issuer string
	// SigningKey signs session tokens. Nil: the key saved on first start,
	// or a new 2048-bit key. (Tests pass one to skip key generation.)
	SigningKey *rsa.PrivateKey
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SessionTokenVersion is the version of the session tokens minted
	// when a request does not choose: 1 (the default) or 2.
	SessionTokenVersion int
	// Rand is the source of the random bytes of IDs, secrets, codes and
	// token IDs; nil means crypto/rand. A seeded reader makes a server's
	// answers reproducible (the differential tests of the stores run two
	// servers on one seed); never set one outside tests, as everything
	// secret then becomes predictable.
	Rand io.Reader
	// Webhooks are the endpoints the instance's events go to: each change
	// that Clerk announces with a webhook saves its event, for each
	// endpoint that takes its type, in the store's outbox, in the
	// change's transaction (a delivery.Worker sends them). None: no events.
	Webhooks []WebhookEndpoint
	// EventsSaved, when set, is called after a transaction that saved
	// events commits (a delivery.Worker's Notify, so delivery starts at
	// once rather than at its next poll). It must not block.
	EventsSaved func()
	// WebhookSecret is the signing secret of the webhooks ("whsec_..."),
	// for the Sender that delivers them (Service.WebhookSecret). Empty
	// with Webhooks set: the secret saved in the instance, or a new one,
	// saved.
	WebhookSecret string
}

// core is what every group of operations shares: the store, the clock,
// the instance with its keys, and the source of randomness. Its methods
// are the mechanics the groups share (reading and writing users and
// stored objects, starting sessions, signing tokens).
type core struct {
	store        store.Store
	now          func() time.Time
	inst         *store.Instance
	key          *rsa.PrivateKey
	issuer       string
	tokenVersion int
	rand         *randSource
	webhooks     []WebhookEndpoint
	eventsSaved  func()
	// webhookSecret is Options.WebhookSecret or the saved one, "" when
	// the instance has no endpoints.
	webhookSecret string
}

// New opens the instance kept in st, creating it on first start (its ID,
// keys and signing key are generated once and saved).
func New(ctx context.Context, st store.Store, opts Options) (*Service, error) {
	s := &core{store: st, now: opts.Now, issuer: opts.Issuer, tokenVersion: opts.SessionTokenVersion,
		rand: newRandSource(opts.Rand)}
	if s.tokenVersion != 0 && s.tokenVersion != 1 && s.tokenVersion != 2 {
		return nil, fmt.Errorf("emulator: session token version %d: want 1 or 2", s.tokenVersion)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.issuer == "" {
		s.issuer = "https://" + DefaultFrontendHost
	}
	inst, err := st.Instance(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		inst = &store.Instance{
			ID:             s.rand.id("ins"),
			SecretKey:      "sk_test_" + s.rand.base62(40),
			PublishableKey: PublishableKey(DefaultFrontendHost),
			CreatedAt:      s.now().UnixMilli(),
		}
		key := opts.SigningKey
		if key == nil {
			if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				return nil, fmt.Errorf("emulator: generating the signing key: %w", err)
			}
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		inst.SigningKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	case err != nil:
		return nil, fmt.Errorf("emulator: reading the instance: %w", err)
	}
	var doc instanceDoc
	if len(inst.Doc) > 0 {
		if err := json.Unmarshal(inst.Doc, &doc); err != nil {
			return nil, fmt.Errorf("emulator: the saved instance settings: %w", err)
		}
	}
	if doc.StoredFormat > storedFormat {
		return nil, fmt.Errorf("%w: its documents are in format %d, this program knows formats up to %d",
			ErrStoredFormatTooNew, doc.StoredFormat, storedFormat)
	}
	changed := doc.StoredFormat == 0 // a new instance, or one from before formats were recorded
	doc.StoredFormat = storedFormat
	if len(opts.Webhooks) > 0 {
		switch {
		case opts.WebhookSecret != "":
			s.webhookSecret = opts.WebhookSecret
		case doc.WebhookSecret != "":
			s.webhookSecret = doc.WebhookSecret
		default:
			b := make([]byte, 24)
			s.rand.read(b)
			doc.WebhookSecret = "whsec_" + base64.StdEncoding.EncodeToString(b)
			s.webhookSecret = doc.WebhookSecret
			changed = true
		}
	}
	if opts.SecretKey != "" && opts.SecretKey != inst.SecretKey {
		inst.SecretKey = opts.SecretKey
		changed = true
	}
	if changed {
		data, err := json.Marshal(&doc)
		if err != nil {
			return nil, err
		}
		inst.Doc = data
		if err := st.PutInstance(ctx, inst); err != nil {
			return nil, fmt.Errorf("emulator: saving the instance: %w", err)
		}
	}
	block, _ := pem.Decode([]byte(inst.SigningKeyPEM))
	if block == nil {
		return nil, errors.New("emulator: the saved signing key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("emulator: the saved signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("emulator: the saved signing key is not RSA")
	}
	s.inst, s.key = inst, rk
	for i, ep := range opts.Webhooks {
		if err := delivery.ValidateURL(ep.URL); err != nil {
			return nil, fmt.Errorf("emulator: webhook endpoint %d: %w", i+1, err)
		}
	}
	if len(opts.Webhooks) > 0 {
		s.webhooks, s.eventsSaved = slices.Clone(opts.Webhooks), opts.EventsSaved
		s.store = &eventStore{Store: st, c: s}
	}
	return newService(s), nil
}

// InstanceID returns the instance's ID ("ins_..."), which is also the kid
// of its signing key.
func (s *core) InstanceID() string { return s.inst.ID }

// WebhookSecret returns the signing secret of the instance's webhooks
// (Options.WebhookSecret, or the one saved in the instance), "" when it
// has no webhook endpoints.
func (s *core) WebhookSecret() string { return s.webhookSecret }

// SecretKey returns the key clients authenticate with.
func (s *core) SecretKey() string { return s.inst.SecretKey }

// PublishableKey returns the instance's publishable key.
func (s *core) PublishableKey() string { return s.inst.PublishableKey }

// Issuer returns the iss claim of the instance's tokens.
func (s *core) Issuer() string { return s.issuer }

// PublicKeyPEM returns the signing key's public half as PEM, the value
// Clerk's dashboard shows as the JWT public key (CLERK_JWT_KEY).
func (s *core) PublicKeyPEM() string {
	der, _ := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PublishableKey builds a publishable key for a frontend API host the way
// Clerk does: "pk_test_" + base64 of host + "$".
func PublishableKey(frontendHost string) string {
	return "pk_test_" + base64.StdEncoding.EncodeToString([]byte(frontendHost+"$"))
}

// Get returns the instance's public signing keys, as GET /v1/jwks does.
func (s *JWKS) Get(context.Context) (*v2021.JWKS, error) {
	return &v2021.JWKS{Keys: s.keys()}, nil
}

// keys returns the instance's public signing keys.
func (s *core) keys() []*v2021.JWKSKey {
	pub := s.key.PublicKey
	return []*v2021.JWKSKey{{
		Use: "sig", Kty: "RSA", Kid: s.inst.ID, Alg: "RS256",
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}
}

// checkSecret reports whether key is the instance's secret key.
func (s *core) checkSecret(key string) bool {
	return constantTimeEqual(key, s.inst.SecretKey)
}

// Authenticate checks the Bearer key of a request.
func (s *core) Authenticate(authorization string) error {
	key, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || !s.checkSecret(strings.TrimSpace(key)) {
		return &Error{Kind: KindUnauthorized, Code: "authentication_invalid", Message: "Unauthorized request",
			LongMessage: "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."}
	}
	return nil
}
