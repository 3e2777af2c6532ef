package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clerkgo/clerk"
)

func TestRoot(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		code      int
		stdoutHas []string
		stderrHas []string
	}{
		{"version", []string{"version"}, exitOK, []string{"clerk " + clerk.Version + "\n"}, nil},
		{"no arguments prints the help", nil, exitOK, []string{"Usage:", "clerk [command]", "token", "version"}, nil},
		{"help", []string{"--help"}, exitOK, []string{"Usage:"}, nil},
		{"token alone prints its help", []string{"token"}, exitOK, []string{"verify", "decode"}, nil},
		{"help of verify", []string{"token", "verify", "--help"}, exitOK, []string{"clerk token verify [flags] [TOKEN]", "--jwt-key FILE", "--secret-key KEY"}, nil},
		{"help of decode", []string{"help", "token", "decode"}, exitOK, []string{"clerk token decode [flags] [TOKEN]"}, nil},
		{"unknown command", []string{"tokens"}, exitUsage, nil, []string{`error: unknown command "tokens" for "clerk"`, "see 'clerk --help'"}},
		{"unknown subcommand of token", []string{"token", "verfy"}, exitUsage, nil, []string{`unknown command "verfy" for "clerk token"`, `did you mean "verify"?`}},
		{"unknown flag", []string{"version", "--bogus"}, exitUsage, nil, []string{"error: unknown flag: --bogus", "see 'clerk version --help'"}},
		{"version takes no argument", []string{"version", "x"}, exitUsage, nil, []string{"error: unknown command"}},
		{"completion is not a command", []string{"completion", "bash"}, exitUsage, nil, []string{"unknown command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(tt.args, nil, nil)
			r.check(t, tt.code, tt.stdoutHas, tt.stderrHas, nil)
			if tt.code == exitOK && r.stderr != "" {
				t.Errorf("stderr: %q", r.stderr)
			}
		})
	}
}

// TestRun calls run itself, as main does, with the process's environment.
func TestRun(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"version"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitOK || stdout.String() != "clerk "+clerk.Version+"\n" || stderr.Len() != 0 {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
