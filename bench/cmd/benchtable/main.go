// Command benchtable reads `go test -bench` output on standard input (one or
// more -count runs) and prints a markdown table with, for each benchmark, the
// median ns/op, B/op and allocs/op, and the ratio of its median ns/op to the
// floor benchmark's. The fastest run and its ratio to the floor's fastest
// are shown too: on a shared machine noise only ever adds time, so the
// minimum is the steadier estimate of what the code itself costs.
//
//	go test -run '^$' -bench . -count 20 -benchtime 2000x | go run ./cmd/benchtable
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	floor := flag.String("floor", "Floor", "name of the benchmark the ratios are relative to")
	flag.Parse()
	results, err := parse(os.Stdin)
	if err == nil {
		err = render(os.Stdout, results, *floor)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// result gathers one benchmark's samples, one per run, by unit.
type result struct {
	name    string
	samples map[string][]float64 // "ns/op", "B/op", "allocs/op", ...
}

// parse reads benchmark lines such as
//
//	BenchmarkFloor-2   2000   34621 ns/op   1376 B/op   9 allocs/op
//
// and returns the benchmarks in the order they first appear. The "Benchmark"
// prefix and the "-GOMAXPROCS" suffix are dropped from names.
func parse(r io.Reader) ([]*result, error) {
	var results []*result
	byName := map[string]*result{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line, e.g. a benchmark's log output
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		res := byName[name]
		if res == nil {
			res = &result{name: name, samples: map[string][]float64{}}
			byName[name] = res
			results = append(results, res)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad value %q in line %q", fields[i], sc.Text())
			}
			res.samples[fields[i+1]] = append(res.samples[fields[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, errors.New("no benchmark results in the input")
	}
	return results, nil
}

// median returns the median of xs, or NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// minimum returns the least of xs, or NaN for none.
func minimum(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return slices.Min(xs)
}

// render writes the markdown table. It fails if the floor is missing.
func render(w io.Writer, results []*result, floorName string) error {
	var floor, floorMin float64
	for _, r := range results {
		if r.name == floorName {
			floor, floorMin = median(r.samples["ns/op"]), minimum(r.samples["ns/op"])
		}
	}
	if !(floor > 0) {
		return fmt.Errorf("no ns/op results for the floor benchmark %q", floorName)
	}
	fmt.Fprintln(w, "| Benchmark | runs | median ns/op | × floor | min ns/op | × floor (min) | median B/op | median allocs/op |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range results {
		ns, lo := median(r.samples["ns/op"]), minimum(r.samples["ns/op"])
		fmt.Fprintf(w, "| %s | %d | %s | %.2f× | %s | %.2f× | %s | %s |\n",
			r.name, len(r.samples["ns/op"]), num(ns), ns/floor, num(lo), lo/floorMin,
			num(median(r.samples["B/op"])), num(median(r.samples["allocs/op"])))
	}
	return nil
}

// num formats a value as an integer with thousands separators, or "–" when
// there is no value (a run without -benchmem or ReportAllocs).
func num(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
