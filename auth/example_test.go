package auth_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/clerkgo/clerk/auth"
)

// An instance's key pair and one of its session tokens, standing in for
// CLERK_JWT_KEY and a token sent by Clerk's frontend SDK.
var (
	instanceKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	jwtKeyPEM      = func() string {
		der, _ := x509.MarshalPKIXPublicKey(&instanceKey.PublicKey)
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}()
	sessionToken = func() string {
		enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
		now := time.Now().Unix()
		input := enc(map[string]any{"alg": "RS256", "typ": "JWT", "kid": "ins_1"}) + "." + enc(map[string]any{
			"sub": "user_123", "sid": "sess_123", "azp": "https://example.com", "iat": now, "nbf": now - 5, "exp": now + 60,
			"v": 2, "fea": "o:invoices", "o": map[string]any{"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,write", "fpm": "3"},
		})
		sum := sha256.Sum256([]byte(input))
		sig, _ := rsa.SignPKCS1v15(nil, instanceKey, crypto.SHA256, sum[:])
		return input + "." + base64.RawURLEncoding.EncodeToString(sig)
	}()
)

// Verify a token networkless, with the PEM public key of the instance.
func ExampleVerifier_Verify() {
	v, err := auth.NewVerifier(auth.Options{
		JWTKey:            jwtKeyPEM, // os.Getenv("CLERK_JWT_KEY")
		AuthorizedParties: []string{"https://example.com"},
	})
	if err != nil {
		panic(err)
	}
	claims, err := v.Verify(context.Background(), sessionToken)
	if err != nil {
		fmt.Println("rejected:", auth.ReasonOf(err))
		return
	}
	fmt.Println(claims.Subject, claims.OrgID, claims.OrgRole, claims.HasPermission("org:invoices:write"))

	_, err = v.Verify(context.Background(), sessionToken+"x")
	fmt.Println("tampered:", auth.ReasonOf(err))
	// Output:
	// user_123 org_1 org:admin true
	// tampered: token-invalid-signature
}

// The seed's isSignedIn helper.
func ExampleVerifier_AuthenticateRequest() {
	v, _ := auth.NewVerifier(auth.Options{JWTKey: jwtKeyPEM, AuthorizedParties: []string{"https://example.com"}})
	isSignedIn := func(r *http.Request) bool {
		return v.AuthenticateRequest(r).IsSignedIn()
	}

	r := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
	r.Header.Set("Authorization", "Bearer "+sessionToken)
	fmt.Println(isSignedIn(r))

	anonymous := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
	fmt.Println(isSignedIn(anonymous), v.AuthenticateRequest(anonymous).Reason)
	// Output:
	// true
	// false session-token-and-uat-missing
}

// Protect handlers: RequireSession answers 401 to every request that is not
// signed in; handlers read the claims from the context.
func ExampleVerifier_RequireSession() {
	v, _ := auth.NewVerifier(auth.Options{JWTKey: jwtKeyPEM})
	api := v.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := auth.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "hello %s", claims.Subject)
	}))

	for _, header := range []string{"Bearer " + sessionToken, ""} {
		r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 hello user_123
	// 401 {"error":"unauthenticated","reason":"session-token-and-uat-missing"}
}
