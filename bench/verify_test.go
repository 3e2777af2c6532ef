package bench

import (
	"context"
	"testing"
)

// verifiers lists every benchmarked verifier by benchmark name. ours_test.go
// adds github.com/clerkgo/clerk/auth's three entries.
var verifiers = []namedVerifier{
	{"Floor", newFloor},
	{"ClerkSDKGo", newClerkSDKGo},
	{"GolangJWT", newGolangJWT},
	{"GoJose", newGoJose},
	{"JWX", newJWX},
}

type namedVerifier struct {
	name string
	new  func(testing.TB) verifyFunc
}

// newFloor wraps floorVerify for the test; BenchmarkFloor decodes the
// signature outside its loop instead.
func newFloor(testing.TB) verifyFunc {
	pub := fx().pub
	return func(_ context.Context, token string) error {
		signInput, sig, err := splitToken(token)
		if err != nil {
			return err
		}
		return floorVerify(pub, signInput, sig)
	}
}

// A verifier that skipped the signature check would look fast: each one
// must accept the token and reject the same token with one payload byte
// changed under the original signature.
func TestEveryVerifierAcceptsTheTokenAndRejectsATamperedOne(t *testing.T) {
	f := fx()
	ctx := context.Background()
	if len(verifiers) != 8 {
		t.Errorf("%d verifiers registered, want the floor, ours (3) and the four peers", len(verifiers))
	}
	for _, v := range verifiers {
		t.Run(v.name, func(t *testing.T) {
			verify := v.new(t)
			if err := verify(ctx, f.token); err != nil {
				t.Errorf("rejected the good token: %v", err)
			}
			if err := verify(ctx, f.tampered); err == nil {
				t.Errorf("accepted the tampered token")
			} else {
				t.Logf("tampered token rejected: %v", err)
			}
		})
	}
}
