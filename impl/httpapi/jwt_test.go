package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/jwttoken"
)

// jwtServer is the API with static tokens and JWTs from iss both enabled,
// as `--tokens-file --jwks-url` would start it.
func jwtServer(t *testing.T, iss *idptest.Issuer) *apitest.Server {
	t.Helper()
	return apitest.NewServer(t, apitest.Config{Verifier: auth.Chain(
		iss.Verifier(t, jwttoken.Config{Leeway: 5 * time.Second}), apitest.Tokens(),
	)})
}

// TestJWT sends each JWT attack through the real router: every response is
// checked against the spec, and none repeats the token.
func TestJWT(t *testing.T) {
	t.Parallel()
	es, rs := idptest.NewKey(t, "es", false), idptest.NewKey(t, "rs", true)
	iss := idptest.NewIssuer(t, es, rs)
	srv := jwtServer(t, iss)
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := iss.Claims("alice", "tasks:read tasks:write")
		edit(c)
		return c
	}
	hmac := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, iss.Claims("alice", "tasks:read tasks:write"))
		tok.Header["kid"] = rs.ID
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, iss.Claims("alice", "tasks:read tasks:write"))
		tok.Header["kid"] = es.ID
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	invalid := func(desc string) string {
		return `Bearer realm="` + realm + `", error="invalid_token", error_description="` + desc + `"`
	}

	tests := []struct {
		name, method, token string
		wantCode            int
		wantChall           string
	}{
		{"valid, scope claim", "GET", es.Sign(t, iss.Claims("alice", "tasks:read")), 200, ""},
		{"valid, scp array", "GET", rs.Sign(t, claims(func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = []string{"tasks:read"} })), 200, ""},
		{"scope claim without the scope", "POST", es.Sign(t, iss.Claims("alice", "tasks:read")), 403,
			`Bearer realm="` + realm + `", error="insufficient_scope", error_description="the token lacks a required scope: tasks:write", scope="tasks:write"`},
		{"scp array without the scope", "POST", es.Sign(t, claims(func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = []string{"tasks:read"} })), 403,
			`Bearer realm="` + realm + `", error="insufficient_scope", error_description="the token lacks a required scope: tasks:write", scope="tasks:write"`},
		{"scp array with the scope", "POST", es.Sign(t, claims(func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = []string{"tasks:write"} })), 201, ""},
		{"expired", "GET", es.Sign(t, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), 401, invalid("the token has expired")},
		{"not yet valid", "GET", es.Sign(t, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() })), 401, invalid("the token is not valid yet (nbf is in the future)")},
		{"wrong issuer", "GET", es.Sign(t, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" })), 401, invalid("the token was not issued by " + iss.Name)},
		{"wrong audience", "GET", es.Sign(t, claims(func(c jwt.MapClaims) { c["aud"] = "another-api" })), 401, invalid("the token is not meant for this API: its aud must include " + idptest.Audience)},
		{"alg none", "GET", none(), 401, invalid("the token's signing algorithm is not accepted; accepted: " + strings.Join(jwttoken.DefaultAlgorithms, ", "))},
		{"HS256 signed with the public key", "GET", hmac(rs.Public(t)), 401, invalid("the token's signing algorithm is not accepted; accepted: " + strings.Join(jwttoken.DefaultAlgorithms, ", "))},
		{"unknown kid", "GET", idptest.NewKey(t, "unknown", false).Sign(t, iss.Claims("alice", "tasks:read")), 401, invalid("no key the issuer publishes matches the token's kid and alg")},
		{"forged signature", "GET", idptest.NewKey(t, es.ID, false).Sign(t, iss.Claims("alice", "tasks:read")), 401, invalid("the token's signature does not verify")},
		{"a static token still works beside JWTs", "GET", apitest.CarolToken, 200, ""},
		{"ID token of the same issuer", "GET", iss.IDToken(t, es, "alice"), 401, invalid("the token is not an access token: its typ header must be at+jwt (RFC 9068); an ID token or another JWT cannot be used here")},
		{"typ JWT, not at+jwt", "GET", es.SignTyp(t, "JWT", iss.Claims("alice", "tasks:read")), 401, invalid("the token is not an access token: its typ header must be at+jwt (RFC 9068); an ID token or another JWT cannot be used here")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var body io.Reader
			if tt.method == "POST" {
				body = strings.NewReader(`{"title":"t"}`)
			}
			req, err := http.NewRequest(tt.method, srv.API+"/tasks", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tt.token)
			resp, err := srv.HTTP.Do(req) // checks the response against the spec
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.wantCode, raw)
			}
			wantChall := tt.wantChall
			if wantChall != "" {
				wantChall += apitest.APIKeyChallenges(tt.method, "/tasks")
			}
			got := strings.Join(resp.Header.Values("WWW-Authenticate"), " | ")
			if got != wantChall {
				t.Errorf("WWW-Authenticate = %q\n                  want %q", got, wantChall)
			}
			for _, part := range strings.Split(tt.token, ".") {
				if len(part) > 3 && (strings.Contains(got, part) || strings.Contains(string(raw), part)) {
					t.Errorf("the response repeats the token")
				}
			}
		})
	}
	t.Cleanup(func() {
		logs := srv.Logs.String()
		for _, tt := range tests {
			if strings.Contains(logs, tt.token) {
				t.Errorf("the log contains the token of %q", tt.name)
			}
		}
	})
}

