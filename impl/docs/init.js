// Swagger UI's settings. They live in this file rather than in an inline
// <script> so that the page's Content-Security-Policy can allow scripts from
// the server's own origin only.
window.ui = SwaggerUIBundle({
  // Relative to /docs: the spec comes from the server that served this page,
  // and the spec's relative `servers` URL then resolves against it too.
  url: "openapi.json",
  dom_id: "#swagger-ui",
  // The validator badge would send the spec to a third-party service.
  validatorUrl: null,
  deepLinking: true,
  // Show the model of each schema and the request duration; keep tokens in
  // memory only (persistAuthorization would store them in localStorage).
  defaultModelsExpandDepth: 1,
  displayRequestDuration: true,
  persistAuthorization: false,
});
