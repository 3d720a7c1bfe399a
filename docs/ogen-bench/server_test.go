package ogenbench_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	ogenbench "example.com/tasks/docs/ogen-bench"
	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// TestServerKeepsTheContract sends the benchmark's scenarios, and a few
// more, to the ogen server and checks every response against openapi.yaml
// with the checker our own tests use, so that the benchmark compares servers
// that give the same answers.
func TestServerKeepsTheContract(t *testing.T) {
	t.Parallel()
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	checker := apitest.NewChecker(doc, "/v1")
	db := apitest.MemoryDB(t)
	id := apitest.Seed(t, db)
	h, err := ogenbench.New(db, apitest.Tokens())
	if err != nil {
		t.Fatal(err)
	}
	cases := append(apitest.Scenarios(id),
		apitest.Scenario{Name: "BadToken401", Method: "GET", Path: "/v1/tasks/" + id.String(), Token: "no-such-token", Want: http.StatusUnauthorized},
		apitest.Scenario{Name: "NotUUID400", Method: "GET", Path: "/v1/tasks/not-a-uuid", Token: apitest.AliceToken, Want: http.StatusBadRequest},
		apitest.Scenario{Name: "OtherOwner404", Method: "GET", Path: "/v1/tasks/" + id.String(), Token: apitest.BobToken, Want: http.StatusNotFound},
		apitest.Scenario{Name: "Unknown404", Method: "GET", Path: "/v1/tasks/" + uuid.NewString(), Token: apitest.AliceToken, Want: http.StatusNotFound},
		apitest.Scenario{Name: "UnknownField400", Method: "POST", Path: "/v1/tasks", Token: apitest.AliceToken, Body: `{"title":"x","owner":"bob"}`, Want: http.StatusBadRequest},
		apitest.Scenario{Name: "BadStatus400", Method: "POST", Path: "/v1/tasks", Token: apitest.AliceToken, Body: `{"title":"x","status":"later"}`, Want: http.StatusBadRequest},
		apitest.Scenario{Name: "ControlChar400", Method: "POST", Path: "/v1/tasks", Token: apitest.AliceToken, Body: `{"title":"a\u0000b"}`, Want: http.StatusBadRequest},
		apitest.Scenario{Name: "BadCursor400", Method: "GET", Path: "/v1/tasks?cursor=zz", Token: apitest.BobToken, Want: http.StatusBadRequest},
		apitest.Scenario{Name: "Limit0400", Method: "GET", Path: "/v1/tasks?limit=0", Token: apitest.BobToken, Want: http.StatusBadRequest},
	)
	for _, sc := range cases {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			req := sc.Request()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if err := sc.Check(rec.Code, rec.Body.Bytes()); err != nil {
				t.Fatal(err)
			}
			if err := checker.Check(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				t.Error(err)
			}
			challenge := rec.Header().Get("WWW-Authenticate")
			switch sc.Want {
			case http.StatusUnauthorized, http.StatusForbidden:
				if !strings.HasPrefix(challenge, `Bearer realm="`+apitest.Realm()+`"`) {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", challenge)
				}
			default:
				if challenge != "" {
					t.Errorf("WWW-Authenticate %q on a %d", challenge, sc.Want)
				}
			}
		})
	}
}

// TestListPages follows the list's next cursor: the ogen server pages
// through bob's tasks as ours does, each once, in order.
func TestListPages(t *testing.T) {
	t.Parallel()
	db := apitest.MemoryDB(t)
	apitest.Seed(t, db)
	h, err := ogenbench.New(db, apitest.Tokens())
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := db.ListTasks(t.Context(), "bob", nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	path := "/v1/tasks?limit=7"
	for range len(all) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, apitest.Scenario{Method: "GET", Path: path, Token: apitest.BobToken}.Request())
		var page gen.TaskPage
		if err := json.Unmarshal(rec.Body.Bytes(), &page); rec.Code != http.StatusOK || err != nil {
			t.Fatalf("%s: status %d, %v: %s", path, rec.Code, err, rec.Body)
		}
		for _, it := range page.Items {
			got = append(got, it.Id.String())
		}
		if page.NextCursor == nil {
			break
		}
		path = "/v1/tasks?limit=7&cursor=" + *page.NextCursor
	}
	var want []string
	for _, task := range all {
		want = append(want, task.ID.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages hold %v, want %v", got, want)
	}
}
