package clerktest_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
)

func extrasPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, c)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProfileImageThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	if user.HasImage {
		t.Fatalf("a new user has an image: %+v", user)
	}
	defaultURL := user.ImageURL

	u, err := c.Users.SetProfileImage(ctx, user.ID, &clerk.UsersSetProfileImageParams{
		File: clerk.File{Name: "avatar.png", ContentType: "image/png", Body: bytes.NewReader(extrasPNG(t, color.White))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !u.HasImage || !strings.HasPrefix(u.ImageURL, "https://img.clerk.emulator.localhost/uploaded/img_") || u.ImageURL == defaultURL {
		t.Fatalf("after set: %+v", u)
	}
	got, err := c.Users.Get(ctx, user.ID)
	if err != nil || got.ImageURL != u.ImageURL || !got.HasImage || got.UpdatedAt < user.UpdatedAt {
		t.Fatalf("get: %+v %v", got, err)
	}

	// A new image gets a new URL; its name and declared type do not
	// matter, its content does.
	u2, err := c.Users.SetProfileImage(ctx, user.ID, &clerk.UsersSetProfileImageParams{
		File: clerk.File{Name: "x.bin", Body: bytes.NewReader(extrasPNG(t, color.Black))},
	})
	if err != nil || u2.ImageURL == u.ImageURL || !u2.HasImage {
		t.Fatalf("second set: %+v %v", u2, err)
	}

	t.Run("not an image is 400", func(t *testing.T) {
		_, err := c.Users.SetProfileImage(ctx, user.ID, &clerk.UsersSetProfileImageParams{
			File: clerk.File{Name: "avatar.png", ContentType: "image/png", Body: strings.NewReader("this is not a picture")},
		})
		mfaWantError(t, err, 400, "form_param_format_invalid")
		after, _ := c.Users.Get(ctx, user.ID)
		if after.ImageURL != u2.ImageURL {
			t.Fatal("a refused upload changed the image")
		}
	})
	t.Run("an empty file is 400", func(t *testing.T) {
		_, err := c.Users.SetProfileImage(ctx, user.ID, &clerk.UsersSetProfileImageParams{
			File: clerk.File{Name: "empty.png", Body: bytes.NewReader(nil)},
		})
		mfaWantError(t, err, 400, "form_param_format_invalid")
	})
	t.Run("an unknown user is 404", func(t *testing.T) {
		_, err := c.Users.SetProfileImage(ctx, "user_nope", &clerk.UsersSetProfileImageParams{
			File: clerk.File{Name: "a.png", Body: bytes.NewReader(extrasPNG(t, color.White))},
		})
		mfaWantError(t, err, 404, "resource_not_found")
		_, err = c.Users.DeleteProfileImage(ctx, "user_nope")
		mfaWantError(t, err, 404, "resource_not_found")
	})
	t.Run("a body without the file is 422", func(t *testing.T) {
		status, body := raw(t, srv, "POST", "/v1/users/"+user.ID+"/profile_image", "", srv.SecretKey, nil)
		if status < 400 || status >= 500 {
			t.Fatalf("%d %s", status, body)
		}
	})

	d, err := c.Users.DeleteProfileImage(ctx, user.ID)
	if err != nil || d.HasImage || d.ImageURL != defaultURL {
		t.Fatalf("after delete: %+v %v", d, err)
	}
	// Deleting again is fine.
	if d, err := c.Users.DeleteProfileImage(ctx, user.ID); err != nil || d.HasImage {
		t.Fatalf("second delete: %+v %v", d, err)
	}
}

func TestUserDeletesOfMissingThingsAre404(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	calls := map[string]func(userID string) error{
		"passkey": func(id string) error { _, err := c.Users.DeletePasskey(ctx, id, "idn_nope"); return err },
		"web3 wallet": func(id string) error {
			_, err := c.Users.DeleteWeb3Wallet(ctx, id, "idn_nope")
			return err
		},
		"external account": func(id string) error {
			_, err := c.Users.DeleteExternalAccount(ctx, id, "eac_nope")
			return err
		},
	}
	for name, call := range calls {
		for _, id := range []string{user.ID, "user_nope"} {
			err := call(id)
			if !clerk.IsNotFound(err) || !clerk.HasErrorCode(err, "resource_not_found") {
				t.Errorf("%s of %s: %v", name, id, err)
			}
		}
	}
	// The user is untouched.
	got, err := c.Users.Get(ctx, user.ID)
	if err != nil || got.UpdatedAt != user.UpdatedAt {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestWeb3WalletsThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	const a, b = "0x52908400098527886E0F7030069857D2E4169EE7", "0xde709f2102306220921060314715629080e2fb77"
	user := srv.CreateUser(t, &clerk.UsersCreateParams{Web3Wallet: []string{a, b}})
	if len(user.Web3Wallets) != 2 {
		t.Fatalf("web3_wallet given at creation: %+v", user.Web3Wallets)
	}
	if len(user.Web3Wallets) != 2 || user.PrimaryWeb3WalletID == nil || *user.PrimaryWeb3WalletID != user.Web3Wallets[0].ID ||
		user.Web3Wallets[0].Web3Wallet != a || user.Web3Wallets[0].Verification.Status != "verified" {
		t.Fatalf("%+v", user)
	}

	if found, err := c.Users.List(ctx, &clerk.UsersListParams{Web3Wallet: []string{b}}); err == nil && len(found) == 1 {
		// The store knows the wallets (userRecord adds web3Identifiers):
		// they are unique.
		_, err := c.Users.Create(ctx, &clerk.UsersCreateParams{Web3Wallet: []string{b}})
		mfaWantError(t, err, 422, "form_identifier_exists")
	} else {
		t.Log("wallets are not identifiers yet (userRecord does not add web3Identifiers): uniqueness not tested")
	}

	d, err := c.Users.DeleteWeb3Wallet(ctx, user.ID, user.Web3Wallets[0].ID)
	if err != nil || !d.Deleted || d.Object != "web3_wallet" || d.ID != user.Web3Wallets[0].ID {
		t.Fatalf("%+v %v", d, err)
	}
	got, _ := c.Users.Get(ctx, user.ID)
	if len(got.Web3Wallets) != 1 || got.Web3Wallets[0].Web3Wallet != b || *got.PrimaryWeb3WalletID != got.Web3Wallets[0].ID {
		t.Fatalf("after delete: %+v", got)
	}
	_, err = c.Users.DeleteWeb3Wallet(ctx, user.ID, user.Web3Wallets[0].ID)
	mfaWantError(t, err, 404, "resource_not_found")

	_, err = c.Users.Create(ctx, &clerk.UsersCreateParams{Web3Wallet: []string{"not-a-wallet"}})
	apiErr := mfaWantError(t, err, 422, "form_param_format_invalid")
	if apiErr.Errors[0].Meta["param_name"] != "web3_wallet" {
		t.Fatalf("%s", apiErr.Body)
	}
}

func TestUserOrganizationListsAreEmpty(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})

	m, err := c.Users.GetOrganizationMemberships(ctx, user.ID, nil)
	if err != nil || m.Data == nil || len(m.Data) != 0 || m.TotalCount != 0 {
		t.Fatalf("memberships: %+v %v", m, err)
	}
	inv, err := c.Users.GetOrganizationInvitations(ctx, user.ID, &clerk.UsersGetOrganizationInvitationsParams{
		Status: clerk.Ptr("pending"), Limit: clerk.Ptr[int64](5), Offset: clerk.Ptr[int64](0)})
	if err != nil || inv.Data == nil || len(inv.Data) != 0 || inv.TotalCount != 0 {
		t.Fatalf("invitations: %+v %v", inv, err)
	}
	for range c.Users.GetOrganizationMembershipsIter(ctx, user.ID, nil) {
		t.Fatal("an iterated membership")
	}
	for _, path := range []string{"/organization_memberships", "/organization_invitations"} {
		status, body := raw(t, srv, "GET", "/v1/users/"+user.ID+path, "", srv.SecretKey, nil)
		if status != 200 || string(body) != `{"data":[],"total_count":0}` {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		status, body = raw(t, srv, "GET", "/v1/users/user_nope"+path, "", srv.SecretKey, nil)
		if status != 404 || !bytes.Contains(body, []byte("resource_not_found")) {
			t.Fatalf("%s of nobody: %d %s", path, status, body)
		}
		status, body = raw(t, srv, "GET", "/v1/users/"+user.ID+path+"?limit=0", "", srv.SecretKey, nil)
		if status != 422 {
			t.Fatalf("%s?limit=0: %d %s", path, status, body)
		}
	}
	status, body := raw(t, srv, "GET", "/v1/users/"+user.ID+"/organization_invitations?status=nope", "", srv.SecretKey, nil)
	if status != 422 {
		t.Fatalf("an unknown status: %d %s", status, body)
	}
}

func TestOAuthAccessTokensAreEmpty(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})

	list, err := c.Users.GetOAuthAccessToken(ctx, user.ID, "oauth_google", nil)
	if err != nil || list.Data == nil || len(list.Data) != 0 || list.TotalCount != 0 {
		t.Fatalf("%+v %v", list, err)
	}
	status, body := raw(t, srv, "GET", "/v1/users/"+user.ID+"/oauth_access_tokens/oauth_github", "", srv.SecretKey, nil)
	if status != 200 || string(body) != `[]` {
		t.Fatalf("unpaginated: %d %s", status, body)
	}
	status, body = raw(t, srv, "GET", "/v1/users/"+user.ID+"/oauth_access_tokens/oauth_github?paginated=true", "2025-11-10", srv.SecretKey, nil)
	if status != 200 || string(body) != `{"data":[],"total_count":0}` {
		t.Fatalf("2025-11-10, paginated: %d %s", status, body)
	}
	_, err = c.Users.GetOAuthAccessToken(ctx, "user_nope", "oauth_google", nil)
	mfaWantError(t, err, 404, "resource_not_found")
}
