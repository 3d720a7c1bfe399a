package ogenbench_test

import (
	"net/http"
	"net/http/httptest"
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
	)
	for _, sc := range cases {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			req := sc.Request()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != sc.Want {
				t.Fatalf("status %d, want %d: %s", rec.Code, sc.Want, rec.Body)
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
