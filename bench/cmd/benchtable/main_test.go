package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/clerkgo/clerk/bench
cpu: AMD EPYC
BenchmarkFloor-2        	    2000	     34000 ns/op	    1376 B/op	       9 allocs/op
BenchmarkFloor-2        	    2000	     36000 ns/op	    1376 B/op	       9 allocs/op
BenchmarkFloor-2        	    2000	     35000 ns/op	    1376 B/op	       9 allocs/op
BenchmarkGolangJWT-2    	    2000	     42000 ns/op	    7080 B/op	     120 allocs/op
BenchmarkGolangJWT-2    	    2000	     46000 ns/op	    7080 B/op	     120 allocs/op
BenchmarkGolangJWT-2    	    2000	     90000 ns/op	    7080 B/op	     120 allocs/op
BenchmarkGolangJWT-2    	    2000	     44000 ns/op	    7084 B/op	     121 allocs/op
BenchmarkJWX
    peers_test.go:1: a log line
BenchmarkJWX-2          	    2000	   1234567 ns/op
PASS
ok  	github.com/clerkgo/clerk/bench	1.129s
`

func TestTable(t *testing.T) {
	results, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := render(&out, results, "Floor"); err != nil {
		t.Fatal(err)
	}
	want := `| Benchmark | runs | median ns/op | × floor | min ns/op | × floor (min) | median B/op | median allocs/op |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| Floor | 3 | 35,000 | 1.00× | 34,000 | 1.00× | 1,376 | 9 |
| GolangJWT | 4 | 45,000 | 1.29× | 42,000 | 1.24× | 7,080 | 120 |
| JWX | 1 | 1,234,567 | 35.27× | 1,234,567 | 36.31× | – | – |
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestErrors(t *testing.T) {
	if _, err := parse(strings.NewReader("PASS\nok x 0.1s\n")); err == nil {
		t.Error("no error for input without benchmarks")
	}
	results, err := parse(strings.NewReader("BenchmarkGoJose-2 10 5 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := render(new(strings.Builder), results, "Floor"); err == nil {
		t.Error("no error for input without the floor")
	}
}
