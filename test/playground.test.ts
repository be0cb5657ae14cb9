/**
 * The playground in a real browser: builds the static site, serves it on 127.0.0.1, and drives Debian's
 * Chromium with playwright-core. Screenshots go to out/playground-*.png. Needs /usr/bin/chromium
 * (apt-get install -y chromium; .ci/run installs it): without it these tests fail, they never skip.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { BrowserContext, Page } from "playwright-core";
import { createServer } from "vite";
import symgrad from "../generator/vite.ts";
import * as seed from "../generated/seed.ts";
import * as mlp2 from "../generated/mlp_2_16_16_1.ts";
import { clusters } from "../src/data.ts";
import { randomParams } from "../src/init.ts";
import { ROOT as root, SITE as site, buildSite, launchChromium, serveSite } from "./playground-browser.ts";

let server: Server;
let baseUrl: string;
let context: BrowserContext;
let closeBrowser: () => Promise<void>;

/** A page with every console error and uncaught exception (page and workers) collected. */
async function openPage(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  page.on("worker", (w) => w.on("console", (m) => m.type() === "error" && errors.push(`worker console: ${m.text()}`)));
  await page.goto(`${baseUrl}/${query}`);
  return { page, errors };
}

const readout = async (page: Page, id: string) => (await page.getByTestId(id).textContent()) ?? "";
const number = async (page: Page, id: string) => Number(await readout(page, id));

/** Polls until check() holds (or the time runs out); returns how long it took in ms. */
async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

beforeAll(async () => {
  await buildSite();
  ({ server, url: baseUrl } = await serveSite());
  ({ context, close: closeBrowser } = await launchChromium());
  mkdirSync(join(root, "out"), { recursive: true });
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  server?.close();
});

