package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKid is the key id of the tokens the tests sign.
const testKid = "ins_test_key"

// Two RSA keys, generated once: the instance's key, and another one for
// tokens with a wrong signature.
var (
	instanceKey = sync.OnceValue(func() *rsa.PrivateKey { return genKey() })
	otherKey    = sync.OnceValue(func() *rsa.PrivateKey { return genKey() })
)

func genKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// publicPEM is the PEM text of the public half of k, as Clerk shows the
// JWT verification key.
func publicPEM(t *testing.T, k *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// writePEM writes the public key of k to a file in a temporary folder and
// returns its name.
func writePEM(t *testing.T, k *rsa.PrivateKey) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "jwt-key.pem")
	if err := os.WriteFile(name, []byte(publicPEM(t, k)), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// jwk is the public key of k as a JSON Web Key.
func jwk(k *rsa.PrivateKey) map[string]any {
	return map[string]any{
		"kty": "RSA",
		"kid": testKid,
		"use": "sig",
		"alg": "RS256",
		"n":   b64(k.PublicKey.N.Bytes()),
		"e":   b64(big.NewInt(int64(k.PublicKey.E)).Bytes()),
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign returns an RS256 JWT of claims signed with k:
// base64url(header).base64url(payload).base64url(signature).
func sign(t *testing.T, k *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	header := testHeader(t)
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return signBytes(t, k, header, payload)
}

// signBytes signs header and payload, JSON texts kept byte for byte.
func signBytes(t *testing.T, k *rsa.PrivateKey, header, payload []byte) string {
	t.Helper()
	signed := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64(sig)
}

// testHeader is the header of the test tokens.
func testHeader(t *testing.T) []byte {
	t.Helper()
	header, err := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "kid": testKid})
	if err != nil {
		t.Fatal(err)
	}
	return header
}

// Claims of the test tokens.
const (
	testIssuer = "https://clerk.example.test"
	testUser   = "user_2abc"
	testAzp    = "https://app.example.test"
)

// sessionClaims are the claims of a session token that is valid now;
// change applies changes to them.
func sessionClaims(change func(c map[string]any)) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": testIssuer,
		"sub": testUser,
		"sid": "sess_2abc",
		"azp": testAzp,
		"iat": now.Add(-time.Minute).Unix(),
		"nbf": now.Add(-time.Minute).Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
	if change != nil {
		change(c)
	}
	return c
}

// result is what one run of the command gave.
type result struct {
	code           int
	stdout, stderr string
}

// runWith runs the command line args with stdin and the environment vars
// (nothing else of the process's environment is seen).
func runWith(args []string, stdin io.Reader, vars map[string]string) result {
	var stdout, stderr bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	code := runEnv(args, &env{
		stdin:  stdin,
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(name string) string { return vars[name] },
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// check compares a result with what a test case wants: the exit code,
// strings that stdout and stderr contain, strings that neither contains,
// and, for every failure, exactly one line on stderr and nothing on
// stdout.
func (r result) check(t *testing.T, code int, stdoutHas, stderrHas, never []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdoutHas {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout does not contain %q:\n%s", s, r.stdout)
		}
	}
	for _, s := range stderrHas {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr does not contain %q:\n%s", s, r.stderr)
		}
	}
	for _, s := range never {
		if s == "" {
			continue
		}
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("the output contains %q\nstdout: %s\nstderr: %s", s, r.stdout, r.stderr)
		}
	}
	if code != exitOK {
		if r.stdout != "" {
			t.Errorf("stdout is not empty on failure: %q", r.stdout)
		}
		if n := strings.Count(r.stderr, "\n"); n != 1 || !strings.HasSuffix(r.stderr, "\n") {
			t.Errorf("stderr has %d lines, want one: %q", n, r.stderr)
		}
	}
}
