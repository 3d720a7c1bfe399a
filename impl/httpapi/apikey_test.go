package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/statictoken"
)

// The API keys of this file's tests, issued to the subjects of the test
// tokens alice and bob. A fork without API keys deletes this file
// (docs/FORKING.md); the other tests read the spec's apiKey schemes.
const (
	aliceKey = "alice-api-key"
	bobKey   = "bob-api-key"
)

// keyServer is the API with static tokens and API keys both enabled, as
// `--tokens-file --api-keys-file` would start it.
func keyServer(t *testing.T) *apitest.Server {
	t.Helper()
	keys, err := statictoken.Parse(fmt.Appendf(nil, "tokens:\n  - {subject: alice, sha256: %s}\n  - {subject: bob, sha256: %s}\n",
		statictoken.Digest(aliceKey), statictoken.Digest(bobKey)))
	if err != nil {
		t.Fatal(err)
	}
	return apitest.NewServer(t, apitest.Config{APIKeys: keys})
}

// TestAPIKeys: an API key acts for its subject, on the operations the spec
// lists it for (the reads) and no other; another subject's key gets 404 and
// an empty list; a bearer token is not an API key.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	srv := keyServer(t)
	ctx := context.Background()

	created, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "alice's"}, apitest.Bearer(apitest.AliceToken))
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %v", err, created)
	}
	id := created.JSON201.Id

	// Bob's key does not see alice's task.
	get, err := srv.Client.GetTaskWithResponse(ctx, id, nil, apitest.APIKey(bobKey))
	if err != nil {
		t.Fatal(err)
	}
	if get.StatusCode() != http.StatusNotFound {
		t.Errorf("bob's API key reads alice's task: %d, want 404", get.StatusCode())
	}
	list, err := srv.Client.ListTasksWithResponse(ctx, nil, apitest.APIKey(bobKey))
	if err != nil || list.JSON200 == nil {
		t.Fatalf("bob's API key lists: %v %s", err, list.Body)
	}
	if n := len(list.JSON200.Items); n != 0 {
		t.Errorf("bob's API key sees %d tasks, want 0", n)
	}

	// An API key cannot write at all: the spec lists it on reads only.
	keyDel, err := srv.Client.DeleteTaskWithResponse(ctx, id, nil, apitest.APIKey(aliceKey))
	if err != nil {
		t.Fatal(err)
	}
	if keyDel.StatusCode() != http.StatusUnauthorized {
		t.Errorf("alice's API key deletes: %d, want 401", keyDel.StatusCode())
	}

	// Alice's API key reads what her token created, and says who it is.
	list, err = srv.Client.ListTasksWithResponse(ctx, nil, apitest.APIKey(aliceKey))
	if err != nil || list.JSON200 == nil {
		t.Fatalf("alice's key lists: %v", err)
	}
	if len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Id != id || list.JSON200.Items[0].Title != "alice's" {
		t.Errorf("alice's key sees %+v, want her one unchanged task", list.JSON200.Items)
	}
	me, err := srv.Client.GetMeWithResponse(ctx, apitest.APIKey(aliceKey))
	if err != nil || me.JSON200 == nil {
		t.Fatalf("GET /me with a key: %v", err)
	}
	if me.JSON200.Subject != "alice" || !slices.Equal(me.JSON200.Scopes, []string{}) {
		t.Errorf("GET /me with alice's key = %+v, want alice with no scopes", *me.JSON200)
	}

	// A bearer token sent as a key is refused, and every answer to a
	// request with a key, accepted or not, is private.
	for key, want := range map[string]int{aliceKey: http.StatusOK, apitest.AliceToken: http.StatusUnauthorized} {
		req, _ := http.NewRequest("GET", srv.API+"/tasks", nil)
		req.Header.Set(apitest.APIKeyHeader(), key)
		resp, err := srv.HTTP.Do(req) // checks the response against the spec
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET /tasks with key %q: status %d, want %d", key, resp.StatusCode, want)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET /tasks with key %q: Cache-Control = %q, want no-store", key, got)
		}
	}
}
