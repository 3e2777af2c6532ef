package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/httpapi"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
)

// The end-to-end test: every operation of api/operations.tsv called through
// the SDK against a running `clerk serve`, with assertions on what comes
// back (a created thing comes back from get and list, an update shows, a
// delete is then a 404). Which operations were exercised is read off the
// requests themselves, matched to the table's method and path: an
// operation the server implements that no call reached is a failure,
// reported by name, without a list to keep; the ones the server does not
// implement yet are listed.

// recorder is an http.RoundTripper that notes the answered requests.
type recorder struct {
	mu   sync.Mutex
	seen map[string]int // "METHOD /path" -> 200 once answered 2xx, else the last status
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		if r.seen == nil {
			r.seen = map[string]int{}
		}
		key := req.Method + " " + strings.TrimPrefix(req.URL.EscapedPath(), "/v1")
		if r.seen[key] != 200 {
			r.seen[key] = resp.StatusCode
			if resp.StatusCode < 300 {
				r.seen[key] = 200
			}
		}
		r.mu.Unlock()
	}
	return resp, err
}

// operationRow is a row of api/operations.tsv.
type operationRow struct{ group, method, http, path, id string }

func readOperations(t *testing.T) []operationRow {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "api", "operations.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []operationRow
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		rows = append(rows, operationRow{c[0], c[1], c[2], c[3], c[4]})
	}
	return rows
}

// matches reports whether path fits the template ("{...}" matches one
// segment), and how many of its segments are literal.
func matches(template, path string) (bool, int) {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false, 0
	}
	literal := 0
	for i := range ts {
		switch {
		case strings.HasPrefix(ts[i], "{"):
		case ts[i] == ps[i]:
			literal++
		default:
			return false, 0
		}
	}
	return true, literal
}

// exercised maps the recorded requests to operations: the one whose
// template matches with the most literal segments. It returns the
// operations answered 2xx, and the others reached (with their status).
func (r *recorder) exercised(rows []operationRow) (ok map[string]bool, other map[string]int) {
	ok, other = map[string]bool{}, map[string]int{}
	for key, status := range r.seen {
		method, path, _ := strings.Cut(key, " ")
		best, bestLit := "", -1
		for _, row := range rows {
			if row.http != method {
				continue
			}
			if m, lit := matches(row.path, path); m && lit > bestLit {
				best, bestLit = row.id, lit
			}
		}
		switch {
		case best == "":
		case status < 300:
			ok[best] = true
		case !ok[best]:
			other[best] = status
		}
	}
	return ok, other
}

// totpCode is the RFC 6238 code of a base32 secret at t.
func totpCode(t *testing.T, secret string, at time.Time) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		t.Fatal(err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}

// must fails t on err.
func must[T any](t *testing.T, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// wantCode fails t unless err is an API error with this status.
func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	var e *clerk.APIError
	if !errorsAs(err, &e) || e.StatusCode != status {
		t.Fatalf("%s: %v, want HTTP %d", what, err, status)
	}
}

func TestEveryOperationAgainstClerkServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clerk.db")
	// Every answer is checked against the spec of the version asked for
	// (the SDK's, 2026-05-12): a mismatch is logged, and fails the test.
	_, apiURL, key, _, logs := startServeLogged(t, db, "--check-responses")
	if apiURL == "" || key == "" {
		t.Fatal("clerk serve printed no URL or key")
	}
	defer func() {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "answer does not match the spec") {
				t.Errorf("clerk serve: %s", line)
			}
		}
	}()
	rec := &recorder{}
	c, err := clerk.NewClient(key, clerk.WithServerURL(apiURL+"/v1"), clerk.WithoutRetries(),
		clerk.WithHTTPClient(&http.Client{Transport: rec, Timeout: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The same database, opened here too, for what the Backend API does not
	// create (sign-ups, client tokens).
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	local, err := emulator.New(ctx, st, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("users", func(t *testing.T) { e2eUsers(t, c, local) })
	t.Run("identifications", func(t *testing.T) { e2eIdentifications(t, c) })
	t.Run("sessions and tokens", func(t *testing.T) { e2eSessions(t, c, local) })
	t.Run("organizations", func(t *testing.T) { e2eOrganizations(t, c) })
	t.Run("instance", func(t *testing.T) { e2eInstance(t, c, local, key) })
	t.Run("settings and restrictions", func(t *testing.T) { e2eSettings(t, c) })
	t.Run("applications and domains", func(t *testing.T) { e2eApps(t, c) })

	rows := readOperations(t)
	ok, other := rec.exercised(rows)
	served := httpapi.New(local, nil) // what the server implements, to tell a gap in this test from one in the server
	var missing, notServed []string
	for _, row := range rows {
		if ok[row.id] || expectedError[row.id] {
			continue
		}
		if !served.Implements(row.id) {
			notServed = append(notServed, fmt.Sprintf("%s.%s (%s)", row.group, row.method, row.id))
			continue
		}
		status := "not called"
		if s, reached := other[row.id]; reached {
			status = fmt.Sprintf("answered %d", s)
		}
		missing = append(missing, fmt.Sprintf("%s.%s (%s): %s", row.group, row.method, row.id, status))
	}
	if len(notServed) > 0 {
		t.Logf("%d operations the server does not serve yet (501):\n  %s", len(notServed), strings.Join(notServed, "\n  "))
	}
	for id := range expectedError {
		if other[id] == 0 {
			t.Errorf("%s: expected to be called (answered with an error), but was not", id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d operations not exercised with a 2xx answer:\n  %s", len(missing), len(rows), strings.Join(missing, "\n  "))
	}
	t.Logf("%d operations answered 2xx, %d answered the errors expected of them", len(ok), len(expectedError))
	if len(notServed) > 0 && len(ok)+len(expectedError)+len(notServed) != len(rows) {
		t.Errorf("%d + %d + %d operations do not add up to %d", len(ok), len(expectedError), len(notServed), len(rows))
	}
}

// expectedError are the operations whose success needs what the Backend
// API cannot create: they are called, and must answer a Clerk error.
var expectedError = map[string]bool{
	"UserPasskeyDelete":     true, // passkeys are registered in the browser (frontend API)
	"DeleteExternalAccount": true, // external accounts come from OAuth sign-ins (frontend API)
	// The emulated instance is a development instance, which has no
	// production domain to change.
	"UpdateProductionInstanceDomain": true,
	"ChangeProductionInstanceDomain": true,
	// The emulator makes no outbound call: no proxy can be reached.
	"VerifyDomainProxy": true,
}

func errorsAs(err error, target **clerk.APIError) bool {
	e, ok := err.(*clerk.APIError)
	if ok {
		*target = e
	}
	return ok
}

func e2eUsers(t *testing.T, c *clerk.Client, local *emulator.Service) {
	ctx := context.Background()
	u := must[*clerk.User](t, "create")(c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"e2e@example.com"},
		FirstName: clerk.Ptr("Eve"), Password: clerk.Ptr("correct horse battery"), Web3Wallet: []string{"0x0123456789abcdef0123456789abcdef01234567"}}))
	got := must[*clerk.User](t, "get")(c.Users.Get(ctx, u.ID))
	if got.ID != u.ID || *got.FirstName != "Eve" {
		t.Fatalf("get: %+v", got)
	}
	list := must[[]*clerk.User](t, "list")(c.Users.List(ctx, &clerk.UsersListParams{EmailAddress: []string{"e2e@example.com"}}))
	if len(list) != 1 || list[0].ID != u.ID {
		t.Fatalf("list: %+v", list)
	}
	if n := must[*clerk.TotalCount](t, "count")(c.Users.Count(ctx, nil)); n.TotalCount < 1 {
		t.Fatalf("count: %+v", n)
	}
	up := must[*clerk.User](t, "update")(c.Users.Update(ctx, u.ID, &clerk.UsersUpdateParams{LastName: clerk.NullableOf("Smith")}))
	md := must[*clerk.User](t, "metadata")(c.Users.UpdateMetadata(ctx, u.ID, &clerk.UsersUpdateMetadataParams{PublicMetadata: map[string]any{"k": "v"}}))
	if *up.LastName != "Smith" || md.PublicMetadata["k"] != "v" {
		t.Fatalf("update %+v metadata %+v", up, md)
	}
	if b := must[*clerk.User](t, "ban")(c.Users.Ban(ctx, u.ID)); !b.Banned {
		t.Fatal("not banned")
	}
	if b := must[*clerk.User](t, "unban")(c.Users.Unban(ctx, u.ID)); b.Banned {
		t.Fatal("still banned")
	}
	if l := must[*clerk.User](t, "lock")(c.Users.Lock(ctx, u.ID)); !l.Locked {
		t.Fatal("not locked")
	}
	if l := must[*clerk.User](t, "unlock")(c.Users.Unlock(ctx, u.ID)); l.Locked {
		t.Fatal("still locked")
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 32)...)
	if img := must[*clerk.User](t, "profile image")(c.Users.SetProfileImage(ctx, u.ID, &clerk.UsersSetProfileImageParams{
		File: clerk.File{Name: "a.png", ContentType: "image/png", Body: bytes.NewReader(png)}})); !img.HasImage {
		t.Fatal("no image")
	}
	if img := must[*clerk.User](t, "delete profile image")(c.Users.DeleteProfileImage(ctx, u.ID)); img.HasImage {
		t.Fatal("image kept")
	}
	if v := must[*clerk.UsersVerifyPasswordResponse](t, "verify password")(c.Users.VerifyPassword(ctx, u.ID,
		&clerk.UsersVerifyPasswordParams{Password: "correct horse battery"})); !v.Verified {
		t.Fatal("password not verified")
	}
	totp := must[*clerk.TOTP](t, "create TOTP")(c.Users.CreateTOTP(ctx, u.ID))
	if v := must[*clerk.UsersVerifyTOTPResponse](t, "verify TOTP")(c.Users.VerifyTOTP(ctx, u.ID,
		&clerk.UsersVerifyTOTPParams{Code: totpCode(t, *totp.Secret, time.Now())})); !v.Verified {
		t.Fatal("TOTP not verified")
	}
	must[*clerk.UsersDeleteTOTPResponse](t, "delete TOTP")(c.Users.DeleteTOTP(ctx, u.ID))
	must[*clerk.UsersDeleteBackupCodesResponse](t, "delete backup codes")(c.Users.DeleteBackupCodes(ctx, u.ID))
	must[*clerk.UsersDisableMFAResponse](t, "disable MFA")(c.Users.DisableMFA(ctx, u.ID))
	if d := must[*clerk.DeletedObject](t, "delete wallet")(c.Users.DeleteWeb3Wallet(ctx, u.ID, got.Web3Wallets[0].ID)); !d.Deleted {
		t.Fatal("wallet kept")
	}
	_, err := c.Users.DeletePasskey(ctx, u.ID, "idn_nopasskey")
	wantStatus(t, "delete passkey", err, 404)
	_, err = c.Users.DeleteExternalAccount(ctx, u.ID, "eac_none")
	wantStatus(t, "delete external account", err, 404)
	if l := must[*clerk.OAuthAccessTokenList](t, "oauth tokens")(c.Users.GetOAuthAccessToken(ctx, u.ID, "oauth_google", nil)); len(l.Data) != 0 {
		t.Fatalf("oauth tokens: %+v", l)
	}
	must[*clerk.OrganizationMemberships](t, "memberships")(c.Users.GetOrganizationMemberships(ctx, u.ID, nil))
	must[*clerk.OrganizationInvitationsWithPublicOrganizationData](t, "invitations")(c.Users.GetOrganizationInvitations(ctx, u.ID, nil))
	if d := must[*clerk.DeletedObject](t, "delete")(c.Users.Delete(ctx, u.ID)); !d.Deleted {
		t.Fatal("not deleted")
	}
	_, err = c.Users.Get(ctx, u.ID)
	wantStatus(t, "get after delete", err, 404)
}

func e2eIdentifications(t *testing.T, c *clerk.Client) {
	ctx := context.Background()
	u := must[*clerk.User](t, "create")(c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"id@example.com"}}))
	e := must[*clerk.EmailAddress](t, "create email")(c.EmailAddresses.Create(ctx, &clerk.EmailAddressesCreateParams{
		UserID: u.ID, EmailAddress: "second@example.com", Verified: clerk.Ptr(true)}))
	if g := must[*clerk.EmailAddress](t, "get email")(c.EmailAddresses.Get(ctx, e.ID)); g.EmailAddress != "second@example.com" {
		t.Fatalf("get email %+v", g)
	}
	if up := must[*clerk.EmailAddress](t, "update email")(c.EmailAddresses.Update(ctx, e.ID, &clerk.EmailAddressesUpdateParams{
		Primary: clerk.NullableOf(true)})); up.ID != e.ID {
		t.Fatalf("update email %+v", up)
	}
	p := must[*clerk.PhoneNumber](t, "create phone")(c.PhoneNumbers.Create(ctx, &clerk.PhoneNumbersCreateParams{
		UserID: u.ID, PhoneNumber: "+15555550199", Verified: clerk.Ptr(true)}))
	if g := must[*clerk.PhoneNumber](t, "get phone")(c.PhoneNumbers.Get(ctx, p.ID)); g.PhoneNumber != "+15555550199" {
		t.Fatalf("get phone %+v", g)
	}
	if up := must[*clerk.PhoneNumber](t, "update phone")(c.PhoneNumbers.Update(ctx, p.ID, &clerk.PhoneNumbersUpdateParams{
		Primary: clerk.NullableOf(true)})); up.ID != p.ID {
		t.Fatalf("update phone %+v", up)
	}
	must[*clerk.DeletedObject](t, "delete phone")(c.PhoneNumbers.Delete(ctx, p.ID))
	_, err := c.PhoneNumbers.Get(ctx, p.ID)
	wantStatus(t, "phone after delete", err, 404)
	must[*clerk.DeletedObject](t, "delete email")(c.EmailAddresses.Delete(ctx, e.ID))
	_, err = c.EmailAddresses.Get(ctx, e.ID)
	wantStatus(t, "email after delete", err, 404)
}

