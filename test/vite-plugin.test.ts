/**
 * symgrad/vite on a real Vite dev server: a model file imported with ?symgrad is generated on the server,
 * regenerated when it or a file it imports changes, and a broken model reports its own message. The virtual
 * MLP module (with input features) and probe modules are checked against a hand-written forward pass and
 * central finite differences.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, type ViteDevServer } from "vite";
import symgrad from "../generator/vite.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { createRng } from "../src/rng.ts";
import { modelInputs } from "../src/playground/features.ts";

const api = fileURLToPath(new URL("../generator/index.ts", import.meta.url));
let folder: string;
let server: ViteDevServer;

const modelFile = (width: string) => `
import { defineModel, mlp } from ${JSON.stringify(api)};
import { WIDTH } from "./width.ts";
export default defineModel({ name: "net", ...mlp({ layers: [2, ${width}, 1], activation: "tanh", output: "sigmoid", loss: "bce" }) });
`;

/** Loads the module afresh until check() accepts it (the watcher needs a moment to see an edit). */
async function loadUntil(url: string, check: (m: GeneratedModel) => boolean, what: string): Promise<GeneratedModel> {
  const start = Date.now();
  for (;;) {
    const module = (await server.ssrLoadModule(url)) as GeneratedModel;
    if (check(module)) return module;
    if (Date.now() - start > 20_000) throw new Error(`timed out waiting for ${what}; last MODEL: ${JSON.stringify(module.MODEL)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "symgrad-vite-"));
  writeFileSync(join(folder, "width.ts"), "export const WIDTH = 3;\n");
  writeFileSync(join(folder, "net.ts"), modelFile("WIDTH"));
  writeFileSync(join(folder, "broken.ts"), 'throw new Error("the broken model says hello");\n');
  server = await createServer({
    configFile: false,
    root: folder,
    logLevel: "silent",
    plugins: [symgrad()],
    server: { middlewareMode: true, fs: { allow: [folder, fileURLToPath(new URL("..", import.meta.url))] } },
  });
});

afterAll(async () => {
  await server?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe("symgrad/vite on the dev server", () => {
  it("serves the generated module of a ?symgrad import and regenerates it when the model or its imports change", async () => {
    const first = await loadUntil("/net.ts?symgrad", () => true, "the first module");
    expect(first.MODEL.name).toBe("net");
    expect(first.MODEL.params).toBe(3 * 3 + 4); // 2-3-1: 3·(2+1) + (3+1)
    const code = (await server.transformRequest("/net.ts?symgrad"))!.code;
    expect(code).toContain("export function lossAndGradient");
    expect(code).not.toMatch(/from ["'][^"']*generator/); // the browser gets generated code only

    // Browsers hear about changes on the client hot channel: record what it sends.
    const sent: string[] = [];
    const hot = server.environments.client.hot;
    const send = hot.send.bind(hot);
    hot.send = ((payload: { type: string }) => {
      sent.push(payload.type);
      send(payload as never);
    }) as typeof hot.send;

    writeFileSync(join(folder, "width.ts"), "export const WIDTH = 4;\n"); // an import of the model
    await loadUntil("/net.ts?symgrad", (m) => m.MODEL.params === 4 * 3 + 5, "the 2-4-1 module");
    const start = Date.now();
    while (!sent.some((t) => t === "update" || t === "full-reload") && Date.now() - start < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sent).toEqual(expect.arrayContaining([expect.stringMatching(/^(update|full-reload)$/)]));

    writeFileSync(join(folder, "net.ts"), modelFile("5")); // the model file itself
    await loadUntil("/net.ts?symgrad", (m) => m.MODEL.params === 5 * 3 + 6, "the 2-5-1 module");
    const edited = (await server.transformRequest("/net.ts?symgrad"))!.code;
    expect(edited).toContain("params: 21");
  });

  it("reports a model file's own error message, naming the file", async () => {
    await expect(server.transformRequest("/broken.ts?symgrad")).rejects.toThrow(/broken\.ts: the broken model says hello/);
  });

  it("reports a bad MLP spec in one line", async () => {
    await expect(server.transformRequest("virtual:symgrad/mlp?layers=2,4,1&activation=swish")).rejects.toThrow(
      /unknown activation "swish"/,
    );
    await expect(server.transformRequest("virtual:symgrad/mlp?layers=3,4,1&features=x1,x2,cube")).rejects.toThrow(/unknown feature\(s\) cube/);
  });
});

describe("virtual:symgrad/mlp with input features, and its probe", () => {
  const query = "layers=6,3,1&activation=tanh&output=sigmoid&loss=bce&features=x1,x2,x1sq,x1x2,sin_x2,cos_x1";
  let model: GeneratedModel;
  let probe: GeneratedModel;
  const rng = createRng("vite-plugin-test");
  const normal = (n: number, scale: number) => Float64Array.from({ length: n }, () => scale * rng.normal());

  beforeAll(async () => {
    model = (await server.ssrLoadModule(`virtual:symgrad/mlp?${query}`)) as GeneratedModel;
    probe = (await server.ssrLoadModule(`virtual:symgrad/mlp?${query}&probe`)) as GeneratedModel;
  });

  /** Hand-written forward pass: features, tanh layer (w1_j_i, b1_j), sigmoid output (w2_1_j, b2_1). */
  function reference(params: Float64Array, x1: number, x2: number): { hidden: number[]; p: number } {
    const byName = new Map(model.PARAM_NAMES.map((name, i) => [name, params[i]]));
    const features = [x1, x2, x1 * x1, x1 * x2, Math.sin(x2), Math.cos(x1)];
    const hidden = [1, 2, 3].map((j) => Math.tanh(features.reduce((s, f, i) => s + byName.get(`w1_${j}_${i + 1}`)! * f, byName.get(`b1_${j}`)!)));
    const z = hidden.reduce((s, h, j) => s + byName.get(`w2_1_${j + 1}`)! * h, byName.get("b2_1")!);
    return { hidden, p: 1 / (1 + Math.exp(-z)) };
  }

  it("reads x1 and x2 only (the features are computed inside), and predicts what a hand-written network does", () => {
    expect(model.INPUT_NAMES).toEqual(["x1", "x2"]);
    const params = normal(model.MODEL.params, 0.8);
    const points = normal(2 * 40, 1.5);
    const X = modelInputs(points, model.INPUT_NAMES);
    const out = new Float64Array(40);
    model.predict(params, X, out);
    const hiddenOut = new Float64Array(40 * 3);
    probe.predict(params, X, hiddenOut);
    for (let i = 0; i < 40; i++) {
      const { hidden, p } = reference(params, points[2 * i], points[2 * i + 1]);
      expect(Math.abs(out[i] - p)).toBeLessThan(1e-14);
      for (let j = 0; j < 3; j++) expect(Math.abs(hiddenOut[i * 3 + j] - hidden[j])).toBeLessThan(1e-14);
    }
    expect(probe.PARAM_NAMES).toEqual(model.PARAM_NAMES);
  });

  it("has a gradient that matches central finite differences, including saturated points", () => {
    const params = normal(model.MODEL.params, 0.8);
    const points = Float64Array.from([...normal(2 * 20, 1.5), 40, -40, 400, 3, -800, 2]);
    const n = points.length / 2;
    const X = modelInputs(points, model.INPUT_NAMES);
    const Y = Float64Array.from({ length: n }, (_, i) => i % 2);
    const grad = new Float64Array(params.length);
    model.lossAndGradient(params, X, Y, grad);
    expect(grad.every(Number.isFinite)).toBe(true);
    for (let k = 0; k < params.length; k++) {
      const h = 1e-6 * Math.max(1, Math.abs(params[k]));
      const plus = Float64Array.from(params);
      const minus = Float64Array.from(params);
      plus[k] += h;
      minus[k] -= h;
      const central = (model.loss(plus, X, Y) - model.loss(minus, X, Y)) / (2 * h);
      expect(Math.abs(grad[k] - central)).toBeLessThan(1e-6 * Math.max(1, Math.abs(central)));
    }
  });
});
