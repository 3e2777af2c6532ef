package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"time"

	"github.com/clerkgo/clerk/auth"
	"github.com/spf13/cobra"
)

// maxKeyFile caps how much of a --jwt-key file is read; a PEM public key
// is a few hundred bytes.
const maxKeyFile = 1 << 20

type verifyFlags struct {
	jwtKeyFile        string
	secretKey         string
	apiURL            string
	audiences         []string
	authorizedParties []string
	clockSkew         time.Duration
}

func newVerifyCmd(e *env) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify [flags] [TOKEN]",
		Short: "Verify a session token and print its claims",
		Long: `Verify a Clerk session token: its signature, its time claims (exp, nbf,
iat) and, when asked, its authorized party (azp) and audience (aud).

The key is either the instance's public key, a PEM file given with --jwt-key
(or the PEM text in CLERK_JWT_KEY), which needs no network, or the secret
key, given with --secret-key (or in CLERK_SECRET_KEY), with which the keys
are fetched from {api-url}/v1/jwks. A flag wins over the environment; exactly
one key must be chosen. Prefer CLERK_SECRET_KEY to --secret-key: flags are
visible in the process list.

The token is the TOKEN argument, or is read from standard input when TOKEN
is omitted or is "-".

A valid token: its claims are printed as JSON, exit code 0.
An invalid token: one line "token invalid: <reason>: <message>" on standard
error, exit code 1; "token not verified: <reason>: <message>" when the keys
could not be fetched. A usage error: one line on standard error, exit code 2.`,
		Example: `  clerk token verify --jwt-key jwt-key.pem "$TOKEN"
  pbpaste | CLERK_SECRET_KEY=sk_test_... clerk token verify --authorized-party https://example.com`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.verify(cmd, &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.jwtKeyFile, "jwt-key", "", "verify with the PEM public key in `FILE`, without network (env CLERK_JWT_KEY: the PEM text)")
	fl.StringVar(&f.secretKey, "secret-key", "", "verify with the keys fetched from the Backend API with secret `KEY` (env CLERK_SECRET_KEY)")
	fl.StringVar(&f.apiURL, "api-url", "", "Backend API `URL` to fetch the keys from, with --secret-key (env CLERK_API_URL; default https://api.clerk.com)")
	fl.StringArrayVar(&f.authorizedParties, "authorized-party", nil, "accept only tokens whose azp is `ORIGIN`; repeat to accept several")
	fl.StringArrayVar(&f.audiences, "audience", nil, "accept only tokens whose aud includes `AUD`; repeat to accept several")
	fl.DurationVar(&f.clockSkew, "clock-skew", 5*time.Second, "tolerated clock difference when checking exp, nbf and iat (0 for none)")
	return cmd
}

func (e *env) verify(cmd *cobra.Command, f *verifyFlags, args []string) error {
	opts, source, err := e.verifyOptions(cmd, f)
	if err != nil {
		return err
	}
	v, err := auth.NewVerifier(opts)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "clerk auth: ")
		return usageErrorf("%s: %s", source, redact(msg, opts.SecretKey))
	}
	token, err := e.readToken(args)
	if err != nil {
		return err
	}
	claims, err := v.Verify(cmd.Context(), token)
	if err != nil {
		return failure(redact(tokenErrorLine(err), token, opts.SecretKey))
	}
	var out bytes.Buffer
	if err := json.Indent(&out, claims.RawJSON(), "", "  "); err != nil {
		return failure("error: the verified claims are not valid JSON: " + err.Error())
	}
	out.WriteByte('\n')
	_, err = out.WriteTo(e.stdout)
	return writeErr(err)
}

// tokenErrorLine is the line printed for an error of auth: "token
// invalid: <reason>: <message>" when the token was found wrong (reasons
// "token-..."), "token not verified: <reason>: <message>" when it could not
// be checked (e.g. "jwk-remote-failed-to-load": the keys could not be
// fetched). auth's messages start with "clerk auth: <reason>"; that prefix
// is not repeated.
func tokenErrorLine(err error) string {
	reason := string(auth.ReasonOf(err))
	if reason == "" {
		return "token not verified: " + err.Error()
	}
	head := "token invalid: "
	if !strings.HasPrefix(reason, "token-") {
		head = "token not verified: "
	}
	msg := strings.TrimPrefix(err.Error(), "clerk auth: ")
	if msg == reason {
		return head + reason
	}
	return head + reason + ": " + strings.TrimPrefix(msg, reason+": ")
}

