package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/jwttoken"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/ratelimit"
	"example.com/tasks/impl/redisstore"
	"example.com/tasks/impl/redisstore/redistest"
)

// instance is one server of several behind a load balancer: its own
// process state, Redis shared.
type instance struct {
	srv   *apitest.Server
	redis *redisstore.Client
}

// TestSharedAcrossInstances (its file is named after the options it needs,
// so that removing any of them removes it): two instances behind one public
// URL, sharing one Redis, share a quota exactly under concurrency and refuse
// a DPoP proof replayed from one to the other. With Redis killed, no proof passes
// unchecked (503, Retry-After), the rate limit fails as configured (open:
// each instance counts alone; closed: 503), nothing answers 500; with Redis
// back, both work again without a restart.
func TestSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	const public = "https://api.example.com"
	const quota = 5
	rds := redistest.New(t, "")
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	tokens := iss.Verifier(t, jwttoken.Config{})
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, false)

	start := func(failClosed bool) instance {
		r, err := redisstore.Open(context.Background(), redisstore.Config{URL: rds.URL(), Namespace: "test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		proofs, err := dpop.New(dpop.Config{PublicURL: public, Replay: r.Proofs()})
		if err != nil {
			t.Fatal(err)
		}
		limiter := &ratelimit.Limiter{Store: r.Limits(), Subject: &ratelimit.Policy{Name: "per-subject", Quota: quota, Window: time.Hour}}
		if !failClosed {
			limiter.Fallback = ratelimit.NewMemory()
		}
		return instance{redis: r, srv: apitest.NewServer(t, apitest.Config{
			Spec: doc, Verifier: tokens,
			Schemes: []auth.SchemeFunc{proofs.Scheme(tokens)},
			Checks:  []httpapi.Check{limiter.Check},
		})}
	}
	a, b, closed := start(false), start(false), start(true)
	path := scopedGET(t, doc)
	htu := public + strings.TrimPrefix(a.srv.API, a.srv.URL) + path
	scopes := strings.Join(allScopes(doc), " ")

	send := func(in instance, authz, proof string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", in.srv.API+path, nil)
		req.Header.Set("Authorization", authz)
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		resp, err := in.srv.HTTP.Do(req) // checked against the spec
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%d: %s", resp.StatusCode, body)
		}
		return resp, string(body)
	}

	// One quota across both instances, however the requests interleave.
	alice := "Bearer " + k.Sign(t, iss.Claims("alice", scopes))
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			in := a
			if i%2 == 1 {
				in = b
			}
			resp, _ := send(in, alice, "")
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
			if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				t.Error("a 429 without Retry-After")
			}
		})
	}
	wg.Wait()
	if codes[http.StatusOK] != quota || codes[http.StatusTooManyRequests] != 16-quota {
		t.Fatalf("16 requests across two instances with a shared quota of %d: %v", quota, codes)
	}

	// A proof accepted by one instance is a replay at the other.
	key := idptest.NewDPoPKey(t)
	bound := k.Sign(t, key.Bind(iss.Claims("bob", scopes)))
	proof := key.Proof(t, "GET", htu, bound, nil)
	if resp, body := send(a, "DPoP "+bound, proof); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use at A: %d %s", resp.StatusCode, body)
	}
	resp, body := send(b, "DPoP "+bound, proof)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), " "), `error="invalid_dpop_proof"`) ||
		!strings.Contains(body, "used before") {
		t.Fatalf("the proof replayed at B: %d %v %s", resp.StatusCode, resp.Header.Values("WWW-Authenticate"), body)
	}

	// Redis killed: proofs are refused, never passed; the rate limit fails
	// open at A (counted there alone) and closed at the third instance.
	if err := rds.Pause(); err != nil {
		t.Fatal(err)
	}
	carol := "Bearer " + k.Sign(t, iss.Claims("carol", scopes))
	retryLater := func(what string, resp *http.Response, body string) {
		t.Helper()
		var p gen.Problem
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			json.Unmarshal([]byte(body), &p) != nil || p.Code != gen.ProblemCodeServiceUnavailable {
			t.Errorf("%s with Redis down: %d %v %s, want a 503 problem with Retry-After", what, resp.StatusCode, resp.Header, body)
		}
		if strings.Contains(body, rds.Addr()) || strings.Contains(strings.ToLower(body), "redis") {
			t.Errorf("%s: the 503 reveals the infrastructure: %s", what, body)
		}
	}
	for i := range 3 {
		resp, body := send(a, "DPoP "+bound, key.Proof(t, "GET", htu, bound, nil))
		retryLater("a fresh proof", resp, body)
		// A fresh token per request: the first request after the kill
		// also marks Redis down, whichever store notices.
		if resp, body := send(a, carol, ""); resp.StatusCode != http.StatusOK || resp.Header.Get("RateLimit") == "" {
			t.Errorf("request %d, fail open: %d %s, want 200 counted by the instance", i, resp.StatusCode, body)
		}
	}
	resp, body = send(closed, carol, "")
	retryLater("fail closed", resp, body)

	// Redis back: both work again, by themselves.
	if err := rds.Resume(); err != nil {
		t.Fatal(err)
	}
	for _, in := range []instance{a, b, closed} {
		deadline := time.Now().Add(5 * time.Second)
		for !in.redis.Up() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if resp, body := send(b, "DPoP "+bound, key.Proof(t, "GET", htu, bound, nil)); resp.StatusCode != http.StatusOK {
		t.Errorf("a fresh proof after Redis is back: %d %s", resp.StatusCode, body)
	}
	if resp, body := send(closed, carol, ""); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("RateLimit"), ";r=4;") {
		// Redis kept nothing (the tests save nothing): carol's first
		// shared request.
		t.Errorf("fail closed, after Redis is back: %d %q %s, want 200 with r=4", resp.StatusCode, resp.Header.Get("RateLimit"), body)
	}
	for _, in := range []instance{a, b, closed} {
		if logs := in.srv.Logs.String(); strings.Contains(logs, bound) || strings.Contains(logs, proof) {
			t.Error("the log holds a credential")
		}
	}
}
