// Package delivery sends webhook events to an application the way Clerk does
// through Svix: one signed POST per attempt, a retry schedule, and a log line
// for every attempt that never holds the secret or the body.
//
// It is the sending half of the local server's webhook delivery and of
// `clerk webhooks trigger`. What to send and when (the outbox that stores each
// event with its change and the worker that claims it) is built on top.
package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/clerkgo/clerk/webhook"
)

// Schedule is the wait before each retry: attempt 1 is sent at once, attempt
// n+1 Schedule[n-1] after attempt n failed. After the last wait's attempt
// fails, the message is given up.
type Schedule []time.Duration

// DevelopmentSchedule is the default of the local server: the first three
// attempts fall within 20 seconds (at 0, 5 and 15 s) so a test or a developer
// restarting an app sees the retry, then the waits grow to a last attempt
// about 36 minutes after the first.
var DevelopmentSchedule = Schedule{5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute}

// ProductionSchedule is Svix's schedule, the one Clerk's webhooks follow:
// retries 5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours and
// 10 hours after the previous attempt.
var ProductionSchedule = Schedule{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Attempts is how many attempts the schedule makes in all.
func (s Schedule) Attempts() int { return len(s) + 1 }

// Next is the wait after attempt number attempt (1-based) failed, and false
// when that was the last attempt.
func (s Schedule) Next(attempt int) (time.Duration, bool) {
	if attempt < 1 || attempt > len(s) {
		return 0, false
	}
	return s[attempt-1], true
}

// Validate reports a schedule that cannot be followed: a negative wait.
func (s Schedule) Validate() error {
	for i, d := range s {
		if d < 0 {
			return fmt.Errorf("delivery: wait %d of the schedule is negative (%v)", i+1, d)
		}
	}
	return nil
}

// Message is one event to one endpoint. ID is Svix's message id ("msg_…"),
// the same on every attempt, so the receiver can drop a duplicate.
type Message struct {
	ID   string
	Type string // the event type, e.g. "user.created", for the log
	URL  string
	Body []byte // the event envelope, JSON
}

// Result is the outcome of one attempt.
type Result struct {
	// Status is the receiver's HTTP status, 0 when no answer came.
	Status int
	// Latency is from sending the request to reading the answer's end.
	Latency time.Duration
	// Err is why no answer came (refused, timed out, cancelled), nil when
	// one did, whatever its status.
	Err error
}

// Delivered reports whether the receiver took the message: a 2xx answer.
// Redirects are not followed, and count as failures, as with Svix.
func (r Result) Delivered() bool { return r.Err == nil && r.Status >= 200 && r.Status <= 299 }

// maxAnswer is how much of a receiver's answer is read (and dropped) so the
// connection can be reused; a longer answer closes it.
const maxAnswer = 64 << 10

// DefaultTimeout is how long an attempt waits for the receiver's answer:
// Svix's 15 seconds.
const DefaultTimeout = 15 * time.Second

// Sender makes delivery attempts. The zero value is not usable; use
// NewSender. A Sender is safe for concurrent use.
type Sender struct {
	signer  *webhook.Signer
	client  *http.Client
	timeout time.Duration
	logger  *slog.Logger
	now     func() time.Time
	agent   string
}

// Options configures a Sender.
type Options struct {
	// Secret is the endpoint's signing secret, "whsec_" + base64.
	Secret string
	// Client sends the requests; http.DefaultTransport when nil. Its
	// redirect policy is replaced: redirects are never followed.
	Client *http.Client
	// Timeout caps each attempt; DefaultTimeout when 0.
	Timeout time.Duration
	// Logger gets one line per attempt; none when nil.
	Logger *slog.Logger
	// Now is the clock of the svix-timestamp header; time.Now when nil.
	Now func() time.Time
	// UserAgent is sent with every attempt; "Svix-Webhooks/1.0 (clerk-go)"
	// when empty.
	UserAgent string
}

// NewSender returns a Sender signing with opts.Secret. A malformed secret is
// webhook.ErrInvalidSecret, which never quotes it.
func NewSender(opts Options) (*Sender, error) {
	signer, err := webhook.NewSigner(opts.Secret)
	if err != nil {
		return nil, err
	}
	s := &Sender{signer: signer, timeout: opts.Timeout, logger: opts.Logger, now: opts.Now, agent: opts.UserAgent}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.agent == "" {
		s.agent = "Svix-Webhooks/1.0 (clerk-go)"
	}
	c := http.Client{Transport: http.DefaultTransport}
	if opts.Client != nil {
		c = *opts.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.client = &c
	return s, nil
}

// ErrInvalidURL is the error of a message whose URL is not an absolute
// http(s) URL.
var ErrInvalidURL = errors.New("delivery: the endpoint URL is not an absolute http or https URL")

// ValidateURL checks an endpoint URL: absolute, http or https, with a host.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ErrInvalidURL
	}
	return nil
}

// Send makes attempt number attempt (1-based, for the log) of m: a POST of
// m.Body to m.URL, signed with the svix-id m.ID and the timestamp of now.
// It logs the attempt and returns its outcome; it never retries by itself.
func (s *Sender) Send(ctx context.Context, m Message, attempt int) Result {
	if err := ValidateURL(m.URL); err != nil {
		s.log(ctx, m, attempt, Result{Err: err})
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		r := Result{Err: ErrInvalidURL}
		s.log(ctx, m, attempt, r)
		return r
	}
	for k, vs := range s.signer.Headers(m.ID, s.now(), m.Body) {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.agent)
	start := time.Now()
	resp, err := s.client.Do(req)
	var r Result
	if err != nil {
		r = Result{Latency: time.Since(start), Err: cause(err)}
	} else {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
		r = Result{Status: resp.StatusCode, Latency: time.Since(start)}
	}
	s.log(ctx, m, attempt, r)
	return r
}

// cause strips the *url.Error wrapping, whose text repeats the method and
// the URL the log line already has.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}

// log writes the attempt's line: the event's id and type, the URL, the
// status, the attempt and the latency, never the body or the secret.
func (s *Sender) log(ctx context.Context, m Message, attempt int, r Result) {
	if s.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("id", m.ID),
		slog.String("type", m.Type),
		slog.String("url", RedactURL(m.URL)),
		slog.Int("attempt", attempt),
		slog.Int("status", r.Status),
		slog.Duration("latency", r.Latency.Round(time.Microsecond)),
	}
	level := slog.LevelInfo
	msg := "webhook delivered"
	if !r.Delivered() {
		level = slog.LevelWarn
		msg = "webhook attempt failed"
		if r.Err != nil {
			attrs = append(attrs, slog.String("error", r.Err.Error()))
		}
	}
	s.logger.LogAttrs(ctx, level, msg, attrs...)
}

// RedactURL is an endpoint URL to show (in logs, on a terminal): its
// password, which it may carry as basic auth, replaced by "xxxxx".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
