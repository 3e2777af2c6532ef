package emulator

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"math"
	"strings"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// kindJWTTemplate is the store kind of JWT templates; their unique key is
// their name.
const kindJWTTemplate = "jwt_template"

// Clerk's defaults and bounds for a template's lifetime and allowed clock
// skew, in seconds.
const (
	defaultTemplateLifetime  = 60
	defaultTemplateClockSkew = 5
	minTemplateLifetime      = 30
	maxTemplateLifetime      = 315360000
	maxTemplateClockSkew     = 300
)

// jwtTemplateDoc is what the store keeps of a template: the API's view,
// and the custom signing key the API never shows.
type jwtTemplateDoc struct {
	Template *v2021.JWTTemplate `json:"template"`
	Secrets  templateSecrets    `json:"secrets"`
}

type templateSecrets struct {
	// SigningKey is the custom signing key: a PEM private key for RS* and
	// ES*, the shared secret for HS*.
	SigningKey string `json:"signing_key,omitempty"`
}

// TemplateTokenOptions tune a token minted from a JWT template.
type TemplateTokenOptions struct {
	// ExpiresInSeconds overrides the template's lifetime when > 0.
	ExpiresInSeconds int64
	// AuthorizedParty is the azp claim, when not empty.
	AuthorizedParty string
}

// CreateJWTTemplate creates a JWT template as POST /v1/jwt_templates does.
func (s *JWTTemplates) Create(ctx context.Context, p *v2021.JWTTemplatesCreateParams) (*v2021.JWTTemplate, error) {
	if p == nil {
		p = &v2021.JWTTemplatesCreateParams{}
	}
	if p.Name == nil || *p.Name == "" {
		return nil, missing("name")
	}
	if err := checkLength("name", *p.Name, maxNameLength); err != nil {
		return nil, err
	}
	if p.Claims == nil {
		return nil, missing("claims")
	}
	if err := checkTemplateClaims(p.Claims); err != nil {
		return nil, err
	}
	life, err := wholeSeconds("lifetime", p.Lifetime, defaultTemplateLifetime, minTemplateLifetime, maxTemplateLifetime)
	if err != nil {
		return nil, err
	}
	skew, err := wholeSeconds("allowed_clock_skew", p.AllowedClockSkew, defaultTemplateClockSkew, 0, maxTemplateClockSkew)
	if err != nil {
		return nil, err
	}
	custom := p.CustomSigningKey != nil && *p.CustomSigningKey
	alg, key, err := signingConfig(custom, p.SigningAlgorithm, p.SigningKey)
	if err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	doc := &jwtTemplateDoc{
		Template: &v2021.JWTTemplate{
			Object: "jwt_template", ID: s.rand.id("jtmp"), Name: *p.Name, Claims: p.Claims,
			Lifetime: life, AllowedClockSkew: skew, CustomSigningKey: custom, SigningAlgorithm: alg,
			CreatedAt: now, UpdatedAt: now,
		},
		Secrets: templateSecrets{SigningKey: key},
	}
	if err := s.putTemplate(ctx, s.store, doc, true); err != nil {
		return nil, err
	}
	return doc.Template, nil
}

// JWTTemplate returns a template by ID.
func (s *JWTTemplates) Get(ctx context.Context, id string) (*v2021.JWTTemplate, error) {
	doc, err := s.templateDoc(ctx, s.store, id)
	if err != nil {
		return nil, err
	}
	return doc.Template, nil
}

// List lists the templates, oldest first, with their total
// count. Without a limit it returns all of them (the 2021-02-05 API has no
// paging for templates); with one, it pages as the later versions do.
func (s *JWTTemplates) List(ctx context.Context, later *JWTTemplatesListLater) (*v2021.JWTTemplateList, error) {
	var limit, offset *int64
	if later != nil {
		limit, offset = later.Limit, later.Offset
	}
	q := store.ObjectQuery{Kind: kindJWTTemplate, Ascending: true}
	total, err := s.store.CountObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	if limit != nil || offset != nil {
		if q.Limit, q.Offset, err = paging(limit, offset); err != nil {
			return nil, err
		}
	}
	rows, err := s.store.ListObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]*v2021.JWTTemplate, 0, len(rows))
	for _, r := range rows {
		var doc jwtTemplateDoc
		if err := decodeWithNumbers(r.Doc, &doc); err != nil {
			return nil, err
		}
		out = append(out, doc.Template)
	}
	return &v2021.JWTTemplateList{Data: out, TotalCount: total}, nil
}

