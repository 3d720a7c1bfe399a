// Swagger UI at /docs, driven in Debian's Chromium the way a person uses it:
// open the page, find the operations, try a secured call without and with a
// token. The browser may talk to the server under test and nothing else.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { chromiumPath, startServer } from "./server.mjs";

const outDir = fileURLToPath(new URL("out/screenshots/", import.meta.url));
const token = "dev-ro-token"; // the read scopes, what GET /v1/tasks requires

// Flags that keep Chromium from calling Google's services on its own and
// let it run as root in a container.
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-proxy-server",
];

let server;
before(async () => {
  chromiumPath(); // fail first, with the install hint, if there is no browser
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

describe("Swagger UI at /docs", () => {
  test("on 127.0.0.1", async (t) => {
    await docsFlow(t, { label: "loopback", origin: server.url, args: [] });
  });

  // Swagger UI and Chromium treat localhost and 127.0.0.1 as a secure
  // context; a real deployment is reached by a name that is not.
  test("on a non-loopback host name", async (t) => {
    const host = "tasks.example.test";
    await docsFlow(t, {
      label: "hostname",
      origin: `http://${host}:${server.port}`,
      args: [`--host-resolver-rules=MAP ${host} 127.0.0.1`],
    });
  });
});

async function docsFlow(t, { label, origin, args }) {
  const shots = join(outDir, label);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  // launch() gives the browser a fresh profile in a temporary folder.
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs, ...args] });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  // Every request the page makes, and every one that left for another host.
  const requests = [];
  const foreign = [];
  const jsErrors = [];
  const expectedStatus = new Map(); // url → the 4xx the flow expects from it
  context.on("request", (req) => {
    const entry = { method: req.method(), url: req.url(), authorization: req.headers().authorization ?? null, status: null };
    requests.push(entry);
    req.response().then((resp) => (entry.status = resp ? resp.status() : `failed: ${req.failure()?.errorText}`));
  });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin !== origin) {
      foreign.push(url);
      return route.abort("blockedbyclient");
    }
    return route.continue();
  });
  page.on("pageerror", (err) => jsErrors.push(`uncaught: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    // Chromium logs every 4xx response as an error; the API calls are
    // checked below, so only a status the flow did not expect counts.
    const failed = /^Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text());
    // Keyed by URL without its query: "Try it out" adds the parameters' examples.
    if (failed && expectedStatus.get(msg.location().url.split("?")[0]) === Number(failed[1])) return;
    jsErrors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.setDefaultTimeout(10_000);
  let step = 0;
  const shot = (name) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${name}.png`) });

  // 1. / sends the browser to /docs, which loads the spec and lists the operations.
  const resp = await page.goto(`${origin}/`);
  assert.equal(page.url(), `${origin}/docs`);
  assert.equal(resp.status(), 200);
  assert.equal(resp.request().redirectedFrom()?.url(), `${origin}/`);
  await page.locator(".opblock").first().waitFor();
  const { title, operations } = await specOperations();
  assert.equal(await page.locator(".info .title").first().innerText().then((s) => s.split("\n")[0].trim()), title);
  for (const op of operations) {
    const block = page.locator(`#${op.id}`);
    await block.waitFor();
    assert.equal(await block.locator(".opblock-summary .authorization__btn").count(), op.secured ? 1 : 0, `${op.id}: lock icon`);
  }
  assert.equal(await page.locator(".opblock").count(), operations.length);
  await shot("docs");

  // 2. Each secured operation shows the 401 (and 403) responses it documents.
  for (const op of operations) {
    assert.equal(op.errors.includes("401"), op.secured, `${op.id}: the spec documents 401 exactly when it is secured`);
    const block = page.locator(`#${op.id}`);
    await block.locator(".opblock-summary-control").click();
    for (const code of op.errors) {
      await block.locator(`.responses-table tr.response[data-code="${code}"]`).waitFor();
    }
    await block.locator(".opblock-summary-control").click(); // collapse it again
  }

  // 3. GET /v1/tasks tried without a token: the UI shows the 401 and its problem body.
  const listTasks = page.locator(`#${operations.find((op) => op.method === "get" && op.path === "/tasks").id}`);
  await listTasks.locator(".opblock-summary-control").click();
  await listTasks.locator("button.try-out__btn").click();
  expectedStatus.set(`${origin}/v1/tasks`, 401);
  const anonymous = await execute(page, listTasks, origin);
  assert.equal(anonymous.status, 401, `${anonymous.url} → ${anonymous.body}`);
  assert.deepEqual(anonymous.authorization, [], "the anonymous call carried an Authorization header");
  await expectLiveResponse(listTasks, "401", "missing_credentials");
  await shot("unauthorized");

  // 4. Authorize with the bearer token; the same call now succeeds.
  await page.locator(".scheme-container button.authorize").click();
  const bearer = page.locator(".auth-container", { has: page.locator("h4", { hasText: "(http, Bearer)" }) });
  await bearer.locator("#auth-bearer-value").fill(token);
  await shot("authorize-dialog");
  await bearer.locator("button.authorize").click();
  await bearer.locator("h6", { hasText: "Authorized" }).waitFor();
  await bearer.locator("button.btn-done").click();
  const authorized = await execute(page, listTasks, origin);
  assert.deepEqual(authorized.authorization, [`Bearer ${token}`]);
  assert.equal(authorized.status, 200, `${authorized.url} → ${authorized.body}`);
  await expectLiveResponse(listTasks, "200", '"items"');
  await shot("authorized");

  // The request list, repeats counted (Chromium asks for the favicon again
  // on every same-page navigation, which deep linking makes on each click).
  const lines = new Map();
  for (const r of requests) {
    const line = `${r.method} ${r.url} → ${r.status}${r.authorization ? ` (Authorization: ${r.authorization})` : ""}`;
    lines.set(line, (lines.get(line) ?? 0) + 1);
  }
  t.diagnostic(`${label}: ${requests.length} requests`);
  for (const [line, n] of lines) t.diagnostic(`  ${n > 1 ? `${n}× ` : ""}${line}`);
  assert.deepEqual(foreign, [], "requests to another host");
  assert.deepEqual(jsErrors, [], "JavaScript errors");
  assert.ok(requests.every((r) => r.status !== null && typeof r.status === "number" && r.status < 500), "a request failed");
}

