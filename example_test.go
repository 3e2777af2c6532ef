package clerk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/clerkgo/clerk"
)

// The examples run in `go test` against a small fake of the Backend API
// (fakeapi_test.go): TestMain points CLERK_SECRET_KEY and CLERK_API_URL at
// it, so the code below is exactly what an application writes.

// Create a client from the environment (CLERK_SECRET_KEY, and CLERK_API_URL
// when set) and fetch an email address: the seed's quick start.
func ExampleNewClientFromEnv() {
	client, err := clerk.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	email, err := client.EmailAddresses.Get(context.Background(), "idn_123")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(email.EmailAddress, email.Verification.Status)
	// Output: ada@example.com verified
}

// Create a client with an explicit key and options.
func ExampleNewClient() {
	client, err := clerk.NewClient(os.Getenv("CLERK_SECRET_KEY"),
		clerk.WithServerURL(os.Getenv("CLERK_API_URL")+"/v1"),
		clerk.WithUserAgentSuffix("my-app/1.2"),
	)
	if err != nil {
		log.Fatal(err)
	}
	user, err := client.Users.Get(context.Background(), "user_ada")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.ID, *user.FirstName)
	// Output: user_ada Ada
}

// Select the server by its index in the spec's server list (0 is the
// production API, the default).
func ExampleWithServerIndex() {
	client, err := clerk.NewClient("sk_test_123", clerk.WithServerIndex(0))
	if err != nil {
		log.Fatal(err)
	}
	_ = client
	fmt.Println(clerk.ServerList[0])
	// Output: https://api.clerk.com/v1
}

// Create a user; optional fields are pointers, set with clerk.Ptr.
func ExampleUsersService_Create() {
	client, _ := clerk.NewClientFromEnv()
	user, err := client.Users.Create(context.Background(), &clerk.UsersCreateParams{
		EmailAddress:   []string{"grace@example.com"},
		FirstName:      clerk.Ptr("Grace"),
		PublicMetadata: map[string]any{"plan": "pro"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.ID, *user.FirstName, user.PublicMetadata["plan"])
	// Output: user_grace Grace pro
}

// Clear a field with an explicit null: nullable fields of PATCH bodies are
// clerk.Nullable.
func ExampleUsersService_Update() {
	client, _ := clerk.NewClientFromEnv()
	user, err := client.Users.Update(context.Background(), "user_ada", &clerk.UsersUpdateParams{
		FirstName: clerk.NullableOf("Augusta"),
		LastName:  clerk.Null[string](),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*user.FirstName, user.LastName == nil)
	// Output: Augusta true
}

// Iterate over every user, page by page; the iterator never changes params.
func ExampleUsersService_ListIter() {
	client, _ := clerk.NewClientFromEnv()
	params := &clerk.UsersListParams{Limit: clerk.Ptr[int64](2)}
	for user, err := range client.Users.ListIter(context.Background(), params) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(user.ID)
	}
	fmt.Println("limit still", *params.Limit)
	// Output:
	// user_1
	// user_2
	// user_3
	// limit still 2
}

// Handle errors: every answer outside 2xx is a *clerk.APIError.
func ExampleAPIError() {
	client, _ := clerk.NewClientFromEnv()
	_, err := client.Users.Get(context.Background(), "user_missing")
	if clerk.IsNotFound(err) {
		fmt.Println("no such user")
	}
	var apiErr *clerk.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Errors[0].Code, apiErr.ClerkTraceID)
	}
	// Output:
	// no such user
	// 404 resource_not_found trace_abc
}