// UpdateJWTTemplate updates a template as PATCH /v1/jwt_templates/{id}
// does: what is left out is kept; a null lifetime or allowed_clock_skew is
// the default again.
//
// It reads and writes the template in one transaction, so that another
// update cannot land in between and be undone.
func (s *JWTTemplates) Update(ctx context.Context, id string, p *v2021.JWTTemplatesUpdateParams) (*v2021.JWTTemplate, error) {
	if p == nil {
		p = &v2021.JWTTemplatesUpdateParams{}
	}
	var t *v2021.JWTTemplate
	err := s.store.Tx(ctx, func(tx store.Store) error {
		doc, err := s.templateDoc(ctx, tx, id)
		if err != nil {
			return err
		}
		t = doc.Template
		if err := s.updateTemplate(doc, p); err != nil {
			return err
		}
		return s.putTemplate(ctx, tx, doc, false)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// updateTemplate applies p to doc.
func (s *core) updateTemplate(doc *jwtTemplateDoc, p *v2021.JWTTemplatesUpdateParams) (err error) {
	t := doc.Template
	if p.Name != nil {
		if *p.Name == "" {
			return invalid("name", "name cannot be empty.")
		}
		if err := checkLength("name", *p.Name, maxNameLength); err != nil {
			return err
		}
		t.Name = *p.Name
	}
	if p.Claims != nil {
		if err := checkTemplateClaims(p.Claims); err != nil {
			return err
		}
		t.Claims = p.Claims
	}
	if p.Lifetime.IsSet() {
		if t.Lifetime, err = wholeSeconds("lifetime", nullablePtr(p.Lifetime), defaultTemplateLifetime, minTemplateLifetime, maxTemplateLifetime); err != nil {
			return err
		}
	}
	if p.AllowedClockSkew.IsSet() {
		if t.AllowedClockSkew, err = wholeSeconds("allowed_clock_skew", nullablePtr(p.AllowedClockSkew), defaultTemplateClockSkew, 0, maxTemplateClockSkew); err != nil {
			return err
		}
	}
	custom := t.CustomSigningKey
	if p.CustomSigningKey != nil {
		custom = *p.CustomSigningKey
	}
	// A custom key's algorithm and key are kept unless the update gives
	// new ones (an HS256 secret serves HS512 as well, say).
	var alg, key *string
	if t.CustomSigningKey && custom {
		alg, key = &t.SigningAlgorithm, &doc.Secrets.SigningKey
	}
	if p.SigningAlgorithm.IsSet() {
		alg = nullablePtr(p.SigningAlgorithm)
	}
	if p.SigningKey.IsSet() {
		key = nullablePtr(p.SigningKey)
	}
	algorithm, signingKey, err := signingConfig(custom, alg, key)
	if err != nil {
		return err
	}
	t.CustomSigningKey, t.SigningAlgorithm, doc.Secrets.SigningKey = custom, algorithm, signingKey
	t.UpdatedAt = s.now().UnixMilli()
	return nil
}

// DeleteJWTTemplate deletes a template.
func (s *JWTTemplates) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	if err := s.store.DeleteObject(ctx, kindJWTTemplate, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, templateNotFound("id", id)
		}
		return nil, err
	}
	return &v2021.DeletedObject{Object: "jwt_template", ID: id, Deleted: true}, nil
}

// CreateTokenFromTemplate mints a token for an active session from
// the template named name, as POST /v1/sessions/{id}/tokens/{name} does.
//
// The token has the template's claims rendered for the session's user
// (see template_render.go) and Clerk's default claims for templates,
// which templates cannot set: iss, sub (the user), iat, nbf (iat minus the
// allowed clock skew), exp (iat plus the lifetime), jti and, when
// opts.AuthorizedParty is set, azp. Like Clerk's, it has no sid: add
// "sid": "{{session.id}}" to the template for one.
//
// It is signed with the instance's key (RS256, kid = instance ID), or the
// template's custom key (no kid then).
func (s *Sessions) CreateTokenFromTemplate(ctx context.Context, sessionID, name string, later *SessionsCreateTokenFromTemplateLater) (*v2021.SessionsCreateTokenFromTemplateResponse, error) {
	var opts TemplateTokenOptions
	if later != nil && later.ExpiresInSeconds != nil {
		opts.ExpiresInSeconds = *later.ExpiresInSeconds
	}
	jwt, err := s.CreateSessionTokenFromTemplate(ctx, sessionID, name, opts)
	if err != nil {
		return nil, err
	}
	return &v2021.SessionsCreateTokenFromTemplateResponse{Object: "token", JWT: jwt}, nil
}

// CreateSessionTokenFromTemplate mints a session token from the template
// of that name (for Go callers, with options the API does not have).
func (s *core) CreateSessionTokenFromTemplate(ctx context.Context, sessionID, name string, opts TemplateTokenOptions) (string, error) {
	sess, err := s.session(ctx, sessionID)
	if err != nil {
		return "", err
	}
	if sess.Status != "active" {
		return "", &Error{Kind: KindBadRequest, Code: "session_not_active", Message: "session is not active",
			LongMessage: fmt.Sprintf("The session is %s; only active sessions get tokens.", sess.Status)}
	}
	doc, err := s.templateByName(ctx, name)
	if err != nil {
		return "", err
	}
	user, err := s.userDoc(ctx, sess.UserID)
	if err != nil {
		return "", err
	}
	t := doc.Template
	data := shortcodeData(user.User, sess)
	org, m, err := s.activeOrganization(ctx, sess)
	if err != nil {
		return "", err
	}
	roles, err := s.organizationRoles(ctx, sess.UserID)
	if err != nil {
		return "", err
	}
	addOrgShortcodes(data, roles, org, m)
	claims := renderClaims(t.Claims, data)
	now := s.now()
	life := time.Duration(t.Lifetime) * time.Second
	if opts.ExpiresInSeconds > 0 {
		life = time.Duration(opts.ExpiresInSeconds) * time.Second
	}
	claims["iss"] = s.issuer
	claims["sub"] = sess.UserID
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix() - t.AllowedClockSkew
	claims["exp"] = now.Add(life).Unix()
	claims["jti"] = s.rand.hex(10)
	if opts.AuthorizedParty != "" {
		claims["azp"] = opts.AuthorizedParty
	}
	if !t.CustomSigningKey {
		return s.signJWT(claims)
	}
	signer, err := newTemplateSigner(t.SigningAlgorithm, doc.Secrets.SigningKey)
	if err != nil {
		return "", err
	}
	return signer.signJWT(claims)
}

func (s *core) templateDoc(ctx context.Context, st store.Store, id string) (*jwtTemplateDoc, error) {
	o, err := st.Object(ctx, kindJWTTemplate, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, templateNotFound("id", id)
	}
	if err != nil {
		return nil, err
	}
	var doc jwtTemplateDoc
	if err := decodeWithNumbers(o.Doc, &doc); err != nil {
		return nil, fmt.Errorf("emulator: JWT template %s: %w", id, err)
	}
	return &doc, nil
}

func (s *core) templateByName(ctx context.Context, name string) (*jwtTemplateDoc, error) {
	o, err := s.store.ObjectByUnique(ctx, kindJWTTemplate, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, templateNotFound("name", name)
	}
	if err != nil {
		return nil, err
	}
	var doc jwtTemplateDoc
	if err := decodeWithNumbers(o.Doc, &doc); err != nil {
		return nil, fmt.Errorf("emulator: JWT template %s: %w", o.ID, err)
	}
	return &doc, nil
}

// putTemplate inserts or replaces a template; its name is its unique key.
func (s *core) putTemplate(ctx context.Context, st store.Store, doc *jwtTemplateDoc, insert bool) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	t := doc.Template
	o := &store.Object{Kind: kindJWTTemplate, ID: t.ID, Unique: t.Name, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Doc: data}
	if insert {
		err = st.InsertObject(ctx, o)
	} else {
		err = st.UpdateObject(ctx, o)
	}
	switch {
	case isConflict(err):
		return identifierExists("name")
	case errors.Is(err, store.ErrNotFound):
		return templateNotFound("id", t.ID)
	}
	return err
}