func e2eSessions(t *testing.T, c *clerk.Client, local *emulator.Service) {
	ctx := context.Background()
	u := must[*clerk.User](t, "create")(c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"sess@example.com"}}))
	sess := must[*clerk.Session](t, "session")(c.Sessions.CreateSession(ctx, &clerk.SessionsCreateSessionParams{UserID: u.ID}))
	if sess.UserID != u.ID || sess.Status != "active" {
		t.Fatalf("session %+v", sess)
	}
	token := must[*clerk.SessionsGetTokenResponse](t, "token")(c.Sessions.GetToken(ctx, sess.ID, nil)).JWT
	if token == "" {
		t.Fatal("no session token")
	}
	if g := must[*clerk.Session](t, "get")(c.Sessions.Get(ctx, sess.ID)); g.UserID != u.ID {
		t.Fatalf("get %+v", g)
	}
	if l := must[*clerk.SessionList](t, "list")(c.Sessions.List(ctx, &clerk.SessionsListParams{UserID: &u.ID})); l.TotalCount != 1 {
		t.Fatalf("list %+v", l)
	}
	if v := must[*clerk.Session](t, "verify")(c.Sessions.Verify(ctx, sess.ID, &clerk.SessionsVerifyParams{Token: &token})); v.ID != sess.ID {
		t.Fatalf("verify %+v", v)
	}
	tmpl := must[*clerk.JWTTemplate](t, "template")(c.JWTTemplates.Create(ctx, &clerk.JWTTemplatesCreateParams{
		Name: "e2e", Claims: map[string]any{"uid": "{{user.id}}"}}))
	if g := must[*clerk.JWTTemplate](t, "get template")(c.JWTTemplates.Get(ctx, tmpl.ID)); g.Name != "e2e" {
		t.Fatalf("get template %+v", g)
	}
	if l := must[*clerk.JWTTemplateList](t, "templates")(c.JWTTemplates.List(ctx, nil)); !slices.ContainsFunc(l.Data, func(x *clerk.JWTTemplate) bool { return x.ID == tmpl.ID }) {
		t.Fatalf("templates %+v", l)
	}
	if up := must[*clerk.JWTTemplate](t, "update template")(c.JWTTemplates.Update(ctx, tmpl.ID, &clerk.JWTTemplatesUpdateParams{
		Name: "e2e", Claims: map[string]any{"uid": "{{user.id}}"}, Lifetime: clerk.NullableOf[int64](120)})); up.Lifetime != 120 {
		t.Fatalf("update template %+v", up)
	}
	if tok := must[*clerk.SessionsCreateTokenFromTemplateResponse](t, "token from template")(c.Sessions.CreateTokenFromTemplate(ctx, sess.ID, "e2e", nil)); tok.JWT == "" {
		t.Fatal("no jwt")
	}
	must[*clerk.DeletedObject](t, "delete template")(c.JWTTemplates.Delete(ctx, tmpl.ID))
	_, err := c.JWTTemplates.Get(ctx, tmpl.ID)
	wantStatus(t, "template after delete", err, 404)

	if g := must[*clerk.ClientObject](t, "client")(c.Clients.Get(ctx, sess.ClientID)); g.ID != sess.ClientID {
		t.Fatalf("client %+v", g)
	}
	if l := must[*clerk.ClientObjectList](t, "clients")(c.Clients.List(ctx, nil)); l.TotalCount < 1 {
		t.Fatalf("clients %+v", l)
	}
	ct := must[string](t, "client token")(local.ClientToken(ctx, sess.ClientID))
	if v := must[*clerk.ClientObject](t, "verify client")(c.Clients.Verify(ctx, &clerk.ClientsVerifyParams{Token: ct})); v.ID != sess.ClientID {
		t.Fatalf("verify client %+v", v)
	}
	if r := must[*clerk.Session](t, "revoke")(c.Sessions.Revoke(ctx, sess.ID)); r.Status != "revoked" {
		t.Fatalf("revoke %+v", r)
	}

	if k := must[*clerk.JWKS](t, "jwks")(c.JWKS.Get(ctx)); len(k.Keys) != 1 {
		t.Fatalf("jwks %+v", k)
	}
	if tt := must[*clerk.TestingToken](t, "testing token")(c.TestingTokens.Create(ctx)); tt.Token == "" {
		t.Fatal("no testing token")
	}
	sit := must[*clerk.SignInToken](t, "sign-in token")(c.SignInTokens.Create(ctx, &clerk.SignInTokensCreateParams{UserID: u.ID}))
	if r := must[*clerk.SignInToken](t, "revoke sign-in token")(c.SignInTokens.Revoke(ctx, sit.ID)); r.Status != "revoked" {
		t.Fatalf("revoke sign-in token %+v", r)
	}
	act := must[*clerk.ActorToken](t, "actor token")(c.ActorTokens.Create(ctx, &clerk.ActorTokensCreateParams{UserID: u.ID,
		Actor: map[string]any{"sub": "user_admin"}}))
	if r := must[*clerk.ActorToken](t, "revoke actor token")(c.ActorTokens.Revoke(ctx, act.ID)); r.Status != "revoked" {
		t.Fatalf("revoke actor token %+v", r)
	}
}

