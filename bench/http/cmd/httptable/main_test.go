package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkHelloWorld-2   	   54234	     39024 ns/op	       395.2 p50-us	      5509 p99-us	     20000 req/s	    6472 B/op	      73 allocs/op
BenchmarkGetUser
    fixture_test.go:153: built /tmp/x.db (1000 users) in 224ms
BenchmarkGetUser-2      	   28785	     75140 ns/op	      1009 p50-us	      4562 p99-us	     10000 req/s	   17549 B/op	     265 allocs/op
BenchmarkListUsers/users=1k-2         	    2020	   1226725 ns/op	     18579 p50-us	     44712 p99-us	       800 req/s	  583914 B/op	    7042 allocs/op
BenchmarkListUsers/users=100k-2       	     651	   4520497 ns/op	     65845 p50-us	    209007 p99-us	       200 req/s	  585281 B/op	    7042 allocs/op
BenchmarkHelloWorld-2   	   54234	     39024 ns/op	       395.2 p50-us	      5509 p99-us	     30000 req/s	    6472 B/op	      73 allocs/op
BenchmarkGetUser-2      	   28785	     75140 ns/op	      1009 p50-us	      4562 p99-us	     14000 req/s	   17549 B/op	     265 allocs/op
BenchmarkListUsers/users=1k-2         	    2020	   1226725 ns/op	     18579 p50-us	     44712 p99-us	       600 req/s	  583914 B/op	    7042 allocs/op
BenchmarkListUsers/users=100k-2       	     651	   4520497 ns/op	     65845 p50-us	    209007 p99-us	       500 req/s	  585281 B/op	    7042 allocs/op
BenchmarkPairedGetUser-2    	      50	  80000000 ns/op	     19000 ceiling-req/s	      9500 getuser-req/s	         2.000 x-ceiling	   20000 B/op	     200 allocs/op
BenchmarkPairedGetUser-2    	      50	  80000000 ns/op	     19000 ceiling-req/s	      9500 getuser-req/s	         2.500 x-ceiling	   20000 B/op	     200 allocs/op
PASS
`

func TestTable(t *testing.T) {
	results, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 5 || results[2].name != "ListUsers/users=1k" || len(results[0].samples["req/s"]) != 2 {
		t.Fatalf("parsed %d results: %+v", len(results), results)
	}
	var out strings.Builder
	if err := render(&out, results); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| HelloWorld | 2 | 25,000 | 395 µs | 5,509 µs | 6,472 | 73 |",
		"| ListUsers/users=100k | 2 | 350 | 65.8 ms | 209.0 ms | 585,281 | 7,042 |",
		// medians 12,000 / 25,000; per run 50% and 47%, median 48%
		"÷ hello-world req/s (goal ≥ 40%): 48% from the medians (met); median of the per-run ratios 48% (met)",
		// medians 700 / 350 = 2; per run 4 and 1.2, median 2.6
		"list at 1k req/s ÷ list at 100k req/s (goal ≤ 2×): 2.00× from the medians (met); median of the per-run ratios 2.60× (NOT met)",
		"| PairedGetUser | 2 | 19,000 ceiling-req/s, 9,500 getuser-req/s, 2.250 x-ceiling |",
		"- paired (alternating slices), GET /v1/users/{id} req/s ÷ hello-world req/s: 44% (met)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
