package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/emulator/httpapi"
	"github.com/clerkgo/clerk/emulator/specs"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/postgres"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/spf13/cobra"
)

type serveFlags struct {
	addr, database, secretKey, issuer, logLevel, tokenVersion string
	checkResponses                                            bool
	// webhookArgs are --webhook-url and --webhook-events in command-line
	// order: each --webhook-events picks the events of the URL before it.
	webhookArgs                                    []webhookArg
	webhookSecret, webhookSchedule, webhookTimeout string
}

func newServeCmd(e *env) *cobra.Command {
	cmd, _ := serveCommand(e)
	return cmd
}

// serveCommand is the serve command and the flags it parses into.
func serveCommand(e *env) (*cobra.Command, *serveFlags) {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a local Clerk Backend API",
		Long: `Run a local, stateful Clerk Backend API for development and tests.

It keeps its data in a SQLite file (default ./.clerk/clerk.db) or in
PostgreSQL (--database postgres://...), signs real RS256 session tokens, and
prints the base URL, the secret and publishable keys and the JWKS URL to
point an application or a Clerk SDK at. Every flag can also be set through
the environment variable named in its help. SIGINT or SIGTERM stops it
gracefully.

With --webhook-url it sends the instance's events to the app as Clerk does
(through Svix): signed POSTs, saved with the change that caused them and
delivered at least once, one at a time and in order per URL, retried on
the schedule of --webhook-schedule. --webhook-events picks which event
types go to the --webhook-url given just before it; * is a wildcard
(user.* is user.created, user.updated and user.deleted), and
"clerk webhooks events" lists the types. Several servers on one PostgreSQL
database share the deliveries.`,
		Example: `  clerk serve
  clerk serve --addr 127.0.0.1:9000 --database postgres://localhost/clerk
  clerk serve --webhook-url http://localhost:3000/api/webhooks --webhook-events 'user.*,session.created'
  clerk serve --webhook-url http://localhost:3000/hooks \
    --webhook-url http://localhost:4000/audit --webhook-events user.deleted --webhook-schedule 1s,5s,30s
  CLERK_WEBHOOK_URL=http://localhost:3000/hooks CLERK_WEBHOOK_EVENTS='user.*' clerk serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.serve(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "", "listen `ADDRESS` (env CLERK_ADDR; default 127.0.0.1:8787)")
	fl.StringVar(&f.database, "database", "", "SQLite file `PATH` or postgres:// URL (env CLERK_DATABASE; default ./.clerk/clerk.db)")
	fl.StringVar(&f.secretKey, "secret-key", "", "secret `KEY` clients must send (env CLERK_SECRET_KEY; default: generated on first start and saved)")
	fl.StringVar(&f.issuer, "issuer", "", "iss `URL` of session tokens (env CLERK_ISSUER; default https://"+emulator.DefaultFrontendHost+")")
	fl.StringVar(&f.tokenVersion, "token-version", "", "session token `VERSION`, 1 or 2 (env CLERK_TOKEN_VERSION; default 1)")
	fl.StringVar(&f.logLevel, "log-level", "", "`LEVEL`: debug, info, warn or error (env CLERK_LOG_LEVEL; default info)")
	fl.BoolVar(&f.checkResponses, "check-responses", false, "check every answer against the spec of its API version and log mismatches as errors; slower (env CLERK_CHECK_RESPONSES=true)")
	fl.Var(orderedFlag{"webhook-url", &f.webhookArgs}, "webhook-url", "send the instance's events, signed, to `URL`; repeatable (env CLERK_WEBHOOK_URL, comma-separated)")
	fl.Var(orderedFlag{"webhook-events", &f.webhookArgs}, "webhook-events", "send only the event `TYPES` listed, comma-separated, * a wildcard (user.*,session.created), to the --webhook-url given just before it (env CLERK_WEBHOOK_EVENTS: for every URL given without --webhook-events; default all)")
	fl.StringVar(&f.webhookSecret, "webhook-secret", "", "signing `SECRET` of the webhooks, whsec_... (env CLERK_WEBHOOK_SIGNING_SECRET; default: made up on the first start, saved and printed)")
	fl.StringVar(&f.webhookSchedule, "webhook-schedule", "", "retry `SCHEDULE` of a failed delivery, the waits before each retry: development (5s,10s,30s,1m,5m,30m), production (Svix's: 5s,5m,30m,2h,5h,10h,10h), none, or a comma-separated list such as 1s,5s,30s (env CLERK_WEBHOOK_SCHEDULE; default development)")
	fl.StringVar(&f.webhookTimeout, "webhook-timeout", "", "wait at most `DURATION` for the app's answer to a delivery attempt (env CLERK_WEBHOOK_TIMEOUT; default 15s); an attempt cut short by a crash is made again this long plus 30s after it began")
	return cmd, f
}

// orEnv returns the flag's value, else the environment's, else def.
func (e *env) orEnv(flag, name, def string) string {
	if flag != "" {
		return flag
	}
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

func (e *env) serve(cmd *cobra.Command, f *serveFlags) error {
	addr := e.orEnv(f.addr, "CLERK_ADDR", "127.0.0.1:8787")
	database := e.orEnv(f.database, "CLERK_DATABASE", filepath.Join(".clerk", "clerk.db"))
	var level slog.Level
	if err := level.UnmarshalText([]byte(e.orEnv(f.logLevel, "CLERK_LOG_LEVEL", "info"))); err != nil {
		return usageErrorf("--log-level: want debug, info, warn or error")
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	tokenVersion := 1
	switch v := e.orEnv(f.tokenVersion, "CLERK_TOKEN_VERSION", "1"); v {
	case "1":
	case "2":
		tokenVersion = 2
	default:
		return usageErrorf("--token-version: want 1 or 2")
	}

	check := f.checkResponses
	if !cmd.Flags().Changed("check-responses") {
		switch strings.ToLower(e.orEnv("", "CLERK_CHECK_RESPONSES", "false")) {
		case "true", "1":
			check = true
		case "false", "0":
		default:
			return usageErrorf("CLERK_CHECK_RESPONSES: want true or false")
		}
	}
	var handlerOpts []httpapi.Option
	if check {
		handlerOpts = append(handlerOpts, httpapi.WithResponseCheck(func(op string, err error) {
			if err != nil {
				log.Error("answer does not match the spec", "operation", op, "problems", specs.ProblemsWithoutValues(err))
				return
			}
			log.Debug("answer matches the spec", "operation", op)
		}))
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	hooks, err := e.webhookConfig(f)
	if err != nil {
		return err
	}

	st, err := openStore(ctx, database)
	if err != nil {
		return failure("error: " + err.Error())
	}
	defer st.Close()
	opts := emulator.Options{
		SecretKey:           e.orEnv(f.secretKey, "CLERK_SECRET_KEY", ""),
		Issuer:              e.orEnv(f.issuer, "CLERK_ISSUER", ""),
		SessionTokenVersion: tokenVersion,
		Webhooks:            hooks.endpoints,
	}
	opts.WebhookSecret = hooks.secret
	var worker atomic.Pointer[delivery.Worker]
	opts.EventsSaved = func() {
		if w := worker.Load(); w != nil {
			w.Notify()
		}
	}
	svc, err := emulator.New(ctx, st, opts)
	if err != nil {
		return failure("error: " + err.Error())
	}
	if len(hooks.endpoints) > 0 {
		sender, err := delivery.NewSender(delivery.Options{Secret: svc.WebhookSecret(), Timeout: hooks.timeout, Logger: log})
		if err != nil {
			return failure("error: the saved webhook secret: " + err.Error())
		}
		w, err := delivery.NewWorker(st, sender, delivery.WorkerOptions{Schedule: hooks.schedule, Logger: log})
		if err != nil {
			return failure("error: " + err.Error())
		}
		worker.Store(w)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return failure("error: " + err.Error())
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "Clerk Backend API listening on %s/v1\n", base)
	fmt.Fprintf(e.stdout, "  CLERK_API_URL=%s\n", base)
	fmt.Fprintf(e.stdout, "  CLERK_SECRET_KEY=%s\n", svc.SecretKey())
	fmt.Fprintf(e.stdout, "  CLERK_PUBLISHABLE_KEY=%s\n", svc.PublishableKey())
	fmt.Fprintf(e.stdout, "  JWKS: %s/v1/jwks\n", base)
	for i, ep := range hooks.endpoints {
		if only := hooks.only[i]; only != "" {
			fmt.Fprintf(e.stdout, "  webhooks: %s (only %s)\n", delivery.RedactURL(ep.URL), only)
		} else {
			fmt.Fprintf(e.stdout, "  webhooks: %s\n", delivery.RedactURL(ep.URL))
		}
	}
	if len(hooks.endpoints) > 0 && hooks.secret == "" {
		// Made up on the first start and saved: the app needs it.
		fmt.Fprintf(e.stdout, "  CLERK_WEBHOOK_SIGNING_SECRET=%s\n", svc.WebhookSecret())
	}
	fmt.Fprintf(e.stdout, "  data: %s\n", redactDSN(database))

	srv := &http.Server{
		Handler:           httpapi.New(svc, log, handlerOpts...),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	workerDone := make(chan struct{})
	workerCtx, stopWorker := context.WithCancel(context.Background())
	if w := worker.Load(); w != nil {
		go func() { defer close(workerDone); w.Run(workerCtx) }()
	} else {
		close(workerDone)
	}
	defer func() { stopWorker(); <-workerDone }()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return failure("error: " + err.Error())
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return failure("error: shutting down: " + err.Error())
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return failure("error: " + err.Error())
	}
	return nil
}

// openStore opens PostgreSQL for a postgres:// URL, else a SQLite file.
func openStore(ctx context.Context, database string) (store.Store, error) {
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		return postgres.Open(ctx, database)
	}
	return sqlite.Open(ctx, database)
}

// redactDSN hides the password of a database URL.
func redactDSN(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return dsn
}