func e2eOrganizations(t *testing.T, c *clerk.Client) {
	ctx := context.Background()
	ada := must[*clerk.User](t, "ada")(c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"org-ada@example.com"}}))
	bob := must[*clerk.User](t, "bob")(c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"org-bob@example.com"}}))
	org := must[*clerk.Organization](t, "create")(c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "E2E", CreatedBy: &ada.ID}))
	if g := must[*clerk.Organization](t, "get")(c.Organizations.Get(ctx, org.ID, nil)); g.Slug != "e2e" {
		t.Fatalf("get %+v", g)
	}
	if l := must[*clerk.Organizations](t, "list")(c.Organizations.List(ctx, &clerk.OrganizationsListParams{Query: clerk.Ptr("e2e")})); l.TotalCount != 1 {
		t.Fatalf("list %+v", l)
	}
	if up := must[*clerk.Organization](t, "update")(c.Organizations.Update(ctx, org.ID, &clerk.OrganizationsUpdateParams{Name: clerk.NullableOf("E2E Inc")})); up.Name != "E2E Inc" {
		t.Fatalf("update %+v", up)
	}
	if md := must[*clerk.Organization](t, "merge metadata")(c.Organizations.MergeMetadata(ctx, org.ID, &clerk.OrganizationsMergeMetadataParams{
		PublicMetadata: map[string]any{"k": "v"}})); md.PublicMetadata["k"] != "v" {
		t.Fatalf("merge %+v", md)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 32)...)
	if l := must[*clerk.OrganizationWithLogo](t, "logo")(c.Organizations.UploadLogo(ctx, org.ID, &clerk.OrganizationsUploadLogoParams{
		File: clerk.File{Name: "l.png", ContentType: "image/png", Body: bytes.NewReader(png)}})); !l.HasImage {
		t.Fatal("no logo")
	}
	must[*clerk.Organization](t, "delete logo")(c.Organizations.DeleteLogo(ctx, org.ID))

	must[*clerk.OrganizationMembership](t, "membership")(c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: bob.ID, Role: "org:member"}))
	if l := must[*clerk.OrganizationMemberships](t, "memberships")(c.OrganizationMemberships.List(ctx, org.ID, nil)); l.TotalCount != 2 {
		t.Fatalf("memberships %+v", l)
	}
	if up := must[*clerk.OrganizationMembership](t, "update membership")(c.OrganizationMemberships.Update(ctx, org.ID, bob.ID, &clerk.OrganizationMembershipsUpdateParams{Role: "org:admin"})); up.Role != "org:admin" {
		t.Fatalf("update membership %+v", up)
	}
	must[*clerk.OrganizationMembership](t, "membership metadata")(c.OrganizationMemberships.UpdateMetadata(ctx, org.ID, bob.ID, &clerk.OrganizationMembershipsUpdateMetadataParams{PublicMetadata: map[string]any{"a": 1.0}}))
	if l := must[*clerk.OrganizationMemberships](t, "all memberships")(c.OrganizationMemberships.GetAll(ctx, nil)); l.TotalCount < 2 {
		t.Fatalf("all memberships %+v", l)
	}
	must[*clerk.OrganizationMembership](t, "delete membership")(c.OrganizationMemberships.Delete(ctx, org.ID, bob.ID))

	inv := must[*clerk.OrganizationInvitation](t, "invite")(c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{EmailAddress: "cy@example.com", Role: "org:member"}))
	must[*clerk.OrganizationInvitations](t, "bulk")(c.OrganizationInvitations.BulkCreate(ctx, org.ID, []clerk.OrganizationInvitationsBulkCreateParams{{EmailAddress: "dee@example.com", Role: "org:member"}}))
	if g := must[*clerk.OrganizationInvitation](t, "get invitation")(c.OrganizationInvitations.Get(ctx, org.ID, inv.ID)); g.EmailAddress != "cy@example.com" {
		t.Fatalf("get invitation %+v", g)
	}
	if l := must[*clerk.OrganizationInvitations](t, "invitations")(c.OrganizationInvitations.List(ctx, org.ID, nil)); l.TotalCount != 2 {
		t.Fatalf("invitations %+v", l)
	}
	if l := must[*clerk.OrganizationInvitations](t, "pending")(c.OrganizationInvitations.ListPending(ctx, org.ID, nil)); l.TotalCount != 2 {
		t.Fatalf("pending %+v", l)
	}
	if l := must[*clerk.OrganizationInvitationsWithPublicOrganizationData](t, "all invitations")(c.OrganizationInvitations.GetAll(ctx, nil)); l.TotalCount < 2 {
		t.Fatalf("all invitations %+v", l)
	}
	if r := must[*clerk.OrganizationInvitation](t, "revoke invitation")(c.OrganizationInvitations.Revoke(ctx, org.ID, inv.ID, nil)); r.Status != "revoked" {
		t.Fatalf("revoke invitation %+v", r)
	}

	d := must[*clerk.OrganizationDomain](t, "domain")(c.OrganizationDomains.Create(ctx, org.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("e2e.example")}))
	if l := must[*clerk.OrganizationDomains](t, "domains")(c.OrganizationDomains.List(ctx, org.ID, nil)); l.TotalCount != 1 {
		t.Fatalf("domains %+v", l)
	}
	if up := must[*clerk.OrganizationDomain](t, "update domain")(c.OrganizationDomain.Update(ctx, org.ID, d.ID, &clerk.OrganizationDomainUpdateParams{
		EnrollmentMode: clerk.NullableOf("automatic_invitation")})); up.EnrollmentMode != "automatic_invitation" {
		t.Fatalf("update domain %+v", up)
	}
	must[*clerk.DeletedObject](t, "delete domain")(c.OrganizationDomains.Delete(ctx, org.ID, d.ID))

	i := must[*clerk.Invitation](t, "instance invitation")(c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "new@example.com"}))
	if l := must[*clerk.InvitationList](t, "instance invitations")(c.Invitations.List(ctx, nil)); !slices.ContainsFunc(l.Data, func(x *clerk.Invitation) bool { return x.ID == i.ID }) {
		t.Fatalf("instance invitations %+v", l)
	}
	if r := must[*clerk.InvitationRevoked](t, "revoke instance invitation")(c.Invitations.Revoke(ctx, i.ID)); r.Status != "revoked" {
		t.Fatalf("revoke %+v", r)
	}

	must[*clerk.DeletedObject](t, "delete organization")(c.Organizations.Delete(ctx, org.ID))
	_, err := c.Organizations.Get(ctx, org.ID, nil)
	wantStatus(t, "organization after delete", err, 404)
}

