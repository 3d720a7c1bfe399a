// A client that sends a large body the server refuses before reading it
// (413 for its size, 401 without a token) reads the answer, not a
// connection reset: the server drains the body, within bounds, before it
// closes (impl/httpapi/linger.go). Node's client is the one that reported
// "write ECONNRESET" here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startServer } from "./server.mjs";

const MiB = 1 << 20;

/** POSTs size bytes of JSON-looking filler in 64 KiB writes; resolves with the status and body. */
function post(url, size, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "Content-Type": "application/json", "Content-Length": size, ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    const chunk = Buffer.alloc(64 * 1024, " ");
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

test("a large body refused before it is read gets its answer, never a reset", async (t) => {
  const server = await startServer();
  t.after(() => server.stop());
  const collection = `${server.url}/v1/tasks`;
  // Several at once, as a busy client sends them: the reset was a race
  // between the server's close and the client's reading.
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      i % 2 === 0 ? post(collection, 6 * MiB, { Authorization: "Bearer dev-rw-token" }) : post(collection, 3 * MiB, {}),
    ),
  );
  answers.forEach((a, i) => {
    assert.equal(a.status, i % 2 === 0 ? 413 : 401, a.body);
    assert.equal(a.type, "application/problem+json");
  });
});
