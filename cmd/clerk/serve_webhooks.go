package main

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/webhook"
)

// webhookArg is one --webhook-url or --webhook-events, as given.
type webhookArg struct{ flag, value string }

// orderedFlag is a repeatable flag whose values go to a list shared with
// other flags, so that their order on the command line is kept.
type orderedFlag struct {
	name string
	args *[]webhookArg
}

func (o orderedFlag) Set(v string) error {
	*o.args = append(*o.args, webhookArg{o.name, v})
	return nil
}
func (o orderedFlag) String() string { return "" }
func (o orderedFlag) Type() string   { return "string" }

// webhooks is what clerk serve delivers and how.
type webhooks struct {
	endpoints []emulator.WebhookEndpoint
	// only is, for each endpoint, the event types picked as given
	// ("user.*,session.created"), "" for all.
	only []string
	// secret is the one given, "" when none was: the instance's saved one
	// is used, or made up.
	secret   string
	schedule delivery.Schedule
	timeout  time.Duration
}

// webhookConfig reads the webhook flags, each else its environment
// variable: --webhook-url (CLERK_WEBHOOK_URL, comma-separated), each
// followed by the --webhook-events it sends (CLERK_WEBHOOK_EVENTS, for any
// URL without one), --webhook-secret (CLERK_WEBHOOK_SIGNING_SECRET),
// --webhook-schedule (CLERK_WEBHOOK_SCHEDULE) and --webhook-timeout
// (CLERK_WEBHOOK_TIMEOUT). A bad value is a usage error naming the flag or
// the variable it came from.
func (e *env) webhookConfig(f *serveFlags) (webhooks, error) {
	var w webhooks
	type target struct {
		url, events string
		picked      bool // --webhook-events given for it
	}
	var targets []target
	for _, a := range f.webhookArgs {
		if a.flag == "webhook-url" {
			targets = append(targets, target{url: a.value})
			continue
		}
		if len(targets) == 0 {
			return w, usageErrorf("--webhook-events: give it after the --webhook-url whose events it picks")
		}
		t := &targets[len(targets)-1]
		if t.picked { // given twice for one URL: both lists
			t.events += ","
		}
		t.events += a.value
		t.picked = true
	}
	urlSource := "--webhook-url"
	if len(targets) == 0 {
		urlSource = "CLERK_WEBHOOK_URL"
		for _, u := range strings.Split(e.getenv("CLERK_WEBHOOK_URL"), ",") {
			if u = strings.TrimSpace(u); u != "" {
				targets = append(targets, target{url: u})
			}
		}
	}
	defaultEvents := eventList(e.getenv("CLERK_WEBHOOK_EVENTS"))
	var defaultTypes []string
	if defaultEvents != "" {
		var err error
		if defaultTypes, err = pickEventTypes(defaultEvents); err != nil {
			return w, usageErrorf("CLERK_WEBHOOK_EVENTS: %v", err)
		}
	}
	seen := map[string]bool{}
	for _, t := range targets {
		if err := delivery.ValidateURL(t.url); err != nil {
			return w, usageErrorf("%s: want an absolute http or https URL", urlSource)
		}
		if seen[t.url] { // each event would go to it twice
			return w, usageErrorf("%s: %s given twice; list all its event types in one --webhook-events", urlSource, delivery.RedactURL(t.url))
		}
		seen[t.url] = true
		ep := emulator.WebhookEndpoint{URL: t.url, Events: defaultTypes}
		only := defaultEvents
		if t.picked {
			var err error
			if ep.Events, err = pickEventTypes(t.events); err != nil {
				return w, usageErrorf("--webhook-events: %v", err)
			}
			only = eventList(t.events)
		}
		if ep.Events == nil {
			only = ""
		}
		w.endpoints = append(w.endpoints, ep)
		w.only = append(w.only, only)
	}

	w.secret = e.orEnv(f.webhookSecret, "CLERK_WEBHOOK_SIGNING_SECRET", "")
	if w.secret != "" {
		if _, err := webhook.NewSigner(w.secret); err != nil {
			return w, usageErrorf("--webhook-secret: want whsec_ followed by standard base64")
		}
	}
	v, source := e.setting(f.webhookSchedule, "--webhook-schedule", "CLERK_WEBHOOK_SCHEDULE")
	var err error
	if w.schedule, err = parseSchedule(v); err != nil {
		return w, usageErrorf("%s: %v", source, err)
	}
	v, source = e.setting(f.webhookTimeout, "--webhook-timeout", "CLERK_WEBHOOK_TIMEOUT")
	if v != "" {
		if w.timeout, err = time.ParseDuration(v); err != nil || w.timeout <= 0 {
			return w, usageErrorf("%s: want a duration such as 15s or 1m, not %q", source, v)
		}
	}
	return w, nil
}

// setting is the flag's value, else the environment variable name's, with
// the name of where it came from, to quote in an error; "" when neither is
// set.
func (e *env) setting(flag, flagName, name string) (value, source string) {
	if flag != "" {
		return flag, flagName
	}
	return strings.TrimSpace(e.getenv(name)), name
}

// eventList is a comma-separated list of event types tidied: no spaces,
// no empty items.
func eventList(list string) string {
	var items []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			items = append(items, p)
		}
	}
	return strings.Join(items, ",")
}

// pickEventTypes is the event types of the webhook spec that list, a
// comma-separated list of types or patterns in which * stands for any text
// (user.*, *.created), picks: sorted, nil for all ("*"). A name or pattern
// that picks none is an error.
func pickEventTypes(list string) ([]string, error) {
	known, err := webhookSamples() // one per type of the spec
	if err != nil {
		return nil, err
	}
	list = eventList(list)
	if list == "" {
		return nil, fmt.Errorf("want event types such as user.created or user.*")
	}
	var picked []string
	for _, p := range strings.Split(list, ",") {
		if p == "*" {
			return nil, nil
		}
		n := len(picked)
		for t := range known {
			if ok, _ := path.Match(p, t); ok {
				picked = append(picked, t)
			}
		}
		if len(picked) == n {
			return nil, fmt.Errorf("%q is not an event type ('clerk webhooks events' lists them)", p)
		}
	}
	slices.Sort(picked)
	return slices.Compact(picked), nil
}

// parseSchedule reads a retry schedule: development (the default, for ""),
// production, none (no retry) or the waits, comma-separated ("1s,5s,30s").
func parseSchedule(s string) (delivery.Schedule, error) {
	switch strings.ToLower(s) {
	case "", "development":
		return delivery.DevelopmentSchedule, nil
	case "production":
		return delivery.ProductionSchedule, nil
	case "none":
		return delivery.Schedule{}, nil // not nil: nil is the default
	}
	var sched delivery.Schedule
	for _, p := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("want development, production, none or waits such as 1s,5s,30s, not %q", s)
		}
		sched = append(sched, d)
	}
	if err := sched.Validate(); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "delivery: "))
	}
	return sched, nil
}