func e2eInstance(t *testing.T, c *clerk.Client, local *emulator.Service, publishableKeyOf string) {
	ctx := context.Background()
	_ = publishableKeyOf
	must[*clerk.SvixURL](t, "svix app")(c.Webhooks.CreateSvixApp(ctx))
	must[*clerk.SvixURL](t, "svix url")(c.Webhooks.GenerateSvixAuthURL(ctx))
	if err := c.Webhooks.DeleteSvixApp(ctx); err != nil {
		t.Fatal(err)
	}
	pk := local.PublishableKey()
	if page := must[[]byte](t, "interstitial")(c.Miscellaneous.GetInterstitial(ctx, &clerk.MiscellaneousGetInterstitialParams{PublishableKey: &pk})); !bytes.Contains(page, []byte(pk)) {
		t.Fatal("interstitial without the key")
	}
	su := must[*v2021.SignUp](t, "sign-up")(local.CreateSignUp(ctx, emulator.SignUpOptions{EmailAddress: "su@example.com"}))
	if up := must[*clerk.SignUp](t, "update sign-up")(c.SignUps.Update(ctx, su.ID, &clerk.SignUpsUpdateParams{ExternalID: clerk.NullableOf("x1")})); *up.ExternalID != "x1" {
		t.Fatalf("sign-up %+v", up)
	}
	if l := must[*clerk.TemplateList](t, "templates")(c.EmailSMSTemplates.List(ctx, "email", nil)); l.TotalCount == 0 {
		t.Fatal("no templates")
	}
	must[*clerk.Template](t, "template")(c.EmailSMSTemplates.Get(ctx, "email", "verification_code"))
	if up := must[*clerk.Template](t, "upsert")(c.EmailAndSMSTemplates.Upsert(ctx, "email", "verification_code", &clerk.EmailAndSMSTemplatesUpsertParams{
		Name: clerk.Ptr("Code")})); up.Name != "Code" {
		t.Fatalf("upsert %+v", up)
	}
	must[*clerk.Template](t, "toggle")(c.EmailSMSTemplates.ToggleTemplateDelivery(ctx, "email", "verification_code", nil))
	if p := must[map[string]any](t, "preview")(c.Templates.Preview(ctx, "email", "verification_code", nil)); p["body"] == "" {
		t.Fatal("empty preview")
	}
	if r := must[*clerk.Template](t, "revert")(c.EmailSMSTemplates.Revert(ctx, "email", "verification_code")); r.Name == "Code" {
		t.Fatal("not reverted")
	}
}

