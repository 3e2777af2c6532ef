package emulator

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/clerkgo/clerk/emulator/store"
)

// Kind classifies a domain error; the HTTP layer maps each kind to one
// status, in one place.
type Kind int

// The kinds of domain errors.
const (
	KindInvalid      Kind = iota + 1 // 422: a parameter is missing, malformed or not allowed
	KindNotFound                     // 404: no such resource
	KindConflict                     // 422: an identifier is taken
	KindBadRequest                   // 400: the request cannot apply to this resource's state
	KindUnauthorized                 // 401
	KindForbidden                    // 403
)

// Error is a domain error: a kind, Clerk's error code, the parameter it is
// about (if any) and messages for people. Messages never contain a
// password, digest, secret or token.
type Error struct {
	Kind        Kind
	Code        string // Clerk's code, e.g. "form_identifier_exists"
	Param       string // meta.param_name, when about one parameter
	Message     string
	LongMessage string
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Param, e.LongMessage)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.LongMessage)
}

// AsError returns err as an *Error, if it is one. A *store.ValueError
// (text that no store keeps, which the domain's own checks should have
// refused first) is one too: a 422 rather than an internal error.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	var ve *store.ValueError
	if errors.As(err, &ve) {
		return &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Message: "is invalid",
			LongMessage: "A value of the request cannot be stored: it is too long or holds NUL or invalid UTF-8."}, true
	}
	return nil, false
}

func notFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "resource_not_found", Message: "not found",
		LongMessage: what + " not found"}
}

func invalid(param, long string) *Error {
	return &Error{Kind: KindInvalid, Code: "form_param_format_invalid", Param: param,
		Message: "is invalid", LongMessage: long}
}

// maxNameLength bounds the free-text names the API keeps (a user's first
// and last name, external ID, a JWT template's name), in characters.
const maxNameLength = 256

// checkLength refuses a value of param longer than max characters.
func checkLength(param, value string, max int) error {
	if utf8.RuneCountInString(value) <= max {
		return nil
	}
	return &Error{Kind: KindInvalid, Code: "form_param_max_length_exceeded", Param: param,
		Message: "exceeds maximum length", LongMessage: fmt.Sprintf("%s should not exceed %d characters.", param, max)}
}

func missing(param string) *Error {
	return &Error{Kind: KindInvalid, Code: "form_param_missing", Param: param,
		Message: "missing required parameter", LongMessage: param + " must be included."}
}

func identifierExists(param string) *Error {
	return &Error{Kind: KindConflict, Code: "form_identifier_exists", Param: param,
		Message:     "That " + humanParam(param) + " is taken. Please try another.",
		LongMessage: "That " + humanParam(param) + " is taken. Please try another."}
}

func humanParam(param string) string {
	switch param {
	case "email_address":
		return "email address"
	case "phone_number":
		return "phone number"
	case "external_id":
		return "external ID"
	case "web3_wallet":
		return "Web3 wallet"
	}
	return param
}
