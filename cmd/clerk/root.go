package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of the clerk command.
const (
	exitOK      = 0
	exitFailure = 1 // the token was rejected or could not be checked
	exitUsage   = 2 // bad flags or arguments, unusable key or input
)

// env is what the commands read from and write to: the process's streams
// and environment in main, buffers and a map in tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// ctx ends long-running commands (serve) early; nil means
	// context.Background(). SIGINT and SIGTERM end them too.
	ctx context.Context
}

// run executes the clerk command line args (without the program name) and
// returns the process exit code. Errors are printed to stderr as one line.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(args, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv})
}

func runEnv(args []string, e *env) int {
	if args == nil {
		// cobra reads os.Args when given nil arguments.
		args = []string{}
	}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	ctx := e.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var xe *exitError
	if !errors.As(err, &xe) {
		// Errors that cobra makes itself (unknown command or flag, wrong
		// number of arguments) are usage errors.
		xe = &exitError{code: exitUsage, msg: "error: " + err.Error()}
	}
	msg := xe.msg
	if xe.code == exitUsage && cmd != nil {
		msg += fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
	}
	fmt.Fprintln(e.stderr, oneLine(msg))
	return xe.code
}

// exitError is an error that ends the command with a given exit code and
// message line.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErrorf reports a wrong use of the command: exit code 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: "error: " + fmt.Sprintf(format, args...)}
}

// failure reports a rejected token or a failed check: exit code 1. The
// message is printed as is.
func failure(msg string) error {
	return &exitError{code: exitFailure, msg: msg}
}

// oneLine folds a message onto a single line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\r", " ")), " ")
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "clerk",
		Short: "Command-line tool for Clerk: a local Backend API, session tokens, webhooks",
		Long: `clerk is a command-line tool for Clerk.

It runs a local, Clerk-compatible Backend API (serve); verifies Clerk
session tokens (JWTs) the way a backend does, with the instance's public
key (networkless) or with its secret key (the keys are fetched from the
Backend API), and decodes them for inspection (token); and sends signed
sample webhooks to an app, or verifies a webhook's signature (webhooks).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true,
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v", err)
	})
	root.AddCommand(newVersionCmd(e), newTokenCmd(e), newServeCmd(e), newWebhooksCmd(e))
	return root
}
