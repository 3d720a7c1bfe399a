// A typed Tasks API client in a few lines: `make generate` turns openapi.yaml
// into gen/openapi.d.ts with openapi-typescript, and openapi-fetch makes the
// calls. Every path, parameter, body and response below is checked by
// `tsc --strict` against the spec.
//
//	node out/ts/tasks.js http://localhost:8080 dev-rw-token
import createClient from "openapi-fetch";
import type { components, paths } from "../../gen/openapi.js";

type Problem = components["schemas"]["Problem"];
type Task = components["schemas"]["Task"];

const [server, token] = process.argv.slice(2);
if (!server || !token) {
  console.error("usage: node tasks.js SERVER_URL TOKEN");
  process.exit(2);
}
// The spec's servers entry is relative (/v1): the client adds it to the host.
const baseUrl = new URL("v1", server.endsWith("/") ? server : `${server}/`).href;

// Without a token: 401, and the body is a typed problem.
const anonymous = createClient<paths>({ baseUrl });
const denied = await anonymous.GET("/tasks", { params: { query: { limit: 10 } } });
const problem: Problem | undefined = denied.error;
// @ts-expect-error -- the problem is typed: a field the spec lacks does not compile.
void denied.error?.no_such_field;

// With a token: create a task, then list it back.
const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
const created = await client.POST("/tasks", { body: { title: "Typed from TypeScript" } });
if (created.error) {
  throw new Error(`create: ${created.response.status} ${created.error.code}: ${created.error.detail}`);
}
const task: Task = created.data;

// A JSON Merge Patch (RFC 7396): each member of the body has three states,
// all typed. Absent (title, status) leaves the field; a value sets it; null
// removes it (description only: the spec makes title and status non-nullable,
// so `{ title: null }` does not compile).
const withDescription = await client.PATCH("/tasks/{id}", {
  params: { path: { id: task.id }, header: { "If-Match": created.response.headers.get("ETag") ?? "*" } },
  body: { description: "set by a merge patch" },
  headers: { "Content-Type": "application/merge-patch+json" },
});
const cleared = await client.PATCH("/tasks/{id}", {
  params: { path: { id: task.id } },
  body: { description: null, status: "doing" },
  headers: { "Content-Type": "application/merge-patch+json" },
});
// @ts-expect-error -- title cannot be removed: null is not a title.
void (() => client.PATCH("/tasks/{id}", { params: { path: { id: task.id } }, body: { title: null } }));
if (withDescription.error || cleared.error) {
  throw new Error(`patch: ${withDescription.response.status} ${cleared.response.status}`);
}
const listed = await client.GET("/tasks", { params: { query: { limit: 10 } } });
if (listed.error) {
  throw new Error(`list: ${listed.response.status} ${listed.error.code}: ${listed.error.detail}`);
}

console.log(
  JSON.stringify({
    anonymous: { status: denied.response.status, code: problem?.code, title: problem?.title },
    created: { status: created.response.status, id: task.id, title: task.title },
    listed: { status: listed.response.status, titles: listed.data.items.map((t) => t.title) },
    patched: {
      set: withDescription.data.description ?? null,
      cleared: cleared.data.description ?? null,
      title: cleared.data.title,
      status: cleared.data.status,
    },
  }),
);