// Create an organization with its first admin.
func ExampleOrganizationsService_Create() {
	client, _ := clerk.NewClientFromEnv()
	org, err := client.Organizations.Create(context.Background(), &clerk.OrganizationsCreateParams{
		Name:      "Analytical Engines",
		CreatedBy: clerk.Ptr("user_ada"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(org.ID, org.Name, org.Slug)
	// Output: org_engines Analytical Engines analytical-engines
}

// List a user's organization memberships, with the total count.
func ExampleUsersService_GetOrganizationMemberships() {
	client, _ := clerk.NewClientFromEnv()
	page, err := client.Users.GetOrganizationMemberships(context.Background(), "user_ada", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range page.Data {
		fmt.Println(m.Organization.Name, m.Role)
	}
	fmt.Println("total", page.TotalCount)
	// Output:
	// Analytical Engines org:admin
	// total 1
}

// List sessions: the SDK sends paginated=true, so the total comes with the
// page in one request.
func ExampleSessionsService_List() {
	client, _ := clerk.NewClientFromEnv()
	page, err := client.Sessions.List(context.Background(), &clerk.SessionsListParams{UserID: clerk.Ptr("user_ada")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Data), page.TotalCount, page.Data[0].Status)
	// Output: 1 1 active
}

// Start a session for a user and mint its session token, as Clerk's
// testing recipe does without a browser (POST /sessions, then POST
// /sessions/{id}/tokens).
func ExampleSessionsService_CreateSession() {
	client, _ := clerk.NewClientFromEnv()
	ctx := context.Background()
	sess, err := client.Sessions.CreateSession(ctx, &clerk.SessionsCreateSessionParams{UserID: "user_ada"})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := client.Sessions.GetToken(ctx, sess.ID, &clerk.SessionsGetTokenParams{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sess.ID, sess.UserID, sess.Status, tok.JWT != "")
	// Output: sess_1 user_ada active true
}

// Create a machine-to-machine token for a machine, valid for an hour.
func ExampleM2MService_CreateToken() {
	client, _ := clerk.NewClientFromEnv()
	tok, err := client.M2M.CreateToken(context.Background(), &clerk.M2MCreateTokenParams{
		SecondsUntilExpiration: clerk.Ptr[int64](3600),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.ID, tok.Subject, tok.Scopes, tok.Token != "")
	// Output: mt_1 mch_billing [mch_ledger] true
}

// Invite someone by email.
func ExampleInvitationsService_Create() {
	client, _ := clerk.NewClientFromEnv()
	inv, err := client.Invitations.Create(context.Background(), &clerk.InvitationsCreateParams{
		EmailAddress: "charles@example.com",
		RedirectURL:  clerk.Ptr("https://example.com/welcome"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.EmailAddress, inv.Status)
	// Output: charles@example.com pending
}

// Upload a profile image from any io.Reader.
func ExampleUsersService_SetProfileImage() {
	client, _ := clerk.NewClientFromEnv()
	user, err := client.Users.SetProfileImage(context.Background(), "user_ada", &clerk.UsersSetProfileImageParams{
		File: clerk.File{Name: "ada.png", ContentType: "image/png", Body: strings.NewReader("\x89PNG...")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.ImageURL)
	// Output: https://img.example.com/ada.png
}

// Call an endpoint directly, as for one Clerk adds after this SDK's release
// (here POST /api_keys/verify, which the SDK also has as APIKeys.Verify).
// The request carries the client's key,
// API version and User-Agent, is retried by the client's policy, and fails
// with a *clerk.APIError like any generated method.
func ExampleClient_Do() {
	srv := httptest.NewServer(apiKeysAPI()) // stands in for https://api.clerk.com
	defer srv.Close()
	client, err := clerk.NewClient(os.Getenv("CLERK_SECRET_KEY"), clerk.WithServerURL(srv.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}

	var key struct {
		ID      string `json:"id"`
		Subject string `json:"subject"`
		Name    string `json:"name"`
	}
	err = client.Do(context.Background(), &clerk.RawRequest{
		Method: http.MethodPost,
		Path:   "/api_keys/verify",
		Body:   map[string]string{"secret": "ak_secret_ok"},
	}, &key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.ID, key.Subject, key.Name)

	err = client.Do(context.Background(), &clerk.RawRequest{
		Method: http.MethodPost,
		Path:   "/api_keys/verify",
		Body:   map[string]string{"secret": "ak_revoked"},
	}, &key)
	fmt.Println(clerk.IsNotFound(err), clerk.HasErrorCode(err, "api_key_not_found"))
	// Output:
	// ak_123 user_ada CI deploys
	// true true
}

// apiKeysAPI answers POST /v1/api_keys/verify as the Backend API does, for
// ExampleClient_Do.
func apiKeysAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Secret string }
		json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Header.Get("Authorization") != "Bearer "+os.Getenv("CLERK_SECRET_KEY"):
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errors":[{"code":"authentication_invalid","message":"bad key"}]}`))
		case r.Method != http.MethodPost || r.URL.Path != "/v1/api_keys/verify":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errors":[{"code":"resource_not_found","message":"not found"}]}`))
		case body.Secret != "ak_secret_ok":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errors":[{"code":"api_key_not_found","message":"API key not found"}]}`))
		default:
			w.Write([]byte(`{"object":"api_key","id":"ak_123","type":"api_key","subject":"user_ada","name":"CI deploys"}`))
		}
	})
}