// TestOwnershipAcrossCredentials: JWT subjects own their tasks, whatever
// credential names the subject; another subject gets 404 for every operation
// on the task and an empty list.
func TestOwnershipAcrossCredentials(t *testing.T) {
	t.Parallel()
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	srv := jwtServer(t, iss)
	ctx := context.Background()
	aliceJWT := apitest.Bearer(k.Sign(t, iss.Claims("alice", "tasks:read tasks:write")))
	bobJWT := apitest.Bearer(k.Sign(t, iss.Claims("bob", "tasks:read tasks:write")))

	created, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "alice's"}, aliceJWT)
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %v", err, created)
	}
	id := created.JSON201.Id

	get, err := srv.Client.GetTaskWithResponse(ctx, id, nil, bobJWT)
	if err != nil {
		t.Fatal(err)
	}
	if get.StatusCode() != http.StatusNotFound {
		t.Errorf("bob's JWT reads alice's task: %d, want 404", get.StatusCode())
	}
	list, err := srv.Client.ListTasksWithResponse(ctx, nil, bobJWT)
	if err != nil || list.JSON200 == nil {
		t.Fatalf("bob's JWT lists: %v %s", err, list.Body)
	}
	if n := len(list.JSON200.Items); n != 0 {
		t.Errorf("bob's JWT sees %d tasks, want 0", n)
	}
	upd, err := srv.Client.UpdateTaskWithResponse(ctx, id, nil, gen.NewTask{Title: "bob was here"}, bobJWT)
	if err != nil {
		t.Fatal(err)
	}
	del, err := srv.Client.DeleteTaskWithResponse(ctx, id, nil, bobJWT)
	if err != nil {
		t.Fatal(err)
	}
	if upd.StatusCode() != http.StatusNotFound || del.StatusCode() != http.StatusNotFound {
		t.Errorf("bob's update and delete of alice's task: %d, %d; want 404, 404", upd.StatusCode(), del.StatusCode())
	}
	// Alice's static token names the same subject: it reads what her JWT created.
	mine, err := srv.Client.ListTasksWithResponse(ctx, nil, apitest.Bearer(apitest.AliceToken))
	if err != nil || mine.JSON200 == nil {
		t.Fatalf("alice's static token lists: %v", err)
	}
	if len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Id != id || mine.JSON200.Items[0].Title != "alice's" {
		t.Errorf("alice's static token sees %+v, want her one unchanged task", mine.JSON200.Items)
	}
}
