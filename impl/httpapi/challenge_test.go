package httpapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"example.com/tasks/impl/auth"
)

var bearer = &auth.Info{AuthScheme: auth.BearerAuthScheme, OAuth: true}

func TestChallengeCannotBeBroken(t *testing.T) {
	t.Parallel()
	got := challenge(bearer, "a\"b\\c\r\nX-Injected: 1", "invalid_token", "bad \"desc\"\r\nSet-Cookie: x\\", []string{"ok", "b\"ad\r\n"}, "")
	want := `Bearer realm="a\"b\\cX-Injected: 1", error="invalid_token", error_description="bad descSet-Cookie: x", scope="ok bad"`
	if got != want {
		t.Errorf("challenge =\n %s\nwant\n %s", got, want)
	}
	if strings.ContainsAny(got, "\r\n") {
		t.Error("challenge contains CR or LF")
	}
}

func TestAPIKeyChallengeCannotBeBroken(t *testing.T) {
	t.Parallel()
	got := challenge(&auth.Info{AuthScheme: "APIKey", Lead: []auth.Param{{Name: "header", Value: "X-API-Key"}}}, "a\"b\r\nX: 1", "invalid_token", "bad \"key\"\r\nSet-Cookie: x", nil, "")
	want := `APIKey realm="a\"bX: 1", header="X-API-Key", error="invalid_token", error_description="bad keySet-Cookie: x"`
	if got != want {
		t.Errorf("challenge =\n %s\nwant\n %s", got, want)
	}
}

// FuzzChallenge checks the WWW-Authenticate builder on any realm,
// description and scopes: the header never holds a CR, LF or other control
// character, every parameter value is a quoted-string, and parsing the header
// gives back what building it was asked for (minus what it must drop), which
// builds the same header again.
func FuzzChallenge(f *testing.F) {
	codes := []string{"", "invalid_request", "invalid_token", "insufficient_scope"}
	f.Fuzz(func(t *testing.T, realm string, code uint8, description, scope1, scope2 string) {
		errCode := codes[int(code)%len(codes)]
		scopes := []string{scope1, scope2}
		header := challenge(bearer, realm, errCode, description, scopes, "")

		for i := 0; i < len(header); i++ {
			if c := header[i]; (c < 0x20 && c != '\t') || c == 0x7f {
				t.Fatalf("control character %#x in %q", c, header)
			}
		}
		params, err := parseChallenge(header)
		if err != nil {
			t.Fatalf("%q: %v", header, err)
		}
		if params["error"] != errCode {
			t.Errorf("error = %q, want %q", params["error"], errCode)
		}
		if want := descriptionChars(description); params["error_description"] != want {
			t.Errorf("error_description = %q, want %q", params["error_description"], want)
		}
		rebuilt := challenge(bearer, params["realm"], params["error"], params["error_description"], strings.Fields(params["scope"]), "")
		if rebuilt != header {
			t.Errorf("round trip:\n %q\nbuilt again as\n %q", header, rebuilt)
		}
	})
}

// parseChallenge parses one Bearer challenge strictly by RFC 9110 §11.2,
// accepting only quoted-string values, as challenge writes them.
func parseChallenge(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, errors.New("does not start with the Bearer scheme")
	}
	params := map[string]string{}
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		if !ok || name == "" || strings.ContainsAny(name, " \t\",=\\") {
			return nil, fmt.Errorf("bad parameter name at %q", rest)
		}
		if !strings.HasPrefix(after, `"`) {
			return nil, fmt.Errorf("parameter %s is not a quoted-string", name)
		}
		var val strings.Builder
		i := 1
		for ; i < len(after) && after[i] != '"'; i++ {
			if after[i] == '\\' {
				i++
				if i == len(after) {
					return nil, errors.New("backslash at the end")
				}
			}
			val.WriteByte(after[i])
		}
		if i == len(after) {
			return nil, fmt.Errorf("parameter %s: unterminated quoted-string", name)
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %s twice", name)
		}
		params[name] = val.String()
		rest = after[i+1:]
		if rest != "" {
			if rest, ok = strings.CutPrefix(rest, ", "); !ok {
				return nil, fmt.Errorf("expected \", \" at %q", rest)
			}
		}
	}
	if _, ok := params["realm"]; !ok {
		return nil, errors.New("no realm")
	}
	return params, nil
}
