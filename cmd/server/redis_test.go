package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/redisstore/redistest"
	"example.com/tasks/impl/spec"
)

// TestInstancesShareRedis: two real servers on one Redis, as behind a load
// balancer, share a 5/1m quota exactly. With Redis killed, the one that
// fails open serves (counting alone) and stays ready, naming Redis as
// degraded; the one that fails closed answers 503 and turns unready; each
// logs the outage once and the metric says 0. With Redis back, both share
// the quota again without a restart.
func TestInstancesShareRedis(t *testing.T) {
	t.Parallel()
	const password = "redis-test-password"
	rds := redistest.New(t, password)
	pwFile := filepath.Join(t.TempDir(), "redis-password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	common := []string{"--dev", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--rate-limit", "5/1m"}
	// One takes the password from a file, the other from the URL in its
	// environment.
	openAddr, openDone, openLogs := startServer(t, ctx, append(common, "--redis-url", rds.URL(), "--redis-password-file", pwFile), nil)
	closedAddr, closedDone, closedLogs := startServer(t, ctx, append(common, "--rate-limit-fail-mode", "closed"),
		map[string]string{envName("redis-url"): strings.Replace(rds.URL(), "redis://", "redis://:"+password+"@", 1)})
	defer func() { cancel(); <-openDone; <-closedDone }()
	openAdmin, closedAdmin := "http://"+adminAddr(t, openLogs), "http://"+adminAddr(t, closedLogs)
	read := scopedReadRoute(t)

	call := func(addr string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+read, nil)
		req.Header.Set("Authorization", "Bearer "+statictoken.DevReadWriteToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// The window is a minute of Redis's clock (this machine's): start
	// well inside one, so that all requests fall in it.
	if s := time.Now().Second(); s >= 55 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			addr := openAddr
			if i%2 == 1 {
				addr = closedAddr
			}
			code := call(addr).StatusCode
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusOK] != 5 || codes[http.StatusTooManyRequests] != 11 {
		t.Fatalf("16 requests across two instances sharing 5/1m: %v, want 5 OK and 11 refused", codes)
	}
	sharedKeys(t, rds, password, openLogs)

	ready := func(admin string, status int, degraded bool) {
		t.Helper()
		code, _, body := get(t, admin+"/readyz")
		if code != status || strings.Contains(body, `"degraded":["redis"]`) != degraded {
			t.Errorf("%s/readyz: %d %s, want %d, degraded %v", admin, code, body, status, degraded)
		}
	}
	metric := func(admin, want string) {
		t.Helper()
		_, _, body := get(t, admin+"/metrics")
		for l := range strings.SplitSeq(body, "\n") {
			if strings.HasPrefix(l, "redis_available{") && !strings.HasSuffix(l, " "+want) {
				t.Errorf("%s: %s, want %s", admin, l, want)
				return
			}
			if strings.HasPrefix(l, "redis_available{") {
				return
			}
		}
		t.Errorf("%s/metrics has no redis_available", admin)
	}
	ready(openAdmin, http.StatusOK, false)
	metric(openAdmin, "1")

	if err := rds.Pause(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		// Fail open: this instance's own count, fresh, lets requests in.
		if resp := call(openAddr); resp.StatusCode != http.StatusOK {
			t.Errorf("fail open with Redis down: %d, want 200", resp.StatusCode)
		}
		if resp := call(closedAddr); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("fail closed with Redis down: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	ready(openAdmin, http.StatusOK, true)
	ready(closedAdmin, http.StatusServiceUnavailable, false)
	metric(openAdmin, "0")

	if err := rds.Resume(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for call(closedAddr).StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the fail-closed instance does not serve 10s after Redis is back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	ready(openAdmin, http.StatusOK, false)
	ready(closedAdmin, http.StatusOK, false)
	metric(openAdmin, "1")

	for _, l := range []*lines{openLogs, closedLogs} {
		// Log lines are written in batches (httplog.Buffer): wait for
		// the recovery's, then count.
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(l.String(), "redis answers again") && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		logs := l.String()
		if n := strings.Count(logs, "redis does not answer"); n != 1 {
			t.Errorf("the outage logged %d times, want once", n)
		}
		if n := strings.Count(logs, "redis answers again"); n != 1 {
			t.Errorf("the recovery logged %d times, want once", n)
		}
		if l == closedLogs {
			// Each 503's access-log line says why: Redis, not the
			// client's text.
			var refused struct {
				Status int
				Error  string
			}
			n := 0
			for line := range strings.SplitSeq(logs, "\n") {
				if json.Unmarshal([]byte(line), &refused) == nil && refused.Status == http.StatusServiceUnavailable {
					n++
					if !strings.Contains(refused.Error, "redis") && !strings.Contains(refused.Error, "refused") {
						t.Errorf("a 503's log line says %q, want Redis's failure", refused.Error)
					}
				}
			}
			if n == 0 {
				t.Error("no access-log line of a 503")
			}
		}
		if strings.Contains(logs, password) {
			t.Error("the log holds the Redis password")
		}
		var m struct{ Msg, Counted string }
		found := false
		for line := range strings.SplitSeq(logs, "\n") {
			if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "rate limits" {
				found = strings.HasPrefix(m.Counted, "shared")
			}
		}
		if !found {
			t.Error("the start-up log does not say the limits are shared")
		}
	}
}

func TestRedisConfigRefused(t *testing.T) {
	t.Parallel()
	rds := redistest.New(t, "right-password")
	refuses(t, []badConfig{
		{"fail mode", []string{"--dev", "--rate-limit-fail-mode", "maybe"}, nil, "--rate-limit-fail-mode must be open or closed"},
		{"not a Redis URL", []string{"--dev", "--redis-url", "http://:right-password@example.com"}, nil, "--redis-url: redis: want redis://"},
		{"nothing listening", []string{"--dev", "--redis-url", "redis://127.0.0.1:1", "--redis-timeout", "100ms"}, nil, "--redis-url: redis at 127.0.0.1:1 does not answer"},
		{"wrong password", []string{"--dev", "--redis-url", strings.Replace(rds.URL(), "redis://", "redis://:wrong-password@", 1)}, nil, "does not answer"},
		{"missing password file", []string{"--dev", "--redis-url", rds.URL(), "--redis-password-file", "/nonexistent/pw"}, nil, "--redis-password-file"},
	})
}

// sharedKeys checks that the keys in rds are named under the namespace the
// server logged, which is the product's name (the spec's title), and end
// in a digest: no subject in clear.
func sharedKeys(t *testing.T, rds *redistest.Server, password string, logs *lines) {
	t.Helper()
	var namespace string
	for line := range strings.SplitSeq(logs.String(), "\n") {
		var m struct{ Msg, Namespace string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "shared state in Redis" {
			namespace = m.Namespace
		}
	}
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(strings.ReplaceAll(namespace, "-", " "), spec.Name(doc)) {
		t.Errorf("namespace %q, want the product's name %q", namespace, spec.Name(doc))
	}
	rdb := redis.NewClient(&redis.Options{Addr: rds.Addr(), Password: password, DisableIdentity: true})
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys %q, %v", keys, err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, namespace+":ratelimit:") || strings.Contains(k, "dev-rw") {
			t.Errorf("key %q, want %s:ratelimit:<digest>", k, namespace)
		}
	}
}
