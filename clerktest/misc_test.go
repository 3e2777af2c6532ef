package clerktest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
	"github.com/clerkgo/clerk/emulator"
)

func TestSvixAppThroughTheSDK(t *testing.T) { eachStore(t, testSvixAppThroughTheSDK) }

func testSvixAppThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	_, err := c.Webhooks.GenerateSvixAuthURL(ctx)
	wantErr(t, "URL without an app", err, 400, "svix_app_missing", "")
	err = c.Webhooks.DeleteSvixApp(ctx)
	wantErr(t, "delete without an app", err, 400, "svix_app_missing", "")
	u, err := c.Webhooks.CreateSvixApp(ctx)
	if err != nil || !strings.HasPrefix(u.SvixURL, "https://app.svix.com/login#key=") {
		t.Fatalf("create: %+v %v", u, err)
	}
	_, err = c.Webhooks.CreateSvixApp(ctx)
	wantErr(t, "a second app", err, 400, "svix_app_exists", "")
	again, err := c.Webhooks.GenerateSvixAuthURL(ctx)
	if err != nil || again.SvixURL == u.SvixURL || !strings.Contains(again.SvixURL, u.SvixURL[strings.Index(u.SvixURL, "&app="):]) {
		t.Fatalf("a new URL of the same app: %+v %v", again, err)
	}
	if err := c.Webhooks.DeleteSvixApp(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.Webhooks.GenerateSvixAuthURL(ctx)
	wantErr(t, "URL after delete", err, 400, "svix_app_missing", "")
}

func TestInterstitialNeedsNoSecretKey(t *testing.T) {
	srv := clerktest.NewServer(t)
	get := func(query string) (int, string, string) {
		resp, err := http.Get(srv.URL + "/v1/public/interstitial?" + query) // no Authorization
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}
	status, ct, body := get("publishable_key=" + srv.PublishableKey)
	if status != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "clerk.emulator.localhost") ||
		!strings.Contains(body, srv.PublishableKey) {
		t.Fatalf("page: %d %s %.300s", status, ct, body)
	}
	status, _, body = get("publishable_key=pk_test_bm90IGEga2V5")
	if status != 400 || !strings.Contains(body, "malformed_publishable_key") {
		t.Fatalf("a malformed key: %d %s", status, body)
	}
	status, _, body = get("frontendApi=clerk.example.com")
	if status != 200 || !strings.Contains(body, "clerk.example.com") {
		t.Fatalf("frontendApi: %d %.300s", status, body)
	}
	// The page escapes what it is given.
	status, _, body = get("frontendApi=a%3Cscript%3E")
	if status == 200 && strings.Contains(body, "a<script>") {
		t.Fatalf("unescaped: %s", body)
	}
	page, err := srv.Client.Miscellaneous.GetInterstitial(context.Background(), &clerk.MiscellaneousGetInterstitialParams{PublishableKey: &srv.PublishableKey})
	if err != nil || !strings.Contains(string(page), "<!DOCTYPE html>") {
		t.Fatalf("through the SDK: %.200s %v", page, err)
	}
}

func TestSignUpsThroughTheSDK(t *testing.T) { eachStore(t, testSignUpsThroughTheSDK) }

func testSignUpsThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	su := srv.CreateSignUp(t, emulator.SignUpOptions{EmailAddress: "New@Example.com", FirstName: "Nia"})
	if su.Status != "missing_requirements" || *su.EmailAddress != "new@example.com" || su.ExternalID != nil {
		t.Fatalf("created %+v", su)
	}
	up, err := srv.Client.SignUps.Update(ctx, su.ID, &clerk.SignUpsUpdateParams{ExternalID: clerk.NullableOf("crm-42")})
	if err != nil || up.ExternalID == nil || *up.ExternalID != "crm-42" || *up.FirstName != "Nia" {
		t.Fatalf("update: %+v %v", up, err)
	}
	up, err = srv.Client.SignUps.Update(ctx, su.ID, &clerk.SignUpsUpdateParams{ExternalID: clerk.Null[string]()})
	if err != nil || up.ExternalID != nil {
		t.Fatalf("clear: %+v %v", up, err)
	}
	_, err = srv.Client.SignUps.Update(ctx, "sua_nope", nil)
	wantErr(t, "unknown sign-up", err, 404, "resource_not_found", "")

	// custom_action, in later API versions.
	status, body := patch(t, srv, "/v1/sign_ups/"+su.ID, `{"custom_action":true}`)
	if status != 200 || !strings.Contains(body, `"custom_action":true`) {
		t.Fatalf("custom_action: %d %s", status, body)
	}
}

// patch sends a PATCH with API version 2026-05-12.
func patch(t *testing.T, srv *clerktest.Server, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("PATCH", srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.SecretKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Clerk-API-Version", "2026-05-12")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}