func templateNotFound(attribute, value string) *Error {
	return &Error{Kind: KindNotFound, Code: "resource_not_found", Message: "JWT template not found",
		LongMessage: fmt.Sprintf("No JWT template exists with %s: %s", attribute, value)}
}

// wholeSeconds checks a number of seconds of a template (nil means def).
func wholeSeconds(param string, v *float64, def, lo, hi int64) (int64, error) {
	if v == nil {
		return def, nil
	}
	if *v != math.Trunc(*v) || *v < float64(lo) || *v > float64(hi) {
		return 0, invalid(param, fmt.Sprintf("%s must be a whole number of seconds between %d and %d.", param, lo, hi))
	}
	return int64(*v), nil
}

func nullablePtr[T any](n v2021.Nullable[T]) *T {
	if v, ok := n.Get(); ok {
		return &v
	}
	return nil
}

// templateAlgorithms are the signing algorithms of custom signing keys,
// and templateHashes their hash functions.
var (
	templateAlgorithms = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}
	templateHashes     = map[string]func() hash.Hash{}
	cryptoHashes       = map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
)

func init() {
	byBits := map[string]func() hash.Hash{"256": sha256.New, "384": sha512.New384, "512": sha512.New}
	for _, alg := range templateAlgorithms {
		templateHashes[alg] = byBits[alg[2:]]
	}
}

