package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// driftAPI lists tasks with a status the spec does not allow, the kind of
// contract bug --validate-responses exists to catch.
type driftAPI struct{ gen.StrictServerInterface }

func (d driftAPI) ListTasks(ctx context.Context, req gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	resp, err := d.StrictServerInterface.ListTasks(ctx, req)
	if page, ok := resp.(gen.ListTasks200JSONResponse); ok {
		for i := range page.Items {
			page.Items[i].Status = "archived"
		}
	}
	return resp, err
}

func TestValidateResponsesCatchesDrift(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{ValidateResponses: true, API: driftAPI{apitest.API(t, apitest.MemoryDB(t))}})
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
	doc := apitest.Spec()
	verifier, creds := apitest.ConformanceTokens(doc)
	h := newInProcessWith(t, apitest.Config{Verifier: verifier, APIKeys: verifier, ValidateResponses: true})
	for _, f := range apitest.Conformance(doc, doc.Servers[0].URL, h.h, creds) {
		t.Error(f)
	}
}
