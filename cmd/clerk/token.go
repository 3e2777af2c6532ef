package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// maxTokenInput caps how much of standard input is read as a token.
// Session tokens are a few KiB at most.
const maxTokenInput = 64 << 10

func newTokenCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Verify or decode Clerk session tokens",
		Long: `Verify or decode Clerk session tokens (JWTs).

The token is the last argument, or is read from standard input when the
argument is omitted or is "-". Standard input keeps the token out of the
shell history and the process list.`,
		// Runnable only to reject unknown subcommands: cobra would print
		// the help and succeed.
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf("; did you mean %q?", s[0])
			}
			return usageErrorf("%s", msg)
		},
	}
	cmd.SuggestionsMinimumDistance = 2
	cmd.AddCommand(newVerifyCmd(e), newDecodeCmd(e))
	return cmd
}

// readToken returns the token given as the only argument, or read from
// standard input when there is no argument or it is "-". Surrounding
// whitespace is removed; an empty or oversized token is a usage error.
func (e *env) readToken(args []string) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		tok := strings.TrimSpace(args[0])
		if tok == "" {
			return "", usageErrorf("the TOKEN argument is empty")
		}
		return tok, nil
	}
	if f, ok := e.stdin.(*os.File); ok && len(args) == 0 {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintln(e.stderr, "reading the token from standard input (end with Ctrl-D)...")
		}
	}
	if e.stdin == nil {
		return "", usageErrorf("no token: pass it as TOKEN or on standard input")
	}
	b, err := io.ReadAll(io.LimitReader(e.stdin, maxTokenInput+1))
	if err != nil {
		return "", usageErrorf("reading the token from standard input: %v", err)
	}
	if len(b) > maxTokenInput {
		return "", usageErrorf("the token on standard input is larger than %d KiB", maxTokenInput>>10)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", usageErrorf("no token: pass it as TOKEN or on standard input")
	}
	return tok, nil
}

// redact replaces each secret (the token, a secret key) in msg, so that
// no message printed ever carries one. Strings shorter than 8 bytes are
// left alone: no real token or key is that short, and replacing them would
// garble the message.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 8 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}
