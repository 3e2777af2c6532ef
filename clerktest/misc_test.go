package clerktest_test

import (
	"context"
	"io"
	"net/http"
	"slices"
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

// patch sends a PATCH with API version 2026-05-12 (see post).
func patch(t *testing.T, srv *clerktest.Server, path, body string) (int, string) {
	t.Helper()
	return send(t, srv, "PATCH", path, body)
}

func TestMessageTemplatesThroughTheSDK(t *testing.T) { eachStore(t, testMessageTemplatesThroughTheSDK) }

func testMessageTemplatesThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	list, err := c.EmailSMSTemplates.List(ctx, "email", nil)
	if err != nil || list.TotalCount < 5 || list.Data[0].Slug != "verification_code" || list.Data[0].ResourceType != "system" ||
		!slices.Contains(list.Data[0].AvailableVariables, "otp_code") || list.Data[0].Subject == nil {
		t.Fatalf("email templates: %+v %v", list, err)
	}
	sms, err := c.EmailSMSTemplates.List(ctx, "sms", nil)
	if err != nil || sms.TotalCount < 2 || sms.Data[0].Subject != nil {
		t.Fatalf("sms templates: %+v %v", sms, err)
	}
	_, err = c.EmailSMSTemplates.List(ctx, "fax", nil)
	wantErr(t, "unknown type (the spec's enum)", err, 422, "form_param_format_invalid", "template_type")
	_, err = c.EmailSMSTemplates.Get(ctx, "email", "nope")
	wantErr(t, "unknown slug", err, 404, "resource_not_found", "")
	_, err = c.EmailSMSTemplates.Revert(ctx, "email", "verification_code")
	wantErr(t, "revert a standard template", err, 400, "template_revert_error", "")

	// Upsert: the required variable must stay; the change is kept.
	_, err = c.EmailAndSMSTemplates.Upsert(ctx, "email", "verification_code", &clerk.EmailAndSMSTemplatesUpsertParams{
		Body: clerk.Ptr("<p>no code here</p>")})
	wantErr(t, "body without its code", err, 422, "required_variable_missing", "body")
	up, err := c.EmailAndSMSTemplates.Upsert(ctx, "email", "verification_code", &clerk.EmailAndSMSTemplatesUpsertParams{
		Name: clerk.Ptr("Code"), Subject: clerk.Ptr("Your {{app.name}} code"), Body: clerk.Ptr("<p>Code: {{otp_code}}</p>")})
	if err != nil || up.Name != "Code" || up.ResourceType != "user" || !up.CanRevert || up.Body != "<p>Code: {{otp_code}}</p>" {
		t.Fatalf("upsert: %+v %v", up, err)
	}
	got, err := c.EmailSMSTemplates.Get(ctx, "email", "verification_code")
	if err != nil || got.ID != up.ID || *got.Subject != "Your {{app.name}} code" {
		t.Fatalf("get after upsert: %+v %v", got, err)
	}
	preview, err := c.Templates.Preview(ctx, "email", "verification_code", nil)
	if err != nil || preview["body"] != "<p>Code: 123456</p>" || preview["subject"] != "Your Emulated instance code" {
		t.Fatalf("preview: %v %v", preview, err)
	}
	preview, err = c.Templates.Preview(ctx, "sms", "verification_code", &clerk.TemplatesPreviewParams{Body: clerk.Ptr("{{otp_code}}!")})
	if err != nil || preview["body"] != "123456!" {
		t.Fatalf("preview of a given body: %v %v", preview, err)
	}
	toggled, err := c.EmailSMSTemplates.ToggleTemplateDelivery(ctx, "sms", "verification_code",
		&clerk.EmailSMSTemplatesToggleTemplateDeliveryParams{DeliveredByClerk: clerk.Ptr(false)})
	if err != nil || toggled.DeliveredByClerk {
		t.Fatalf("toggle: %+v %v", toggled, err)
	}
	reverted, err := c.EmailSMSTemplates.Revert(ctx, "email", "verification_code")
	if err != nil || reverted.ResourceType != "system" || reverted.Name != "Verification code" || reverted.ID != up.ID {
		t.Fatalf("revert: %+v %v", reverted, err)
	}
}
