package clerk

import (
	"io"
	"net/url"
)

// request is one Backend API call as the generated services describe it.
// The hand-written core (clerk.go) turns it into an *http.Request, sends it
// with authentication, retries and error decoding, and decodes the answer.
type request struct {
	// method is the HTTP method, e.g. http.MethodGet.
	method string
	// path is relative to the server URL (which ends in "/v1"), starts with
	// "/", and has every path parameter already escaped with url.PathEscape.
	path string
	// query holds the query parameters; nil when there are none.
	query url.Values
	// body, when non-nil, is encoded as the JSON request body.
	body any
	// form, when non-nil, is sent as a multipart/form-data body instead of
	// body. Multipart bodies are streamed from the caller's readers, so such
	// a request is never retried.
	form []formField
	// wantBody says that a 2xx answer carries a JSON value (the operation's
	// success response has a schema): an empty or null body is then an
	// error instead of leaving out untouched.
	wantBody bool
	// apiVersion, when non-empty, is sent as Clerk-API-Version instead of
	// the client's.
	apiVersion string
}

// formField is one part of a multipart/form-data body: a plain value when
// file is nil, a file otherwise.
type formField struct {
	name  string
	value string
	file  *File
}

// File is a file to upload in a multipart request, such as a user's profile
// image or an organization's logo.
type File struct {
	// Name is the file name sent to the server, e.g. "avatar.png".
	Name string
	// ContentType is the file's media type, e.g. "image/png". When empty,
	// "application/octet-stream" is sent.
	ContentType string
	// Body is read to its end while the request is sent.
	Body io.Reader
}
