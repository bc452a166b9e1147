// grpcload: the benchmark's gRPC load generator (used by bench/run.ts).
//
// Why not h2load alone: h2load posts one request body for every request, and the verify figure
// must cycle over thousands of distinct bundles (so no per-bundle memo answers), and gRPC reports
// failures in trailers with HTTP status 200, which h2load counts as successes. This client sends
// a different gRPC-framed body per request (round robin over a file of frames), counts a call as
// failed unless grpc-status is 0, and costs a few microseconds per call on one core, so the
// figures measure the server rather than the client.
//
// Modes:
//
//	closed loop: -c connections x -m concurrent streams each, for -d
//	open loop:   -rps R for -d: calls start on a fixed schedule whether or not earlier ones have
//	             answered, and each latency is measured from its scheduled start, so a stalled
//	             server shows up in p99 instead of slowing the schedule (no coordinated omission)
//
// Output: one JSON line {count, errors, firstError, perSec, p50Ms, p99Ms, clientCpuMs}.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/http2"
)

type result struct {
	Count       int     `json:"count"`
	Errors      int64   `json:"errors"`
	FirstError  string  `json:"firstError,omitempty"`
	PerSec      int     `json:"perSec"`
	P50Ms       float64 `json:"p50Ms"`
	P99Ms       float64 `json:"p99Ms"`
	ClientCPUMs int64   `json:"clientCpuMs"`
}

// frames splits a file of concatenated gRPC length-prefixed messages into whole frames.
func frames(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 5 {
			return nil, fmt.Errorf("%s: truncated frame header", path)
		}
		n := int(binary.BigEndian.Uint32(data[1:5]))
		if len(data) < 5+n {
			return nil, fmt.Errorf("%s: truncated frame", path)
		}
		out = append(out, data[:5+n])
		data = data[5+n:]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no frames", path)
	}
	return out, nil
}

func main() {
	url := flag.String("url", "", "base URL, http://host:port")
	path := flag.String("path", "", "gRPC method path, /pkg.Service/Method")
	bodies := flag.String("bodies", "", "file of gRPC-framed request messages, sent round robin")
	conns := flag.Int("c", 4, "connections")
	streams := flag.Int("m", 16, "concurrent streams per connection (closed loop)")
	duration := flag.Duration("d", 5*time.Second, "measured duration")
	warmup := flag.Duration("w", 500*time.Millisecond, "unmeasured warm-up before the measured duration")
	rps := flag.Float64("rps", 0, "open loop at this many calls per second (0: closed loop)")
	flag.Parse()
	if *url == "" || *path == "" || *bodies == "" {
		fmt.Fprintln(os.Stderr, "usage: grpcload -url URL -path /pkg.Svc/Method -bodies FILE [-c N -m N | -rps R] [-d DUR]")
		os.Exit(2)
	}
	msgs, err := frames(*bodies)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	clients := make([]*http.Client, *conns)
	for i := range clients {
		// One transport per connection: h2c (HTTP/2 without TLS, prior knowledge).
		clients[i] = &http.Client{Transport: &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}}
	}
	target := *url + *path
	var next atomic.Uint64
	var errors atomic.Int64
	var firstErr atomic.Value
	call := func(client *http.Client) error {
		body := msgs[next.Add(1)%uint64(len(msgs))]
		req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
		req.Header.Set("content-type", "application/grpc")
		req.Header.Set("te", "trailers")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		status := resp.Trailer.Get("grpc-status")
		if status == "" {
			status = resp.Header.Get("grpc-status") // trailers-only response
		}
		if status != "0" {
			return fmt.Errorf("grpc-status %s: %s", status, resp.Trailer.Get("grpc-message")+resp.Header.Get("grpc-message"))
		}
		return nil
	}
	fail := func(err error) {
		errors.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}

	var mu sync.Mutex
	var lat []time.Duration
	record := func(d time.Duration) {
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	}
	var measuring atomic.Bool
	var cpu0 syscall.Rusage
	var start time.Time
	begin := func() {
		syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
		start = time.Now()
		measuring.Store(true)
	}

	if *rps <= 0 {
		var wg sync.WaitGroup
		stopAt := time.Now().Add(*warmup + *duration)
		for i := 0; i < *conns**streams; i++ {
			wg.Add(1)
			go func(client *http.Client) {
				defer wg.Done()
				for time.Now().Before(stopAt) {
					t0 := time.Now()
					err := call(client)
					if !measuring.Load() {
						continue
					}
					if err != nil {
						fail(err)
					} else {
						record(time.Since(t0))
					}
				}
			}(clients[i%*conns])
		}
		time.Sleep(*warmup)
		mu.Lock()
		lat = lat[:0]
		mu.Unlock()
		begin()
		wg.Wait()
	} else {
		// Warm up the connections and the server at the target rate, then measure.
		var wg sync.WaitGroup
		interval := time.Duration(float64(time.Second) / *rps)
		total := int((*warmup + *duration) / interval)
		warm := int(*warmup / interval)
		t := time.Now()
		for k := 0; k < total; k++ {
			if k == warm {
				begin()
			}
			scheduled := t.Add(time.Duration(k) * interval)
			if d := time.Until(scheduled); d > 0 {
				time.Sleep(d)
			}
			wg.Add(1)
			go func(client *http.Client, scheduled time.Time, measured bool) {
				defer wg.Done()
				err := call(client)
				if !measured {
					return
				}
				if err != nil {
					fail(err)
				} else {
					record(time.Since(scheduled))
				}
			}(clients[k%*conns], scheduled, k >= warm)
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	var cpu1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
	cpuMs := (cpu1.Utime.Nano() + cpu1.Stime.Nano() - cpu0.Utime.Nano() - cpu0.Stime.Nano()) / 1e6
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p / 100 * float64(len(lat)))
		if i >= len(lat) {
			i = len(lat) - 1
		}
		return float64(lat[i].Microseconds()) / 1000
	}
	r := result{Count: len(lat), Errors: errors.Load(), PerSec: int(float64(len(lat)) / elapsed.Seconds()), P50Ms: pct(50), P99Ms: pct(99), ClientCPUMs: cpuMs}
	if v, ok := firstErr.Load().(string); ok {
		r.FirstError = v
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}
