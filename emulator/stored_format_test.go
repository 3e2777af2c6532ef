package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
)

var updateStored = flag.Bool("update-stored", false, "rewrite testdata/stored-format-N.txt from what the emulator stores now")

// storedKinds are the kinds of object the domain stores, each with the
// type its document decodes into.
var storedKinds = map[string]func(data []byte) ([]byte, error){
	kindSession: roundTrip[v2021.Session],
	kindClient:  roundTrip[v2021.ClientObject],
	kindJWTTemplate: func(data []byte) ([]byte, error) { // claims keep their numbers as written
		var doc jwtTemplateDoc
		if err := decodeWithNumbers(data, &doc); err != nil {
			return nil, err
		}
		return json.Marshal(&doc)
	},
	kindTOTP:                roundTrip[totpRecord],
	kindBackupCode:          roundTrip[backupCodeRecord],
	kindSignInToken:         roundTrip[signInTokenDoc],
	kindActorToken:          roundTrip[actorTokenDoc],
	kindProfileImage:        roundTrip[profileImage],
	kindOrganization:        roundTrip[orgRecord],
	kindMembership:          roundTrip[membershipRecord],
	kindOrgInvitation:       roundTrip[orgInvitationRecord],
	kindInvitation:          roundTrip[v2021.Invitation],
	kindOrgDomain:           roundTrip[domainRecord],
	kindSvixApp:             roundTrip[svixAppRecord],
	kindSignUp:              roundTrip[v2021.SignUp],
	kindMessageTemplate:     roundTrip[templateRecord],
	kindRedirectURL:         roundTrip[v2021.RedirectURL],
	kindDomain:              roundTrip[satelliteRecord],
	kindOAuthApp:            roundTrip[oauthAppRecord],
	kindSAMLConnection:      roundTrip[samlConnection],
	kindAllowlistIdentifier: roundTrip[v2021.AllowlistIdentifier],
	kindBlocklistIdentifier: roundTrip[v2021.BlocklistIdentifier],
	kindInstanceSettings:    roundTrip[settingsRecord],
}