// signingConfig checks the signing parameters of a template and returns
// its algorithm and custom key. Without a custom key, tokens are signed
// with the instance's RS256 key, and asking for another algorithm or
// giving a key is an error rather than being ignored.
func signingConfig(custom bool, alg, key *string) (string, string, error) {
	if !custom {
		if key != nil && *key != "" {
			return "", "", &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "signing_key", Message: "is invalid",
				LongMessage: "signing_key is used only with custom_signing_key: true."}
		}
		if alg != nil && *alg != "" && *alg != "RS256" {
			return "", "", &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "signing_algorithm", Message: "is invalid",
				LongMessage: fmt.Sprintf("signing_algorithm %s needs custom_signing_key: true and a signing_key; without them tokens are signed with the instance's RS256 key.", *alg)}
		}
		return "RS256", "", nil
	}
	if alg == nil || *alg == "" {
		return "", "", missing("signing_algorithm")
	}
	if key == nil || *key == "" {
		return "", "", missing("signing_key")
	}
	if _, err := newTemplateSigner(*alg, *key); err != nil {
		return "", "", err
	}
	return *alg, *key, nil
}

// templateSigner signs tokens with a template's custom key.
type templateSigner struct {
	alg  string
	sign func(input []byte) ([]byte, error)
}

// newTemplateSigner parses a custom key for alg: the shared secret itself
// for HS*, a PEM private key (PKCS #1, SEC 1 or PKCS #8) for RS* and ES*.
// A PEM given with literal "\n" (as environment variables often hold it)
// is accepted.
func newTemplateSigner(alg, key string) (*templateSigner, error) {
	h, ok := templateHashes[alg]
	if !ok {
		return nil, &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "signing_algorithm", Message: "is not supported",
			LongMessage: fmt.Sprintf("signing_algorithm %q is not supported by the emulator; use one of %s.", alg, strings.Join(templateAlgorithms, ", "))}
	}
	family := alg[:2]
	digest := func(input []byte) []byte {
		d := h()
		d.Write(input)
		return d.Sum(nil)
	}
	if family == "HS" {
		secret := []byte(key)
		return &templateSigner{alg: alg, sign: func(input []byte) ([]byte, error) {
			m := hmac.New(h, secret)
			m.Write(input)
			return m.Sum(nil), nil
		}}, nil
	}
	priv, err := parsePrivateKeyPEM(key)
	if err != nil {
		return nil, err
	}
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		if family != "RS" {
			break
		}
		if k.N.BitLen() < 2048 {
			return nil, invalid("signing_key", "signing_key must be an RSA key of at least 2048 bits.")
		}
		return &templateSigner{alg: alg, sign: func(input []byte) ([]byte, error) {
			return rsa.SignPKCS1v15(nil, k, cryptoHashes[alg[2:]], digest(input))
		}}, nil
	case *ecdsa.PrivateKey:
		want := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		if family != "ES" || k.Curve != want {
			break
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		return &templateSigner{alg: alg, sign: func(input []byte) ([]byte, error) {
			r, s, err := ecdsa.Sign(rand.Reader, k, digest(input))
			if err != nil {
				return nil, err
			}
			sig := make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
			return sig, nil
		}}, nil
	}
	return nil, invalid("signing_key", fmt.Sprintf("signing_key is not a private key for %s (RS* need an RSA key; ES256, ES384 and ES512 an EC key on P-256, P-384 and P-521).", alg))
}

func parsePrivateKeyPEM(key string) (any, error) {
	if !strings.Contains(key, "\n") {
		key = strings.ReplaceAll(key, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(key))
	if block == nil {
		return nil, invalid("signing_key", "signing_key must be a PEM-encoded private key.")
	}
	var k any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, invalid("signing_key", fmt.Sprintf("signing_key is a PEM %q block; a private key is needed.", block.Type))
	}
	if err != nil {
		return nil, invalid("signing_key", "signing_key is not a valid private key.")
	}
	return k, nil
}

// signJWT signs claims as a compact JWT with the custom key.
func (t *templateSigner) signJWT(claims map[string]any) (string, error) {
	return compactJWT(map[string]string{"alg": t.alg, "typ": "JWT"}, claims, t.sign)
}

// decodeWithNumbers unmarshals keeping numbers as json.Number, so that
// the numbers of a template's claims come back exactly as given.
func decodeWithNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