describe("playground in Chromium", () => {
  it("seed on clusters with gd at lr 0.5: accuracy ≥ 0.99 within 10 s, loss falls, pause holds, reset restarts", async () => {
    const { page, errors } = await openPage("?model=seed&data=clusters&optimizer=gd&lr=0.5&split=100");
    await waitUntil(async () => (await readout(page, "loss")) !== "", 10_000, "the first snapshot");
    const initialLoss = await number(page, "loss");
    // Same data and initial parameters as npm run train with seed 42 (split 100 trains on every row).
    const expected = seed.loss(randomParams(seed.PARAM_NAMES, "42/init"), clusters({ seed: "42" }).X, clusters({ seed: "42" }).Y);
    expect(initialLoss).toBeCloseTo(expected, 5);
    expect(await number(page, "epoch")).toBe(0);

    await page.getByTestId("start").click();
    const took = await waitUntil(async () => (await number(page, "accuracy")) >= 0.99, 10_000, "accuracy ≥ 0.99");
    await page.waitForTimeout(1500);
    const eps = await number(page, "epochs-per-second");
    const fps = await number(page, "fps");
    expect(await number(page, "loss")).toBeLessThan(initialLoss);
    expect(eps).toBeGreaterThan(0);
    console.log(`seed/clusters: accuracy ≥ 0.99 after ${took} ms; ${eps} epochs/s; ${fps} frames/s while training`);
    await page.screenshot({ path: join(root, "out/playground-seed.png") });

    await page.getByTestId("start").click(); // pause
    await waitUntil(async () => (await readout(page, "start")) === "Start", 2000, "the pause");
    const pausedAt = await number(page, "epoch");
    await page.waitForTimeout(600);
    expect(await number(page, "epoch")).toBe(pausedAt);

    await page.getByTestId("step").click();
    await waitUntil(async () => (await number(page, "epoch")) === pausedAt + 1, 2000, "one more epoch");

    await page.getByTestId("reset").click();
    await waitUntil(async () => (await number(page, "epoch")) === 0, 2000, "epoch 0 after reset");
    expect(await number(page, "loss")).toBe(initialLoss);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lbfgs on the seed: full batch said on the page, accuracy ≥ 0.99 within a few seconds, then it stops by itself and says why", async () => {
    const { page, errors } = await openPage("?model=seed&data=clusters&optimizer=lbfgs&batch=20&split=100");
    await waitUntil(async () => (await readout(page, "loss")) !== "", 10_000, "the first snapshot");
    expect(await page.getByTestId("optimizer").inputValue()).toBe("lbfgs");
    expect(await page.getByTestId("batch").isDisabled()).toBe(true);
    expect(await page.getByTestId("batch").inputValue()).toBe("0");
    expect(await page.getByTestId("lr").isDisabled()).toBe(true);
    expect(page.url()).toContain("batch=0");
    await page.getByTestId("start").click();
    const took = await waitUntil(async () => (await number(page, "accuracy")) >= 0.99, 5_000, "lbfgs accuracy ≥ 0.99");
    await waitUntil(async () => (await readout(page, "status")).startsWith("lbfgs stopped: "), 10_000, "lbfgs to stop by itself");
    expect(await readout(page, "start")).toBe("Start");
    // A normal stop is information, not an error: the status line is not shown in red.
    expect(await page.getByTestId("status").evaluate((el) => getComputedStyle(el).color)).not.toBe("rgb(187, 0, 0)");
    const iterations = await number(page, "epoch");
    console.log(`seed/lbfgs: accuracy ≥ 0.99 after ${took} ms; stopped after ${iterations} iterations: ${await readout(page, "status")}`);
    expect(iterations).toBeLessThan(200);
    await page.screenshot({ path: join(root, "out/playground-lbfgs.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("newton is offered only for modules with hessianVectorProduct; a link asking for it elsewhere runs lbfgs and says so", async () => {
    const { page, errors } = await openPage("?model=seed&data=clusters&optimizer=newton&split=100");
    await waitUntil(async () => (await readout(page, "loss")) !== "", 10_000, "the first snapshot");
    expect(await page.getByTestId("optimizer").inputValue()).toBe("newton");
    await page.getByTestId("start").click();
    await waitUntil(async () => (await number(page, "accuracy")) >= 0.99, 5_000, "newton accuracy ≥ 0.99");
    await page.getByTestId("model").selectOption("mlp_2_16_16_1");
    await waitUntil(async () => (await page.locator("#source-summary").textContent())!.includes("mlp_2_16_16_1"), 10_000, "mlp_2_16_16_1");
    const hasHvp = "hessianVectorProduct" in mlp2;
    expect(await page.locator('[data-testid="optimizer"] option[value="newton"]').isDisabled()).toBe(!hasHvp);
    if (!hasHvp) {
      expect(await page.getByTestId("optimizer").inputValue()).toBe("lbfgs");
      expect(await readout(page, "status")).toContain("newton needs the module's hessianVectorProduct, which mlp_2_16_16_1 does not export: using lbfgs");
      expect(page.url()).toContain("optimizer=lbfgs");
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("switching to softmax_2_8_3 trains three clusters to ≥ 0.9 accuracy", async () => {
    const { page, errors } = await openPage("?model=seed&data=clusters&optimizer=gd&lr=0.5");
    await waitUntil(async () => (await readout(page, "loss")) !== "", 10_000, "the first snapshot");
    await page.getByTestId("model").selectOption("softmax_2_8_3");
    await waitUntil(async () => (await page.getByTestId("dataset").inputValue()) === "three-clusters", 10_000, "three-clusters");
    expect(page.url()).toContain("model=softmax_2_8_3");
    await page.getByTestId("start").click();
    await waitUntil(async () => (await number(page, "accuracy")) >= 0.9, 15_000, "accuracy ≥ 0.9");
    await page.waitForTimeout(1000);
    await page.getByTestId("source").locator("summary").click();
    await waitUntil(async () => (await readout(page, "source")).includes("export function lossAndGradient"), 10_000, "the generated source");
    await page.screenshot({ path: join(root, "out/playground-softmax.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the state in the URL reproduces a run: mini-batch adam with L2 on moons, discretized, test data hidden", async () => {
    const query = "?model=mlp_2_16_1&data=moons&optimizer=adam&lr=0.02&batch=20&seed=7&split=70&l2=0.001&discretize=1&test=0";
    const first = await openPage(query);
    await waitUntil(async () => (await readout(first.page, "loss")) !== "", 10_000, "the first snapshot");
    const loss = await readout(first.page, "loss");
    expect(await first.page.getByTestId("optimizer").inputValue()).toBe("adam");
    expect(await first.page.getByTestId("batch").inputValue()).toBe("20");
    expect(await first.page.getByTestId("show-test").isChecked()).toBe(false);
    await first.page.getByTestId("start").click();
    await waitUntil(async () => (await number(first.page, "accuracy")) >= 0.95, 15_000, "moons accuracy ≥ 0.95");
    await first.page.screenshot({ path: join(root, "out/playground-moons.png"), fullPage: true });
    const second = await openPage(query);
    await waitUntil(async () => (await readout(second.page, "loss")) !== "", 10_000, "the first snapshot");
    expect(await readout(second.page, "loss")).toBe(loss);
    expect([...first.errors, ...second.errors]).toEqual([]);
    await first.page.close();
    await second.page.close();
  });

  it("regression: the 2-16-1 network fits the wave data (R² readout), points and surface on one value scale", async () => {
    const { page, errors } = await openPage("?model=regression_2_16_1&data=wave&optimizer=adam&lr=0.02&split=80");
    await waitUntil(async () => (await readout(page, "loss")) !== "", 10_000, "the first snapshot");
    expect(await readout(page, "accuracy")).toBe(""); // no accuracy for regression
    await page.getByTestId("start").click();
    await waitUntil(async () => (await number(page, "r2")) >= 0.9, 20_000, "R² ≥ 0.9");
    await page.getByTestId("start").click();
    await page.screenshot({ path: join(root, "out/playground-regression.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the dev server generates a custom MLP on input features on request, with its hidden units", async () => {
    const dev = await createServer({ configFile: join(root, "src/playground/vite.config.ts"), logLevel: "warn", server: { host: "127.0.0.1", port: 0 } });
    await dev.listen();
    try {
      const address = dev.httpServer!.address();
      const devUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.goto(`${devUrl}/?model=custom&hidden=5&activation=tanh&features=x1,x2,x1sq,x2sq&data=circles&optimizer=adam&lr=0.05`);
      await waitUntil(async () => (await readout(page, "loss")) !== "", 60_000, "the generated custom model");
      expect(await page.locator("#neurons canvas").count()).toBe(5);
      await page.getByTestId("start").click();
      await waitUntil(async () => (await number(page, "accuracy")) >= 0.95, 20_000, "circles accuracy ≥ 0.95");
      await page.getByTestId("source").locator("summary").click();
      await waitUntil(async () => (await readout(page, "source")).includes("mlp_4_5_1_tanh_sigmoid_bce_on_x1_x2_x1sq_x2sq"), 30_000, "the custom model's source");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await dev.close();
    }
  });

  it("a model file that throws shows its own message in Vite's error overlay", async () => {
    const folder = mkdtempSync(join(tmpdir(), "symgrad-overlay-"));
    writeFileSync(join(folder, "broken.ts"), 'throw new Error("the broken model says hello");\n');
    writeFileSync(join(folder, "index.html"), '<!doctype html><script type="module">import * as m from "./broken.ts?symgrad"; console.log(m);</script>');
    const dev = await createServer({ configFile: false, root: folder, logLevel: "silent", plugins: [symgrad()], server: { host: "127.0.0.1", port: 0 } });
    await dev.listen();
    try {
      const address = dev.httpServer!.address();
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`);
      const overlay = page.locator("vite-error-overlay");
      await waitUntil(async () => (await overlay.count()) > 0, 30_000, "Vite's error overlay");
      const text = await overlay.evaluate((element) => element.shadowRoot?.textContent ?? "");
      expect(text).toContain("broken.ts: the broken model says hello");
      await page.close();
    } finally {
      await dev.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("the built bundle holds no generator, ts-morph or prettier code, and the page without the wide model is small", () => {
    const assets = readdirSync(join(site, "assets"));
    // Text only the generator, ts-morph or prettier contain (error messages survive minification).
    const markers = ["collides with a name the generated module uses", "mlp: layers must be", "ts-morph", "prettier", "SyntaxKind", "rewriteBottomUp"];
    for (const file of assets) {
      const text = readFileSync(join(site, "assets", file), "utf8");
      for (const marker of markers) expect(`${file}: ${text.includes(marker)}`).toBe(`${file}: false`);
    }
    const gzipped = assets
      .filter((f) => !f.includes("mlp_2_64_64_1"))
      .reduce((sum, f) => sum + gzipSync(readFileSync(join(site, "assets", f))).length, gzipSync(readFileSync(join(site, "index.html"))).length);
    console.log(`bundle without the wide model: ${(gzipped / 1024).toFixed(1)} KB gzipped (${assets.length} assets)`);
    // 200 KB until lossAndGradient's WebAssembly form shipped: each σ + BCE MLP module the page trains
    // (and its source view) now carries a ~6 KB wasm module as base64, 203.4 KB in all.
    expect(gzipped).toBeLessThanOrEqual(210 * 1024);
  });
});