// roundTrip decodes a stored document into T and encodes it again.
func roundTrip[T any](data []byte) ([]byte, error) {
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// TestStoredDocumentsArePinned pins the bytes the emulator stores for
// every kind of document, in a file per stored format: a change of the
// server's models (a regenerated internal/v2021/models_gen.go) or of the emulator's records
// that would store other bytes, or read the stored ones differently, fails
// here instead of silently changing what is in users' databases. Then
// bump storedFormat, make New upgrade the documents of the older format,
// and record the new format with -update-stored.
func TestStoredDocumentsArePinned(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := newMFAClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	newMFATestService(t, clock) // makes the signing key
	s, err := New(ctx, st, Options{SigningKey: mfaTestKey, Now: clock.now, Rand: mrand.NewChaCha8([32]byte{7})})
	if err != nil {
		t.Fatal(err)
	}
	// One of everything, deterministic: digests given rather than
	// computed (bcrypt salts its own), IDs and codes from the seed.
	u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{
		EmailAddress: []string{"ada@example.com", "ada@work.example"}, PhoneNumber: []string{"+15555550100"},
		Web3Wallet: []string{"0x0123456789abcdef0123456789abcdef01234567"}, Username: v2021.Ptr("ada_l"),
		ExternalID: v2021.Ptr("ext-1"), FirstName: v2021.Ptr("Ada"), LastName: v2021.Ptr("Lovelace"),
		PublicMetadata: map[string]any{"plan": "pro", "n": 1.5}, PrivateMetadata: map[string]any{"k": []any{"a", nil}},
		UnsafeMetadata: map[string]any{"theme": "dark"},
		PasswordDigest: v2021.Ptr("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"),
		PasswordHasher: v2021.Ptr(v2021.PasswordHasher("bcrypt")), TOTPSecret: v2021.Ptr("JBSWY3DPEHPK3PXP"), BackupCodes: []string{"one", "two"},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.add(time.Second)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...)
	if _, err := s.Users.SetProfileImage(ctx, u.ID, &v2021.UsersSetProfileImageParams{File: v2021.File{Body: bytes.NewReader(png)}}); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Second)
	if _, err := s.CreateSession(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JWTTemplates.Create(ctx, &v2021.JWTTemplatesCreateParams{Name: v2021.Ptr("backend"),
		Claims: map[string]any{"uid": "{{user.id}}", "n": json.Number("1.50")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSignInToken(ctx, &v2021.SignInTokensCreateParams{UserID: &u.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActorTokens.Create(ctx, &v2021.ActorTokensCreateParams{UserID: u.ID, Actor: map[string]any{"sub": "user_admin"}}); err != nil {
		t.Fatal(err)
	}
	org, err := s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: "Acme", CreatedBy: u.ID,
		MaxAllowedMemberships: v2021.Ptr[int64](5), PublicMetadata: map[string]any{"tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	var orgID struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(org, &orgID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OrganizationInvitations.Create(ctx, orgID.ID, &v2021.OrganizationInvitationsCreateParams{
		EmailAddress: "bob@example.com", Role: "org:member", InviterUserID: &u.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OrganizationDomains.Create(ctx, orgID.ID, &v2021.OrganizationDomainsCreateParams{Name: v2021.Ptr("acme.com"),
		Verified: v2021.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Invitations.Create(ctx, &v2021.InvitationsCreateParams{EmailAddress: "cy@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhooks.CreateSvixApp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSignUp(ctx, SignUpOptions{EmailAddress: "dee@example.com", FirstName: "Dee"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EmailAndSMSTemplates.Upsert(ctx, "sms", "verification_code", &v2021.EmailAndSMSTemplatesUpsertParams{
		Body: v2021.Ptr("Code {{otp_code}}")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedirectURLs.Create(ctx, &v2021.RedirectURLsCreateParams{URL: v2021.Ptr("https://acme.com/oauth-callback")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Domains.Add(ctx, &v2021.DomainsAddParams{Name: "sat.acme.com", IsSatellite: true,
		ProxyURL: v2021.Ptr("https://sat.acme.com/__clerk")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OAuthApplications.Create(ctx, &v2021.OAuthApplicationsCreateParams{Name: "Partner",
		CallbackURL: "https://partner.example.com/callback", Scopes: v2021.Ptr("profile email")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SAMLConnections.Create(ctx, &v2021.SAMLConnectionsCreateParams{Name: "Okta", Domain: "acme.com",
		Provider: "saml_okta", IdpEntityID: v2021.Ptr("https://okta.example.com"), IdpSSOURL: v2021.Ptr("https://okta.example.com/sso"),
		IdpCertificate: v2021.Ptr("MIIC"), AttributeMapping: &v2021.SAMLConnectionsCreateParamsAttributeMapping{EmailAddress: "mail"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AllowlistBlocklist.CreateAllowlistIdentifier(ctx, &v2021.AllowlistBlocklistCreateAllowlistIdentifierParams{
		Identifier: "*@Example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AllowlistBlocklist.CreateBlocklistIdentifier(ctx, &v2021.AllowlistBlocklistCreateBlocklistIdentifierParams{
		Identifier: "+15555550199"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstanceSettings.UpdateRestrictions(ctx, &v2021.InstanceSettingsUpdateRestrictionsParams{
		Blocklist: v2021.NullableOf(true)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstanceSettings.UpdateOrganizationSettings(ctx, &v2021.InstanceSettingsUpdateOrganizationSettingsParams{
		MaxAllowedMemberships: v2021.NullableOf[int64](7), DomainsEnrollmentModes: []string{"automatic_invitation"}},
		&InstanceSettingsUpdateOrganizationSettingsLater{SlugDisabled: v2021.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := s.InstanceSettings.Update(ctx, &v2021.InstanceSettingsUpdateParams{SupportEmail: v2021.NullableOf("help@example.com"),
		AllowedOrigins: []string{"chrome-extension://abc"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BetaFeatures.UpdateInstanceSettings(ctx, &v2021.BetaFeaturesUpdateInstanceSettingsParams{
		FromEmailAddress: v2021.NullableOf("hello"), ProgressiveSignUp: v2021.NullableOf(false)}); err != nil {
		t.Fatal(err)
	}

	var got strings.Builder
	users, err := st.ListUsers(ctx, store.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range users {
		check(t, &got, "user", r.ID, r.Doc, roundTrip[userDoc])
	}
	for _, kind := range []string{kindSession, kindClient, kindJWTTemplate, kindTOTP, kindBackupCode, kindSignInToken, kindActorToken,
		kindProfileImage, kindOrganization, kindMembership, kindOrgInvitation, kindInvitation, kindOrgDomain,
		kindSvixApp, kindSignUp, kindMessageTemplate, kindRedirectURL, kindDomain, kindOAuthApp, kindSAMLConnection,
		kindAllowlistIdentifier, kindBlocklistIdentifier, kindInstanceSettings} {
		rows, err := st.ListObjects(ctx, store.ObjectQuery{Kind: kind, Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Errorf("no %s was stored: the test no longer makes one", kind)
		}
		for _, r := range rows {
			check(t, &got, kind, r.ID, r.Doc, storedKinds[kind])
		}
	}
	if len(storedKinds) != 23 {
		t.Errorf("storedKinds has %d kinds, the test stores 23: keep both in step", len(storedKinds))
	}

	golden := filepath.Join("testdata", fmt.Sprintf("stored-format-%d.txt", storedFormat))
	if *updateStored {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (record it with go test ./emulator -run StoredDocuments -update-stored)", err)
	}
	// What databases hold now must read back as it is: decode every
	// pinned document into its type and encode it again.
	lines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		kind, id, _ := strings.Cut(lines[i], " ")
		rt := storedKinds[kind]
		if kind == "user" {
			rt = roundTrip[userDoc]
		}
		if rt == nil {
			t.Errorf("%s: pinned documents of kind %q, which is not in storedKinds", golden, kind)
			continue
		}
		var sink strings.Builder
		check(t, &sink, kind, id, []byte(lines[i+1]), rt)
	}
	if got.String() != string(want) {
		t.Errorf("the documents stored in format %d changed (a model or record changed):\n%s\nBump storedFormat, upgrade older documents in New, and record the new format with -update-stored.",
			storedFormat, firstDifference(string(want), got.String()))
	}
}

// check appends a stored document to out, failing t when decoding it into
// its type and encoding it again does not give the same bytes: a field
// the type no longer has, or encodes differently, would be lost.
func check(t *testing.T, out *strings.Builder, kind, id string, doc []byte, rt func([]byte) ([]byte, error)) {
	t.Helper()
	again, err := rt(doc)
	if err != nil {
		t.Errorf("%s %s: the stored document no longer decodes: %v", kind, id, err)
	} else if !bytes.Equal(again, doc) {
		t.Errorf("%s %s: the stored document does not survive a decode and encode:\n%s", kind, id, firstDifference(string(doc), string(again)))
	}
	fmt.Fprintf(out, "%s %s\n%s\n", kind, id, doc)
}

// firstDifference shows where two texts part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("  at byte %d:\n  was: %.200q\n  now: %.200q", i, a[from:], b[from:])
}

func TestAStoreFromANewerFormatIsRefused(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	newMFATestService(t, newMFAClock(time.Now()))
	if _, err := New(ctx, st, Options{SigningKey: mfaTestKey}); err != nil {
		t.Fatal(err)
	}
	inst, err := st.Instance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(inst.Doc) != fmt.Sprintf(`{"stored_format":%d}`, storedFormat) {
		t.Fatalf("instance settings %s do not record the format", inst.Doc)
	}
	inst.Doc = []byte(fmt.Sprintf(`{"stored_format":%d}`, storedFormat+1))
	if err := st.PutInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, st, Options{SigningKey: mfaTestKey}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("New on a newer format = %v, want ErrStoredFormatTooNew", err)
	}
}
