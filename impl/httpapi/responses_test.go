package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/store"
)

// driftStore returns tasks with a status the spec does not allow, the kind of
// contract bug --validate-responses exists to catch.
type driftStore struct{ store.Store }

func (d driftStore) List(ctx context.Context, owner string, after *store.Key, limit int) ([]store.Task, bool, error) {
	tasks, more, err := d.Store.List(ctx, owner, after, limit)
	for i := range tasks {
		tasks[i].Status = "archived"
	}
	return tasks, more, err
}

func TestValidateResponsesCatchesDrift(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, httpapi.Config{ValidateResponses: true, Store: driftStore{store.NewMemory()}})
	ctx := context.Background()
	alice := apitest.Bearer(apitest.AliceToken)
	if r, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "t"}, alice); err != nil || r.JSON201 == nil {
		t.Fatalf("create: %v", err)
	}
	list, err := srv.Client.ListTasksWithResponse(ctx, nil, alice)
	if err != nil {
		t.Fatal(err)
	}
	if list.StatusCode() != http.StatusInternalServerError || list.ApplicationproblemJSON500 == nil {
		t.Fatalf("status = %d, want the documented 500 for a drifting response; body %s", list.StatusCode(), list.Body)
	}
	if strings.Contains(string(list.Body), "archived") {
		t.Error("the drifting body leaked to the client")
	}
	logs := srv.Logs.String()
	for _, want := range []string{"response does not match the spec", "listTasks", "archived"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not name %q:\n%s", want, logs)
		}
	}
}

// TestValidateResponsesPassesConformingResponses: with validation on, the
// whole conformance suite still passes: correct responses go out unchanged.
func TestValidateResponsesPassesConformingResponses(t *testing.T) {
	t.Parallel()
	doc, err := httpapi.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	verifier, creds := apitest.ConformanceTokens(doc)
	h := newInProcessWith(t, httpapi.Config{Verifier: verifier, ValidateResponses: true})
	for _, f := range apitest.Conformance(doc, doc.Servers[0].URL, h.h, creds) {
		t.Error(f)
	}
}