// verifyOptions turns the flags and the environment into auth.Options,
// choosing exactly one key source. source names where the key (and the
// API URL) came from, for the messages of NewVerifier's errors.
func (e *env) verifyOptions(cmd *cobra.Command, f *verifyFlags) (opts auth.Options, source string, err error) {
	fl := cmd.Flags()
	jwtFlag, secretFlag := fl.Changed("jwt-key"), fl.Changed("secret-key")
	opts = auth.Options{
		Audiences:         f.audiences,
		AuthorizedParties: f.authorizedParties,
	}
	switch {
	case f.clockSkew < 0:
		return opts, "", usageErrorf("--clock-skew must not be negative")
	case f.clockSkew == 0:
		opts.ClockSkew = -1 // auth: a negative skew means none
	default:
		opts.ClockSkew = f.clockSkew
	}

	switch {
	case jwtFlag && secretFlag:
		return opts, "", usageErrorf("--jwt-key and --secret-key are exclusive: give one key")
	case jwtFlag:
		if f.jwtKeyFile == "" {
			return opts, "", usageErrorf("--jwt-key needs a file name")
		}
		if opts.JWTKey, err = readKeyFile(f.jwtKeyFile); err != nil {
			return opts, "", err
		}
		source = "--jwt-key " + f.jwtKeyFile
	case secretFlag:
		if opts.SecretKey = strings.TrimSpace(f.secretKey); opts.SecretKey == "" {
			return opts, "", usageErrorf("--secret-key is empty")
		}
		source = "--secret-key"
	default:
		envJWT := strings.TrimSpace(e.getenv("CLERK_JWT_KEY"))
		envSecret := strings.TrimSpace(e.getenv("CLERK_SECRET_KEY"))
		switch {
		case envJWT != "" && envSecret != "":
			return opts, "", usageErrorf("both CLERK_JWT_KEY and CLERK_SECRET_KEY are set: choose one with --jwt-key FILE or --secret-key KEY")
		case envJWT != "":
			opts.JWTKey, source = envJWT, "CLERK_JWT_KEY"
		case envSecret != "":
			opts.SecretKey, source = envSecret, "CLERK_SECRET_KEY"
		default:
			return opts, "", usageErrorf("no key: give --jwt-key FILE or --secret-key KEY, or set CLERK_JWT_KEY or CLERK_SECRET_KEY")
		}
	}

	if opts.JWTKey != "" {
		if fl.Changed("api-url") {
			return opts, "", usageErrorf("--api-url applies only with a secret key, not with a JWT key")
		}
		return opts, source, nil
	}
	if fl.Changed("api-url") {
		if opts.APIURL = strings.TrimSpace(f.apiURL); opts.APIURL == "" {
			return opts, "", usageErrorf("--api-url is empty")
		}
		source += " and --api-url"
	} else if opts.APIURL = strings.TrimSpace(e.getenv("CLERK_API_URL")); opts.APIURL != "" {
		source += " and CLERK_API_URL"
	}
	return opts, source, nil
}

// readKeyFile reads the PEM file of --jwt-key.
func readKeyFile(name string) (string, error) {
	file, err := os.Open(name)
	if err != nil {
		return "", usageErrorf("--jwt-key: %v", err)
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, maxKeyFile+1))
	if err != nil {
		return "", usageErrorf("--jwt-key: reading %s: %v", name, err)
	}
	if len(b) > maxKeyFile {
		return "", usageErrorf("--jwt-key: %s is larger than %d KiB: not a PEM public key", name, maxKeyFile>>10)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return "", usageErrorf("--jwt-key: %s is empty", name)
	}
	return string(b), nil
}
