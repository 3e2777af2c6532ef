package main

import (
	"bytes"
	"encoding/json"

	"github.com/clerkgo/clerk/auth"
	"github.com/spf13/cobra"
)

// notVerifiedWarning is printed on standard error by every decode.
const notVerifiedWarning = "warning: not verified: the signature and claims were not checked"

func newDecodeCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "decode [flags] [TOKEN]",
		Short: "Decode a token without verifying it",
		Long: `Decode a token without verifying it: print its header and payload as JSON
({"header": ..., "payload": ...}). Nothing is checked, neither the signature
nor the claims, and a warning saying so is printed on standard error: use
"clerk token verify" to trust a token.

The token is the TOKEN argument, or is read from standard input when TOKEN
is omitted or is "-". A malformed token: one line "token invalid: <reason>: <message>"
on standard error, exit code 1.`,
		Example: `  clerk token decode "$TOKEN"
  clerk token decode < token.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			token, err := e.readToken(args)
			if err != nil {
				return err
			}
			d, err := auth.Decode(token)
			if err != nil {
				return failure(redact(tokenErrorLine(err), token))
			}
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			err = enc.Encode(struct {
				Header  json.RawMessage `json:"header"`
				Payload json.RawMessage `json:"payload"`
			}{d.Header, d.Payload})
			if err != nil {
				return failure("token malformed: " + err.Error())
			}
			if _, err := out.WriteTo(e.stdout); err != nil {
				return writeErr(err)
			}
			_, err = e.stderr.Write([]byte(notVerifiedWarning + "\n"))
			return writeErr(err)
		},
	}
}
