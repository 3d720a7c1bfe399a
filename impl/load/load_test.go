package load

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

var (
	requests    = flag.Int("load.requests", 4000, "requests to send in all")
	concurrency = flag.Int("load.concurrency", 32, "clients sending at once")
	maxDuration = flag.Duration("load.max-duration", 2*time.Minute, "stop sending after this long, whatever the count")
	contested   = flag.Int("load.contested", 50, "tasks that every client tries to delete")
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestLoad sends a fixed number of mixed requests from many clients at once,
// then checks: no 5xx, no dropped connection, every status the one expected
// and documented by the spec, the store holding exactly what the clients
// were told they wrote, no token in the log, and no goroutine left behind.
func TestLoad(t *testing.T) {
	db := apitest.MemoryDB(t) // its pool's goroutine lives until cleanup
	baseline := goleak.IgnoreCurrent()
	srv := apitest.NewServer(t, apitest.Config{API: apitest.API(t, db)})
	doc := apitest.Spec()
	tr := &http.Transport{MaxIdleConnsPerHost: *concurrency}
	r := &runner{
		api:     srv.API,
		client:  &http.Client{Transport: tr},
		checker: apitest.NewChecker(doc, "/v1"),
		deletes: map[string]int{},
	}

	// Tasks of alice's that every client races to delete: exactly one
	// delete of each may succeed.
	var contestedIDs []string
	for range *contested {
		status, body := r.mustDo(t, "POST", "/tasks", apitest.AliceToken, `{"title":"contested"}`)
		if status != http.StatusCreated {
			t.Fatalf("creating a contested task: %d %s", status, body)
		}
		contestedIDs = append(contestedIDs, taskOf(t, body).Id.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), *maxDuration)
	defer cancel()
	var sent atomic.Int64
	clients := make([]*client, *concurrency)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		c := &client{r: r, rng: rand.New(rand.NewPCG(uint64(i), 7)), owned: map[string]string{}, statuses: map[int]int{}}
		c.owner, c.token = "alice", apitest.AliceToken
		if i%2 == 1 {
			c.owner, c.token = "bob", apitest.BobToken
		}
		clients[i] = c
		wg.Go(func() {
			for ctx.Err() == nil && sent.Add(1) <= int64(*requests) {
				c.step(contestedIDs)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	// The figures.
	total := map[int]int{}
	var dropped, undocumented, unexpected []string
	for _, c := range clients {
		for s, n := range c.statuses {
			total[s] += n
		}
		dropped = append(dropped, c.dropped...)
		undocumented = append(undocumented, c.undocumented...)
		unexpected = append(unexpected, c.unexpected...)
	}
	var n, fivexx int
	var mix []string
	for _, s := range slices.Sorted(maps.Keys(total)) {
		n += total[s]
		if s >= 500 {
			fivexx += total[s]
		}
		mix = append(mix, fmt.Sprintf("%d×%d", s, total[s]))
	}
	t.Logf("load: %d requests, %d clients, %v, %.0f req/s; statuses %s; 5xx %d, dropped %d, undocumented %d, unexpected %d",
		n, *concurrency, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), strings.Join(mix, " "),
		fivexx, len(dropped), len(undocumented), len(unexpected))
	if ctx.Err() != nil {
		t.Logf("load: stopped by -load.max-duration after %d of %d requests", n, *requests)
	}
	for _, list := range [][]string{dropped, undocumented, unexpected} {
		for _, e := range list[:min(len(list), 10)] {
			t.Error(e)
		}
	}
	if fivexx > 0 {
		t.Errorf("%d responses were 5xx", fivexx)
	}

	// The store holds exactly what clients were told they wrote.
	want := map[string]map[string]string{"alice": {}, "bob": {}}
	for _, c := range clients {
		maps.Copy(want[c.owner], c.owned)
	}
	r.mu.Lock()
	for _, id := range contestedIDs {
		switch r.deletes[id] {
		case 0:
			want["alice"][id] = "contested"
		case 1:
		default:
			t.Errorf("contested task %s was deleted %d times", id, r.deletes[id])
		}
	}
	r.mu.Unlock()
	for owner, token := range map[string]string{"alice": apitest.AliceToken, "bob": apitest.BobToken} {
		got := r.listAll(t, token)
		if !maps.Equal(got, want[owner]) {
			t.Errorf("%s's tasks: the store holds %d, the clients were told of %d", owner, len(got), len(want[owner]))
			for id, title := range want[owner] {
				if got[id] != title {
					t.Errorf("  %s: want %q, store has %q", id, title, got[id])
				}
			}
			for id := range got {
				if _, ok := want[owner][id]; !ok {
					t.Errorf("  %s: in the store, never reported created", id)
				}
			}
		}
	}

	logs := srv.Logs.String()
	for _, token := range []string{apitest.AliceToken, apitest.BobToken, apitest.CarolToken, badToken} {
		if strings.Contains(logs, token) {
			t.Errorf("the log contains the token %q", token)
		}
	}
	srv.Close()
	tr.CloseIdleConnections()
	goleak.VerifyNone(t, baseline)
}

const badToken = "load-test-unknown-token"

// runner is what the clients share.
type runner struct {
	api     string
	client  *http.Client
	checker *apitest.Checker

	mu      sync.Mutex
	deletes map[string]int // successful deletes of each contested task
}

// do sends one request and checks the response against the spec. err is a
// dropped connection (or a broken response); problem is an undocumented one.
func (r *runner) do(method, path, token, body string, extra ...string) (status int, respBody []byte, err, problem error) {
	req, err := http.NewRequest(method, r.api+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err, nil
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Add(extra[i], extra[i+1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, err, nil
	}
	defer resp.Body.Close()
	respBody, err = io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err, nil
	}
	return resp.StatusCode, respBody, nil, r.checker.Check(req, resp.StatusCode, resp.Header, respBody)
}

func (r *runner) mustDo(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	status, b, err, problem := r.do(method, path, token, body)
	if err != nil || problem != nil {
		t.Fatalf("%s %s: %v %v", method, path, err, problem)
	}
	return status, b
}

// listAll pages through the token owner's tasks: id → title.
func (r *runner) listAll(t *testing.T, token string) map[string]string {
	t.Helper()
	out := map[string]string{}
	path := "/tasks?limit=100"
	for {
		status, body := r.mustDo(t, "GET", path, token, "")
		if status != http.StatusOK {
			t.Fatalf("list: %d %s", status, body)
		}
		var page gen.TaskPage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, task := range page.Items {
			if _, dup := out[task.Id.String()]; dup {
				t.Errorf("task %s listed twice", task.Id)
			}
			out[task.Id.String()] = task.Title
		}
		if page.NextCursor == nil {
			return out
		}
		path = "/tasks?limit=100&cursor=" + *page.NextCursor
	}
}

// client is one concurrent caller. Only its own goroutine touches it.
type client struct {
	r            *runner
	rng          *rand.Rand
	owner, token string
	owned        map[string]string // id → title of the tasks it created and did not delete
	seq          int

	statuses                          map[int]int
	dropped, undocumented, unexpected []string
}

// step sends one request of a randomly chosen kind and checks its status.
func (c *client) step(contestedIDs []string) {
	c.seq++
	title := fmt.Sprintf("%s-%p-%d", c.owner, c, c.seq)
	own := c.anyOwned()
	var (
		method, path, token, body string
		extra                     []string
		want                      int
		after                     func(body []byte)
	)
	switch k := c.rng.IntN(20); {
	case k < 4 || (own == "" && k < 10): // create
		method, path, token, body, want = "POST", "/tasks", c.token, `{"title":"`+title+`"}`, 201
		after = func(b []byte) {
			var task gen.Task
			if json.Unmarshal(b, &task) == nil {
				c.owned[task.Id.String()] = task.Title
			}
		}
	case k < 6: // update one of its own
		method, path, token, body, want = "PUT", "/tasks/"+own, c.token, `{"title":"`+title+`","status":"doing"}`, 200
		after = func([]byte) { c.owned[own] = title }
	case k < 8: // read one of its own: it must hold the last title written
		method, path, token, want = "GET", "/tasks/"+own, c.token, 200
		expect := c.owned[own]
		after = func(b []byte) {
			var task gen.Task
			if json.Unmarshal(b, &task) != nil || task.Title != expect {
				c.unexpected = append(c.unexpected, fmt.Sprintf("GET %s: title %q, want %q", own, task.Title, expect))
			}
		}
	case k < 10: // delete one of its own
		method, path, token, want = "DELETE", "/tasks/"+own, c.token, 204
		after = func([]byte) { delete(c.owned, own) }
	case k < 11: // race everyone to delete a contested task
		id := contestedIDs[c.rng.IntN(len(contestedIDs))]
		status, _, err, problem := c.r.do("DELETE", "/tasks/"+id, apitest.AliceToken, "")
		c.record("DELETE contested", status, err, problem)
		switch status {
		case 204:
			c.r.mu.Lock()
			c.r.deletes[id]++
			c.r.mu.Unlock()
		case 404:
		default:
			c.unexpected = append(c.unexpected, fmt.Sprintf("DELETE contested %s: %d", id, status))
		}
		return
	case k < 12:
		method, path, token, want = "GET", "/tasks?limit=5", c.token, 200
	case k < 13: // unauthorized: no token
		method, path, want = "GET", "/tasks", 401
	case k < 14: // unauthorized: unknown token
		method, path, token, want = "GET", "/me", badToken, 401
	case k < 15: // forbidden: read-only token writes
		method, path, token, body, want = "POST", "/tasks", apitest.CarolToken, `{"title":"no"}`, 403
	case k < 16: // invalid: id not a UUID
		method, path, token, want = "GET", "/tasks/not-a-uuid", c.token, 400
	case k < 17: // invalid: body against the schema
		method, path, token, body, want = "POST", "/tasks", c.token, `{"title":"x","owner":"bob"}`, 400
	case k < 18: // malformed credentials: two Authorization headers
		method, path, token, want = "GET", "/me", c.token, 400
		extra = []string{"Authorization", "Bearer " + c.token}
	case k < 19: // someone else's task is not found
		method, path, token, want = "GET", "/tasks/"+uuid.NewString(), c.token, 404
	default:
		method, path, want = "GET", "/health", 200
	}
	status, respBody, err, problem := c.r.do(method, path, token, body, extra...)
	c.record(method+" "+path, status, err, problem)
	if err != nil || problem != nil {
		return
	}
	if status != want {
		c.unexpected = append(c.unexpected, fmt.Sprintf("%s %s: %d, want %d: %s", method, path, status, want, bytes.TrimSpace(respBody)))
		return
	}
	if after != nil {
		after(respBody)
	}
}

func (c *client) record(what string, status int, err, problem error) {
	switch {
	case err != nil:
		c.dropped = append(c.dropped, fmt.Sprintf("%s: %v", what, err))
	case problem != nil:
		c.statuses[status]++
		c.undocumented = append(c.undocumented, problem.Error())
	default:
		c.statuses[status]++
	}
}

// anyOwned returns one of the client's tasks, or "" if it has none.
func (c *client) anyOwned() string {
	if len(c.owned) == 0 {
		return ""
	}
	i := c.rng.IntN(len(c.owned))
	for id := range c.owned {
		if i == 0 {
			return id
		}
		i--
	}
	return ""
}

func taskOf(t *testing.T, body []byte) gen.Task {
	t.Helper()
	var task gen.Task
	if err := json.Unmarshal(body, &task); err != nil {
		t.Fatal(err)
	}
	return task
}