func e2eSettings(t *testing.T, c *clerk.Client) {
	ctx := context.Background()
	al := must[*clerk.AllowlistIdentifier](t, "allowlist")(c.AllowlistBlocklist.CreateAllowlistIdentifier(ctx,
		&clerk.AllowlistBlocklistCreateAllowlistIdentifierParams{Identifier: "*@allowed.example"}))
	if l := must[*clerk.AllowlistIdentifierList](t, "allowlist list")(c.AllowlistBlocklist.ListAllowlistIdentifiers(ctx, nil)); !slices.ContainsFunc(l.Data, func(x *clerk.AllowlistIdentifier) bool { return x.ID == al.ID }) {
		t.Fatalf("allowlist list %+v", l)
	}
	bl := must[*clerk.BlocklistIdentifier](t, "blocklist")(c.AllowlistBlocklist.CreateBlocklistIdentifier(ctx,
		&clerk.AllowlistBlocklistCreateBlocklistIdentifierParams{Identifier: "blocked@example.com"}))
	if l := must[*clerk.BlocklistIdentifiers](t, "blocklist list")(c.BlocklistIdentifiers.List(ctx)); l.TotalCount != 1 || l.Data[0].ID != bl.ID {
		t.Fatalf("blocklist list %+v", l)
	}
	if r := must[*clerk.InstanceRestrictions](t, "restrictions")(c.InstanceSettings.UpdateRestrictions(ctx,
		&clerk.InstanceSettingsUpdateRestrictionsParams{Blocklist: clerk.NullableOf(true)})); !r.Blocklist {
		t.Fatalf("restrictions %+v", r)
	}
	_, err := c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"Blocked@Example.com"}})
	wantStatus(t, "a blocked address", err, 403)
	must[*clerk.DeletedObject](t, "delete blocklisted")(c.AllowlistBlocklist.DeleteBlocklistIdentifier(ctx, bl.ID))
	must[*clerk.DeletedObject](t, "delete allowlisted")(c.AllowlistIdentifiers.Delete(ctx, al.ID))
	must[*clerk.User](t, "no longer blocked")(c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"blocked@example.com"}}))
	must[*clerk.InstanceRestrictions](t, "restrictions off")(c.InstanceSettings.UpdateRestrictions(ctx,
		&clerk.InstanceSettingsUpdateRestrictionsParams{Blocklist: clerk.NullableOf(false)}))

	if err := c.InstanceSettings.Update(ctx, &clerk.InstanceSettingsUpdateParams{SupportEmail: clerk.NullableOf("help@example.com")}); err != nil {
		t.Fatal(err)
	}
	if o := must[*clerk.OrganizationSettings](t, "organization settings")(c.InstanceSettings.UpdateOrganizationSettings(ctx,
		&clerk.InstanceSettingsUpdateOrganizationSettingsParams{MaxAllowedMemberships: clerk.NullableOf[int64](7)})); o.MaxAllowedMemberships != 7 {
		t.Fatalf("organization settings %+v", o)
	}
	if org := must[*clerk.Organization](t, "organization with the default limit")(c.Organizations.Create(ctx,
		&clerk.OrganizationsCreateParams{Name: "Defaults"})); org.MaxAllowedMemberships != 7 {
		t.Fatalf("the default limit was not applied: %+v", org)
	}
	if b := must[*clerk.InstanceSettings](t, "beta settings")(c.BetaFeatures.UpdateInstanceSettings(ctx,
		&clerk.BetaFeaturesUpdateInstanceSettingsParams{ProgressiveSignUp: clerk.NullableOf(true)})); !b.ProgressiveSignUp {
		t.Fatalf("beta settings %+v", b)
	}
	err = c.BetaFeatures.UpdateDomain(ctx, &clerk.BetaFeaturesUpdateDomainParams{HomeURL: clerk.Ptr("https://example.com")})
	wantStatus(t, "production domain of a development instance", err, 400)
	err = c.BetaFeatures.ChangeProductionInstanceDomain(ctx, &clerk.BetaFeaturesChangeProductionInstanceDomainParams{HomeURL: clerk.Ptr("https://example.com")})
	wantStatus(t, "change the production domain", err, 400)
}