// specOperations reads the spec the server serves: its title, and its
// operations with the element id Swagger UI gives each and whether it is
// secured.
async function specOperations() {
  const spec = await (await fetch(`${server.url}/openapi.json`)).json();
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "put", "post", "delete", "options", "head", "patch", "trace"].includes(method)) continue;
      const security = op.security ?? spec.security ?? [];
      const errors = Object.keys(op.responses).filter((code) => code === "401" || code === "403");
      ops.push({ path, method, id: `operations-${op.tags[0]}-${op.operationId}`, secured: security.length > 0, errors });
    }
  }
  return { title: spec.info.title, operations: ops };
}

// execute clicks Execute and returns the API call it made.
async function execute(page, block, origin) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${origin}/v1/tasks`) && r.request().method() === "GET"),
    block.locator("button.execute").click(),
  ]);
  const headers = await resp.request().headersArray();
  return {
    url: resp.url(),
    body: await resp.text(),
    status: resp.status(),
    authorization: headers.filter((h) => h.name.toLowerCase() === "authorization").map((h) => h.value),
  };
}

async function expectLiveResponse(block, status, bodyHas) {
  const live = block.locator(".live-responses-table .response").first();
  await live.locator(".response-col_status", { hasText: status }).waitFor();
  const body = await live.locator(".response-col_description").innerText();
  assert.ok(body.includes(bodyHas), `live response body lacks ${bodyHas}: ${body}`);
}
