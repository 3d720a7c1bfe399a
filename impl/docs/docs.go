// Package docs serves Swagger UI for the server's own spec at /docs, from the
// binary alone: no CDN, font or image from elsewhere, so the page works
// offline and under a Content-Security-Policy that allows only the server's
// own origin.
//
// The files in swaggerui/ are a copy of the npm package swagger-ui-dist,
// pinned in e2e/package-lock.json and refreshed by `make swagger-ui`; `make
// check-generated` fails if the copy differs from the pinned package. We use
// swagger-ui-dist rather than a Go module that embeds it, such as
// github.com/swaggest/swgui, because that module's page configures Swagger UI
// with an inline <script> and <style>, which the CSP would then have to allow;
// here index.html and init.js are ours and hold no inline code, and the same
// lock file pins the UI and the browser test (e2e/) that proves it works.
package docs

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/go-chi/chi/v5"
)

// ContentSecurityPolicy is sent with every /docs response. Swagger UI needs
// nothing beyond its own origin: its icons are data: URIs inside its CSS, and
// "Try it out" calls the API on the same origin. 'unsafe-inline' and
// 'unsafe-eval' are not needed and not allowed.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

//go:embed index.html init.js swaggerui
var files embed.FS

// asset is one file served under /docs, with its validator computed once.
type asset struct {
	name        string
	contentType string
	body        []byte
	etag        string
}

// Mount serves the docs on r: the page at /docs, its files at /docs/NAME,
// and a redirect from / and /docs/ to the page. Other paths under /docs are
// left to r's NotFound handler, so they get the API's own 404.
// Path is where the documentation page is served.
const Path = "/docs"

func Mount(r chi.Router) {
	page := load("index.html")
	r.Get(Path, page.ServeHTTP)
	// Relative redirects keep a path prefix added by a proxy in front.
	r.Get("/", redirect("docs"))
	r.Get("/docs/", redirect("../docs"))
	r.Get("/docs/init.js", load("init.js").ServeHTTP)
	entries, err := fs.ReadDir(files, "swaggerui")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	for _, e := range entries {
		if path.Ext(e.Name()) != "" { // LICENSE and NOTICE travel with the copy, unserved
			r.Get("/docs/"+e.Name(), load("swaggerui/"+e.Name()).ServeHTTP)
		}
	}
}

func load(name string) *asset {
	body, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	sum := sha256.Sum256(body)
	return &asset{
		name:        path.Base(name),
		contentType: mime.TypeByExtension(path.Ext(name)),
		body:        body,
		etag:        `"` + hex.EncodeToString(sum[:16]) + `"`,
	}
}

// ServeHTTP serves the file with an ETag, so a reload revalidates (304)
// instead of downloading Swagger UI again, and never serves a stale copy
// after an upgrade.
func (a *asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setHeaders(h)
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}

func redirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		setHeaders(w.Header())
		// Not http.Redirect: it would turn the relative URL into an absolute path.
		w.Header().Set("Location", to)
		w.WriteHeader(http.StatusFound)
	}
}

// setHeaders sets what /docs adds to the headers every response carries
// (nosniff, set by the server's middleware).
func setHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
}