func e2eApps(t *testing.T, c *clerk.Client) {
	ctx := context.Background()
	ru := must[*clerk.RedirectURL](t, "redirect URL")(c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: "https://app.example.com/cb"}))
	if g := must[*clerk.RedirectURL](t, "get redirect URL")(c.RedirectURLs.Get(ctx, ru.ID)); g.URL != "https://app.example.com/cb" {
		t.Fatalf("get redirect URL %+v", g)
	}
	if l := must[*clerk.RedirectURLList](t, "redirect URLs")(c.RedirectURLs.List(ctx, nil)); l.TotalCount != 1 {
		t.Fatalf("redirect URLs %+v", l)
	}
	must[*clerk.DeletedObject](t, "delete redirect URL")(c.RedirectURLs.Delete(ctx, ru.ID))
	_, err := c.RedirectURLs.Get(ctx, ru.ID)
	wantStatus(t, "redirect URL after delete", err, 404)

	d := must[*clerk.Domain](t, "satellite")(c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "sat.example.com", IsSatellite: true}))
	if up := must[*clerk.Domain](t, "update satellite")(c.Domains.Update(ctx, d.ID, &clerk.DomainsUpdateParams{Name: clerk.NullableOf("sat2.example.com")})); up.Name != "sat2.example.com" {
		t.Fatalf("update satellite %+v", up)
	}
	if l := must[*clerk.Domains](t, "domains")(c.Domains.List(ctx)); l.TotalCount != 2 {
		t.Fatalf("domains (primary and satellite) %+v", l)
	}
	_, err = c.ProxyChecks.Verify(ctx, &clerk.ProxyChecksVerifyParams{DomainID: &d.ID, ProxyURL: clerk.Ptr("https://sat2.example.com/__clerk")})
	wantStatus(t, "proxy check", err, 422)
	must[*clerk.DeletedObject](t, "delete satellite")(c.Domains.Delete(ctx, d.ID))
	if l := must[*clerk.Domains](t, "domains after delete")(c.Domains.List(ctx)); l.TotalCount != 1 {
		t.Fatalf("domains after delete %+v", l)
	}

	app := must[*clerk.OAuthApplicationWithSecret](t, "OAuth app")(c.OAuthApplications.Create(ctx, &clerk.OAuthApplicationsCreateParams{
		Name: "Partner", RedirectUris: []string{"https://partner.example.com/cb"}}))
	if app.ClientSecret == "" {
		t.Fatal("no client secret on create")
	}
	if g := must[*clerk.OAuthApplication](t, "get OAuth app")(c.OAuthApplications.Get(ctx, app.ID)); g.Name != "Partner" {
		t.Fatalf("get OAuth app %+v", g)
	}
	if l := must[*clerk.OAuthApplications](t, "OAuth apps")(c.OAuthApplications.List(ctx, nil)); l.TotalCount != 1 {
		t.Fatalf("OAuth apps %+v", l)
	}
	if up := must[*clerk.OAuthApplication](t, "update OAuth app")(c.OAuthApplications.Update(ctx, app.ID, &clerk.OAuthApplicationsUpdateParams{Name: clerk.NullableOf("Partner 2")})); up.Name != "Partner 2" {
		t.Fatalf("update OAuth app %+v", up)
	}
	if r := must[*clerk.OAuthApplicationWithSecret](t, "rotate")(c.OAuthApplications.RotateSecret(ctx, app.ID)); r.ClientSecret == "" || r.ClientSecret == app.ClientSecret {
		t.Fatal("the secret did not change")
	}
	must[*clerk.DeletedObject](t, "delete OAuth app")(c.OAuthApplications.Delete(ctx, app.ID))
	_, err = c.OAuthApplications.Get(ctx, app.ID)
	wantStatus(t, "OAuth app after delete", err, 404)

	sc := must[*clerk.SAMLConnection](t, "SAML")(c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "Okta",
		Domains: []string{"corp.example.com", "Corp.example.org"}, Provider: "saml_okta"}))
	if g := must[*clerk.SAMLConnection](t, "get SAML")(c.SAMLConnections.Get(ctx, sc.ID)); g.Domain != "corp.example.com" ||
		!slices.Equal(g.Domains, []string{"corp.example.com", "corp.example.org"}) {
		t.Fatalf("get SAML %+v", g)
	}
	if l := must[*clerk.SAMLConnections](t, "SAML list")(c.SAMLConnections.List(ctx, nil)); l.TotalCount != 1 {
		t.Fatalf("SAML list %+v", l)
	}
	if up := must[*clerk.SAMLConnection](t, "update SAML")(c.SAMLConnections.Update(ctx, sc.ID, &clerk.SAMLConnectionsUpdateParams{Name: clerk.NullableOf("Okta SSO"),
		Domains: clerk.NullableOf([]string{"sso.example.com"})})); up.Name != "Okta SSO" || up.Domain != "sso.example.com" || !slices.Equal(up.Domains, []string{"sso.example.com"}) {
		t.Fatalf("update SAML %+v", up)
	}
	must[*clerk.DeletedObject](t, "delete SAML")(c.SAMLConnections.Delete(ctx, sc.ID))
	_, err = c.SAMLConnections.Get(ctx, sc.ID)
	wantStatus(t, "SAML after delete", err, 404)
}
