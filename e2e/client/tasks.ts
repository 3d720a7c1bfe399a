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
const listed = await client.GET("/tasks", { params: { query: { limit: 10 } } });
if (listed.error) {
  throw new Error(`list: ${listed.response.status} ${listed.error.code}: ${listed.error.detail}`);
}

console.log(
  JSON.stringify({
    anonymous: { status: denied.response.status, code: problem?.code, title: problem?.title },
    created: { status: created.response.status, id: task.id, title: task.title },
    listed: { status: listed.response.status, titles: listed.data.items.map((t) => t.title) },
  }),
);
