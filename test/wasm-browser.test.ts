/**
 * A generated module with lossAndGradient's WebAssembly form in Chromium (Debian's, through
 * playwright-core; .ci/run installs it): on a page's main thread the module compiles its wasm
 * synchronously and gives Node's bits; on a page whose Content-Security-Policy lacks
 * 'wasm-unsafe-eval', Chromium refuses to compile it, the module falls back to its JavaScript loops, and
 * the bits are the same. The module is served as the plain JavaScript an app would ship.
 */
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { shippedJavaScript } from "./bench/cold-start.ts";
import { launchChromium, ROOT } from "./playground-browser.ts";
import { importJavaScriptLoops } from "./javascript-loops.ts";
import { rng, uniform } from "./helpers.ts";
import type { GeneratedModel } from "../src/contract.ts";

const MODEL = "mlp_2_64_64_1";
const moduleFile = join(ROOT, "generated", `${MODEL}.ts`);
const script = shippedJavaScript(readFileSync(moduleFile, "utf8"));

/** Pages: /open.html without a policy, /strict.html with `script-src 'self'` (no 'wasm-unsafe-eval'). */
function serve(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    if (path === "/module.js") return void response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    const policy = path === "/strict.html" ? { "content-security-policy": "script-src 'self'" } : {};
    if (path === "/open.html" || path === "/strict.html") return void response.writeHead(200, { "content-type": "text/html", ...policy }).end("<!doctype html><title>wasm</title>");
    response.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, server });
    }),
  );
}

/** Runs in the page: imports the module, runs lossAndGradient, returns BACKEND and the results' bits as hex. */
const PAGE_SCRIPT = `(async ({ params, X, Y }) => {
  const m = await import("/module.js");
  const grad = new Float64Array(params.length);
  const loss = m.lossAndGradient(Float64Array.from(params), Float64Array.from(X), Float64Array.from(Y), grad);
  const bits = (values) => Array.from(new BigUint64Array(Float64Array.from(values).buffer), (b) => b.toString(16));
  return { backend: m.BACKEND, bits: bits([loss, ...grad]) };
})(DATA)`;

const bitsOf = (values: readonly number[]) => Array.from(new BigUint64Array(Float64Array.from(values).buffer), (b) => b.toString(16));

let browser: { context: BrowserContext; close: () => Promise<void> };
let site: { url: string; server: Server };
beforeAll(async () => {
  browser = await launchChromium();
  site = await serve();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  site?.server.close();
});

describe(`generated/${MODEL}.ts in Chromium`, () => {
  const random = rng("wasm-browser");
  const rows = 300;
  const data = {
    params: Array.from({ length: 4417 }, () => uniform(random, -0.6, 0.6)),
    X: Array.from({ length: rows * 2 }, () => uniform(random, -3, 3)),
    Y: Array.from({ length: rows }, () => (random() < 0.5 ? 0 : 1)),
  };

  it.each([
    ["a page without a policy runs the WebAssembly form", "open.html", "webassembly"],
    ["a page whose policy refuses WebAssembly runs the JavaScript loops", "strict.html", "javascript"],
  ])("%s, with Node's bits", async (_, page, backend) => {
    const loops = await importJavaScriptLoops<GeneratedModel>(moduleFile);
    const grad = new Float64Array(data.params.length);
    const loss = loops.lossAndGradient(Float64Array.from(data.params), Float64Array.from(data.X), Float64Array.from(data.Y), grad);
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${site.url}/${page}`);
      // Page code as text: tsx compiles this file with esbuild's keepNames, whose __name helper the page lacks.
      const result = (await tab.evaluate(PAGE_SCRIPT.replace("DATA", JSON.stringify(data)))) as { backend: string; bits: string[] };
      expect(result.backend).toBe(backend);
      expect(result.bits).toEqual(bitsOf([loss, ...grad]));
    } finally {
      await tab.close();
    }
  }, 60_000);
});
