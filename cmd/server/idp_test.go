package main

import (
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestProviderFlags: --issuer, --audience and --leeway, under their names
// or their former --jwt-* names, on the command line or in the
// environment; the metadata's authorization server is
// --authorization-server, else the issuer.
func TestProviderFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		want     idpConfig
		wantAS   []string
		wantErrs string
	}{
		{name: "names", args: []string{"--issuer", "https://i/", "--audience", "a", "--leeway", "5s"},
			want: idpConfig{issuer: "https://i/", audience: "a", leeway: 5 * time.Second}, wantAS: []string{"https://i/"}},
		{name: "former names", args: []string{"--jwt-issuer", "https://i/", "--jwt-audience", "a", "--jwt-leeway", "5s"},
			want: idpConfig{issuer: "https://i/", audience: "a", leeway: 5 * time.Second}, wantAS: []string{"https://i/"}},
		{name: "former names from the environment", env: map[string]string{envName("jwt-audience"): "a", envName("jwt-leeway"): "1m"},
			want: idpConfig{audience: "a", leeway: time.Minute}},
		{name: "the name on the command line, the same former name in the environment", args: []string{"--audience", "a"}, env: map[string]string{envName("jwt-audience"): "a"},
			want: idpConfig{audience: "a", leeway: 30 * time.Second}},
		{name: "they differ", args: []string{"--audience", "a"}, env: map[string]string{envName("jwt-audience"): "b"}, wantErrs: "both set and differ"},
		{name: "an authorization server of its own", args: []string{"--issuer", "https://i/", "--authorization-server", "https://as/"},
			want: idpConfig{issuer: "https://i/", authorizationServer: "https://as/", leeway: 30 * time.Second}, wantAS: []string{"https://as/"}},
		{name: "negative leeway", args: []string{"--leeway", "-1s"}, wantErrs: "--leeway must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErrs != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrs) {
					t.Fatalf("parseConfig = %v, want an error containing %q", err, tt.wantErrs)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(c.idp, tt.want) || !slices.Equal(c.idp.authorizationServers(), tt.wantAS) {
				t.Errorf("parseConfig = %+v %q, %v; want %+v %q", c.idp, c.idp.authorizationServers(), err, tt.want, tt.wantAS)
			}
		})
	}
}
