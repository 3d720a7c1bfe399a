// Starts the real server binary for a test and finds the browser. `npm test`
// builds the binary once into out/bin/ before the tests run.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const serverBin = fileURLToPath(new URL("out/bin/server", import.meta.url));

/**
 * Starts `server --dev` on a free loopback port and resolves once it logs
 * that it listens. The caller must await stop(). args are more flags; a
 * second --addr replaces the first.
 * @param {string[]} [args]
 * @returns {Promise<{url: string, port: number, logs: object[], stop: () => Promise<void>}>}
 */
export async function startServer(args = []) {
  if (!existsSync(serverBin)) {
    throw new Error(`${serverBin} is missing: run the tests with 'npm test' (or 'make e2e'), which builds it`);
  }
  const proc = spawn(serverBin, ["--dev", "--addr", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  const logs = [];
  const addr = await new Promise((resolve, reject) => {
    proc.once("error", reject);
    exited.then((code) => reject(new Error(`server exited with ${code} before listening`)));
    createInterface({ input: proc.stdout }).on("line", (line) => {
      const entry = JSON.parse(line);
      logs.push(entry);
      if (entry.msg === "listening") resolve(entry.addr);
    });
  });
  return {
    url: `http://${addr}`,
    port: Number(addr.split(":").pop()),
    logs,
    async stop() {
      proc.kill("SIGTERM");
      const code = await exited;
      if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM`);
    },
  };
}

/** Debian's chromium package, or CHROMIUM if set; never a downloaded browser. */
export function chromiumPath() {
  const path = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(
      `no Chromium at ${path}: the browser test drives the system's Chromium, never a downloaded one.\n` +
        "  Debian/Ubuntu: sudo apt-get install -y chromium\n" +
        "  elsewhere: install Chromium and set CHROMIUM=/path/to/chromium",
    );
  }
  return path;
}
