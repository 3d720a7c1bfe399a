package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/securityprovider"

	"example.com/tasks/gen"
	"example.com/tasks/impl/api"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/apikey" // option:apikey
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/store/sqlite"
	"example.com/tasks/impl/validator"
)

// The generated Go client (gen.NewClientWithResponses) with a bearer token.
// A real program points it at the server's URL plus the spec's /v1, e.g.
// "http://localhost:8080/v1"; here an in-process server stands in.
func Example_generatedClient() {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	doc, err := spec.Load()
	if err != nil {
		log.Fatal(err)
	}
	db, err := sqlite.OpenMemory(ctx, logger)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	basePath, err := spec.BasePath(doc)
	if err != nil {
		log.Fatal(err)
	}
	impl, err := api.New(db, basePath)
	if err != nil {
		log.Fatal(err)
	}
	schemes := []auth.SchemeFunc{auth.Bearer(statictoken.Dev(spec.Scopes(doc)))}
	schemes = append(schemes, apikey.Scheme(nil)) // option:apikey (no key is accepted)
	authn, err := auth.New(doc, schemes...)
	if err != nil {
		log.Fatal(err)
	}
	handler, err := httpapi.New(httpapi.Config{
		Logger:        logger,
		Spec:          doc,
		API:           impl,
		Authenticator: authn,
		Validator:     validator.New(doc, validator.DefaultMaxBodyBytes),
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()

	bearer, err := securityprovider.NewSecurityProviderBearerToken("dev-rw-token")
	if err != nil {
		log.Fatal(err)
	}
	client, err := gen.NewClientWithResponses(srv.URL+"/v1", gen.WithRequestEditorFn(bearer.Intercept))
	if err != nil {
		log.Fatal(err)
	}

	created, err := client.CreateTaskWithResponse(ctx, gen.CreateTaskJSONRequestBody{Title: "Try the Go client"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.StatusCode(), created.JSON201.Title, created.JSON201.Status)

	limit := gen.Limit(10)
	list, err := client.ListTasksWithResponse(ctx, &gen.ListTasksParams{Limit: &limit})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(list.StatusCode(), len(list.JSON200.Items))

	// Errors are typed too: each documented status has its own field.
	anonymous, err := gen.NewClientWithResponses(srv.URL + "/v1")
	if err != nil {
		log.Fatal(err)
	}
	denied, err := anonymous.ListTasksWithResponse(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(denied.StatusCode(), denied.ApplicationproblemJSON401.Code)
	// Output:
	// 201 Try the Go client todo
	// 200 1
	// 401 missing_credentials
}
