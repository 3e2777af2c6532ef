package bench

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
)

// floorVerify is the least any RS256 verifier must do: hash the signing
// input and check the PKCS #1 v1.5 signature. No parsing, no claims.
func floorVerify(pub *rsa.PublicKey, signInput, sig []byte) error {
	sum := sha256.Sum256(signInput)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

func BenchmarkFloor(b *testing.B) {
	f := fx()
	signInput, sig, err := splitToken(f.token) // decoding is not timed
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := floorVerify(f.pub, signInput, sig); err != nil {
			b.Fatal(err)
		}
	}
}
