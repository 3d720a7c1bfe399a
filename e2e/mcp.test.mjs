// An AI agent's view of the server: the official MCP TypeScript SDK's
// client against the real binary started with --mcp. The tools are the
// spec's operations; what they create, the REST API serves; /mcp answers
// 401 and 403 as the MCP authorization spec asks, naming its RFC 9728
// metadata. The dev tokens are the README's (make run).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startServer } from "./server.mjs";

/** A free loopback port, so that --public-url can name it before start. */
async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** An SDK client connected to url with the bearer token. */
async function connect(url, token) {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** One JSON-RPC POST to /mcp, as a client library sends it. */
function post(url, token, message) {
  const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(new URL("/mcp", url), { method: "POST", headers, body: JSON.stringify(message) });
}

test("MCP: the TypeScript SDK lists the spec's operations as tools, creates, reads and lists through them; 401 and 403 name the metadata", async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startServer(["--mcp", "--addr", `127.0.0.1:${port}`, "--public-url", origin]);
  t.after(() => server.stop());
  const spec = await (await fetch(new URL("/openapi.json", server.url))).json();
  const base = new URL(spec.servers[0].url, server.url).pathname;
  const metadata = `${origin}/.well-known/oauth-protected-resource/mcp`;

  const rw = await connect(server.url, "dev-rw-token");
  t.after(() => rw.close());
  const { tools } = await rw.listTools();
  const operationIds = Object.values(spec.paths).flatMap((item) => Object.values(item).map((op) => op.operationId)).filter(Boolean);
  assert.deepEqual(tools.map((x) => x.name).sort(), operationIds.sort());
  t.diagnostic(`tools: ${tools.map((x) => x.name).join(", ")}`);
  const create = tools.find((x) => x.name === "createTask");
  assert.equal(create.inputSchema.type, "object");
  assert.equal(create.outputSchema.type, "object");
  assert.equal(tools.find((x) => x.name === "listTasks").annotations.readOnlyHint, true);
  assert.equal(tools.find((x) => x.name === "deleteTask").annotations.destructiveHint, true);

  // The client checks every structured result against the tool's outputSchema.
  const created = await rw.callTool({ name: "createTask", arguments: { body: { title: "Made by an agent" } } });
  assert.equal(created.isError, undefined);
  const task = created.structuredContent;
  assert.equal(task.title, "Made by an agent");
  t.diagnostic(`createTask → ${JSON.stringify(task)} _meta ${JSON.stringify(created._meta)}`);
  const read = await rw.callTool({ name: "getTask", arguments: { id: task.id } });
  assert.equal(read.structuredContent.id, task.id);
  const listed = await rw.callTool({ name: "listTasks", arguments: { limit: 10 } });
  assert.deepEqual(listed.structuredContent.items.map((x) => x.id), [task.id]);
  t.diagnostic(`listTasks → ${listed.content[0].text.trim()}`);

  // A 4xx is a tool result with the API's problem, for the model to read.
  const bad = await rw.callTool({ name: "getTask", arguments: { id: "not-a-uuid" } });
  assert.equal(bad.isError, true);
  assert.equal(JSON.parse(bad.content[0].text).code, "validation_failed");

  // REST serves what the tool created.
  const rest = await fetch(new URL(`${base}/tasks/${task.id}`, server.url), { headers: { Authorization: "Bearer dev-rw-token" } });
  assert.equal(rest.status, 200);
  assert.equal((await rest.json()).title, "Made by an agent");

  // No token: 401, and the challenge names /mcp's RFC 9728 metadata.
  const anonymous = await post(server.url, "", { jsonrpc: "2.0", id: 1, method: "tools/list" });
  assert.equal(anonymous.status, 401);
  const challenge401 = anonymous.headers.get("www-authenticate");
  assert.match(challenge401, /^Bearer realm="[^"]+", resource_metadata="([^"]+)"$/);
  assert.ok(challenge401.includes(`resource_metadata="${metadata}"`), challenge401);
  t.diagnostic(`no token → ${anonymous.status} WWW-Authenticate: ${challenge401}`);
  const doc = await (await fetch(metadata)).json();
  assert.equal(doc.resource, `${origin}/mcp`);
  await assert.rejects(connect(server.url, "not-a-token"));

  // A read-only token writing: 403 insufficient_scope with the operation's scope.
  const ro = await connect(server.url, "dev-ro-token");
  t.after(() => ro.close());
  assert.equal((await ro.callTool({ name: "listTasks", arguments: {} })).isError, undefined);
  await assert.rejects(ro.callTool({ name: "createTask", arguments: { body: { title: "refused" } } }), /403/);
  const forbidden = await post(server.url, "dev-ro-token", {
    jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "createTask", arguments: { body: { title: "refused" } } },
  });
  assert.equal(forbidden.status, 403);
  const challenge403 = forbidden.headers.get("www-authenticate");
  const needed = spec.paths["/tasks"].post.security.flatMap((req) => Object.values(req).flat());
  assert.match(challenge403, /error="insufficient_scope"/);
  assert.ok(challenge403.includes(`scope="${needed.join(" ")}"`), challenge403);
  assert.ok(challenge403.includes(`resource_metadata="${metadata}"`), challenge403);
  t.diagnostic(`read-only token writes → ${forbidden.status} WWW-Authenticate: ${challenge403}`);
});
