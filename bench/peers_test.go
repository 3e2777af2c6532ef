package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	clerkjwt "github.com/clerk/clerk-sdk-go/v2/jwt"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	golangjwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"
)

// Each peer is set up once, in its fastest documented configuration
// (options, parsers and keys built outside the loop), and then verifies a
// token string per call. The same functions run in the benchmarks and in
// TestEveryVerifierAcceptsTheTokenAndRejectsATamperedOne.

type verifyFunc func(ctx context.Context, token string) error

// newClerkSDKGo verifies with github.com/clerk/clerk-sdk-go/v2/jwt, given
// the JWK (so no JWKS fetch) and checking azp like ours.
func newClerkSDKGo(tb testing.TB) verifyFunc {
	var jwk clerksdk.JSONWebKey
	if err := json.Unmarshal(fx().jwkJSON, &jwk); err != nil {
		tb.Fatal(err)
	}
	clock := clerksdk.NewClock()
	azp := func(azp string) bool { return azp == testAZP }
	return func(ctx context.Context, token string) error {
		_, err := clerkjwt.Verify(ctx, &clerkjwt.VerifyParams{
			Token:                  token,
			JWK:                    &jwk,
			Clock:                  clock,
			AuthorizedPartyHandler: azp,
		})
		return err
	}
}

// newGolangJWT verifies with github.com/golang-jwt/jwt/v5 into MapClaims.
func newGolangJWT(tb testing.TB) verifyFunc {
	pub := fx().pub
	parser := golangjwt.NewParser(golangjwt.WithValidMethods([]string{"RS256"}))
	keyFunc := func(*golangjwt.Token) (any, error) { return pub, nil }
	return func(_ context.Context, token string) error {
		_, err := parser.Parse(token, keyFunc)
		return err
	}
}

// newGoJose verifies with github.com/go-jose/go-jose/v4/jwt: ParseSigned,
// Claims (which checks the signature) and Validate (exp, nbf, iat).
func newGoJose(tb testing.TB) verifyFunc {
	pub := fx().pub
	algs := []jose.SignatureAlgorithm{jose.RS256}
	return func(_ context.Context, token string) error {
		tok, err := josejwt.ParseSigned(token, algs)
		if err != nil {
			return err
		}
		var claims josejwt.Claims
		if err := tok.Claims(pub, &claims); err != nil {
			return err
		}
		return claims.Validate(josejwt.Expected{Time: time.Now()})
	}
}

// newJWX verifies with github.com/lestrrat-go/jwx/v3/jwt.
func newJWX(tb testing.TB) verifyFunc {
	opts := []jwxjwt.ParseOption{
		jwxjwt.WithKey(jwa.RS256(), fx().pub),
		jwxjwt.WithValidate(true),
	}
	return func(_ context.Context, token string) error {
		_, err := jwxjwt.ParseString(token, opts...)
		return err
	}
}

func benchmarkVerifier(b *testing.B, newVerifier func(testing.TB) verifyFunc) {
	verify := newVerifier(b)
	ctx := context.Background()
	token := fx().token
	b.ReportAllocs()
	for b.Loop() {
		if err := verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClerkSDKGo(b *testing.B) { benchmarkVerifier(b, newClerkSDKGo) }
func BenchmarkGolangJWT(b *testing.B)  { benchmarkVerifier(b, newGolangJWT) }
func BenchmarkGoJose(b *testing.B)     { benchmarkVerifier(b, newGoJose) }
func BenchmarkJWX(b *testing.B)        { benchmarkVerifier(b, newJWX) }
