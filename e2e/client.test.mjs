// The TypeScript example (client/tasks.ts), compiled by `tsc --strict`
// against gen/openapi.d.ts, run against the real server.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "node:test";
import { startServer } from "./server.mjs";

const program = fileURLToPath(new URL("out/ts/tasks.js", import.meta.url));

test("TypeScript client: 401 with a typed problem, then 201, 200 and merge patches with typed bodies", async (t) => {
  const server = await startServer();
  t.after(() => server.stop());
  const { stdout } = await promisify(execFile)(process.execPath, [program, server.url, "dev-rw-token"]);
  const got = JSON.parse(stdout);
  assert.deepEqual(got.anonymous, { status: 401, code: "missing_credentials", title: "Unauthorized" });
  assert.equal(got.created.status, 201);
  assert.equal(got.created.title, "Typed from TypeScript");
  assert.match(got.created.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(got.listed, { status: 200, titles: ["Typed from TypeScript"] });
  // A merge patch's value sets a field, null removes it, absent leaves it.
  assert.deepEqual(got.patched, { set: "set by a merge patch", cleared: null, title: "Typed from TypeScript", status: "doing" });
});
