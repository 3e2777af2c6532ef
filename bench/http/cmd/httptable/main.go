// Command httptable reads the output of the HTTP benchmarks (package
// github.com/clerkgo/clerk/bench/http), one or more runs, and prints a
// markdown table of the median requests per second, p50 and p99 latency,
// B/op and allocs/op of each benchmark, then the two goals:
//
//   - GET /v1/users/{id} at 40% or more of the hello-world ceiling's
//     requests per second;
//   - GET /v1/users?limit=100 with 100,000 users within 2× of the same with
//     1,000 users.
//
// Each goal is computed from the medians, as the median of the ratios
// within each run (the i-th sample of one benchmark against the i-th of
// the other, which cancels drift of the machine between runs when the runs
// alternate, one -count per go test invocation), and from the paired
// benchmarks (PairedGetUser, PairedListUsers), which alternate the two
// sides in slices of a fraction of a second within one benchmark.
//
//	cd bench && for i in 1 2 3 4 5; do go test -run '^$' -bench . -benchtime 2s ./http; done | go run ./http/cmd/httptable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

const (
	ceiling  = "HelloWorld"
	getUser  = "GetUser"
	list1k   = "ListUsers/users=1k"
	list100k = "ListUsers/users=100k"

	pairedGetUser = "PairedGetUser"
	pairedList    = "PairedListUsers"
)

func main() {
	results, err := parse(os.Stdin)
	if err == nil {
		err = render(os.Stdout, results)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "httptable:", err)
		os.Exit(1)
	}
}

// result is one benchmark's samples, one per run, by unit.
type result struct {
	name    string
	samples map[string][]float64
}

// parse reads lines such as
//
//	BenchmarkGetUser-2  28785  75140 ns/op  1009 p50-us  4562 p99-us  13309 req/s  17549 B/op  265 allocs/op
//
// in the order benchmarks first appear, dropping "Benchmark" and the
// "-GOMAXPROCS" suffix from names.
func parse(r io.Reader) ([]*result, error) {
	var out []*result
	byName := map[string]*result{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		res := byName[name]
		if res == nil {
			res = &result{name: name, samples: map[string][]float64{}}
			byName[name] = res
			out = append(out, res)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %v", f[0], f[i], err)
			}
			res.samples[f[i+1]] = append(res.samples[f[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no benchmark results on standard input")
	}
	return out, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pairedRatios returns a[i]/b[i] for each run i, or nil when the two do not
// have one sample per run each.
func pairedRatios(a, b []float64) []float64 {
	if len(a) != len(b) || len(a) == 0 {
		return nil
	}
	r := make([]float64, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	return r
}

func render(w io.Writer, results []*result) error {
	fmt.Fprintln(w, "| Benchmark | runs | median req/s | median p50 | median p99 | median B/op | median allocs/op |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	byName := map[string]*result{}
	var pairs []*result
	for _, r := range results {
		byName[r.name] = r
		s := r.samples
		if _, ok := s["req/s"]; !ok {
			pairs = append(pairs, r)
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", r.name, len(s["req/s"]),
			group(median(s["req/s"]), 0), latency(median(s["p50-us"])), latency(median(s["p99-us"])),
			group(median(s["B/op"]), 0), group(median(s["allocs/op"]), 0))
	}
	fmt.Fprintln(w)
	if len(pairs) > 0 {
		fmt.Fprintln(w, "| Paired benchmark | runs | medians |")
		fmt.Fprintln(w, "| --- | ---: | --- |")
		for _, r := range pairs {
			var units []string
			for u := range r.samples {
				if u != "ns/op" && u != "B/op" && u != "allocs/op" {
					units = append(units, u)
				}
			}
			slices.Sort(units)
			var cells []string
			for _, u := range units {
				cells = append(cells, fmt.Sprintf("%s %s", group(median(r.samples[u]), decimals(u)), u))
			}
			fmt.Fprintf(w, "| %s | %d | %s |\n", r.name, len(r.samples["ns/op"]), strings.Join(cells, ", "))
		}
		fmt.Fprintln(w)
	}

	goal := func(title string, a, b string, unit string, want float64, inverse bool, format func(float64) string) {
		ra, rb := byName[a], byName[b]
		if ra == nil || rb == nil {
			fmt.Fprintf(w, "- %s: not measured (needs %s and %s)\n", title, a, b)
			return
		}
		ratio := median(ra.samples[unit]) / median(rb.samples[unit])
		paired := median(pairedRatios(ra.samples[unit], rb.samples[unit]))
		met := func(x float64) string { return metIf((!inverse && x >= want) || (inverse && x <= want)) }
		line := fmt.Sprintf("- %s: %s from the medians (%s)", title, format(ratio), met(ratio))
		if paired != 0 {
			line += fmt.Sprintf("; median of the per-run ratios %s (%s)", format(paired), met(paired))
		}
		fmt.Fprintln(w, line)
	}
	pct := func(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }
	times := func(x float64) string { return fmt.Sprintf("%.2f×", x) }
	goal("GET /v1/users/{id} req/s ÷ hello-world req/s (goal ≥ 40%)", getUser, ceiling, "req/s", 0.40, false, pct)
	goal("list at 1k req/s ÷ list at 100k req/s (goal ≤ 2×)", list1k, list100k, "req/s", 2, true, times)
	goal("list at 100k p50 ÷ list at 1k p50 (goal ≤ 2×)", list100k, list1k, "p50-us", 2, true, times)
	if r := byName[pairedGetUser]; r != nil && len(r.samples["x-ceiling"]) > 0 {
		x := 1 / median(r.samples["x-ceiling"])
		fmt.Fprintf(w, "- paired (alternating slices), GET /v1/users/{id} req/s ÷ hello-world req/s: %s (%s)\n", pct(x), metIf(x >= 0.40))
	}
	if r := byName[pairedList]; r != nil && len(r.samples["x-1k"]) > 0 {
		x := median(r.samples["x-1k"])
		fmt.Fprintf(w, "- paired (alternating slices), list at 100k time ÷ list at 1k time: %s (%s)\n", times(x), metIf(x <= 2))
	}
	return nil
}

func metIf(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// decimals is how many decimals a paired metric is shown with.
func decimals(unit string) int {
	if strings.HasPrefix(unit, "x-") {
		return 3
	}
	return 0
}

// latency formats microseconds as µs below 10 ms, else as ms.
func latency(us float64) string {
	if us < 10_000 {
		return group(us, 0) + " µs"
	}
	return fmt.Sprintf("%.1f ms", us/1000)
}

// group formats x with thousands separators.
func group(x float64, decimals int) string {
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}
