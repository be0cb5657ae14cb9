/**
 * Layer plans (nn/layers.ts) of models that are stacks of dense layers but not in the plainest form:
 * - a linear last layer whose sums are short enough (≤ 16 terms) for the constructors to flatten them
 *   into the loss: (z − y)² holds add(w·a…, b, −y), not z; the plan reads such a sum as h + the rest;
 * - a first layer that reads features (x1², sin x2, …: expressions of the model's inputs alone), as the
 *   playground's custom MLPs and a user's dense() on engineered inputs do; the loops compute them per
 *   sample into the first layer's input buffer.
 * Both used to lose their plan and be emitted unrolled. Oracles: the unrolled module of the same model
 * (scalar gradient and H·v, no loops), central differences of the loss, for H·v central differences of
 * the gradient along v, and where the loop module has one (≤ HESSIAN_MAX_PARAMS), its dense Hessian.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileModel, HESSIAN_MAX_PARAMS, LOOP_MIN_WIDTH } from "../generator/compile.ts";
import { formatTypeScript } from "../generator/emit/format.ts";
import { emitModule } from "../generator/emit/module.ts";
import { add, cos, defineModel, dense, mlp, mul, sigmoid, sin, sub, symbols, type ModelDefinition } from "../generator/index.ts";
import { planLayers } from "../generator/nn/layers.ts";
import { mlpModel } from "../generator/vite-models.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { centralDifference, relativeError, rng, uniform } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "symgrad-layer-plans-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(compiled: ReturnType<typeof compileModel>, file: string): Promise<GeneratedModel> {
  const path = join(dir, `${file}.ts`);
  writeFileSync(path, await formatTypeScript(emitModule(compiled)));
  return (await import(path)) as GeneratedModel;
}

/** Two outputs, each a linear unit over 5 hidden units, and a loss that also adds a target-only term. */
function twoLinearOutputs(): ModelDefinition {
  const [x1, x2, x3, y1, y2] = symbols("x1 x2 x3 y1 y2");
  const hidden = dense([x1, x2, x3], 5, { layer: 1, activation: "tanh" });
  const out = dense(hidden.outputs, 2, { layer: 2, activation: "linear" });
  const [o1, o2] = out.outputs;
  const loss = add(mul(sub(o1, y1), sub(o1, y1)), mul(sub(o2, y2), sub(o2, y2)), mul(0.5, y1));
  return defineModel({
    name: "two_linear_outputs", inputs: [x1, x2, x3], targets: [y1, y2], params: [...hidden.params, ...out.params], outputs: out.outputs, loss,
    layers: [hidden, out],
  });
}

/** dense() on engineered inputs: x1², x1·x2, sin x2, cos x1 and x2 itself, then 16 tanh units and a sigmoid. */
function denseOnFeatures(): ModelDefinition {
  const [x1, x2, y] = symbols("x1 x2 y");
  const hidden = dense([mul(x1, x1), mul(x1, x2), sin(x2), cos(x1), x2], 16, { layer: 1, activation: "tanh" });
  const out = dense(hidden.outputs, 1, { layer: 2, activation: "linear" });
  const p = sigmoid(out.outputs[0]);
  const loss = mul(sub(p, y), sub(p, y));
  return defineModel({ name: "dense_on_features", inputs: [x1, x2], targets: [y], params: [...hidden.params, ...out.params], outputs: [p], loss, layers: [hidden, out] });
}

const CASES: [string, () => ModelDefinition][] = [
  ["2-32-8-1 regression (mlp, mse: the last layer's sums flattened)", () => defineModel({ name: "regression_2_32_8_1", ...mlp({ layers: [2, 32, 8, 1], activation: "tanh", output: "linear", loss: "mse" }) })],
  ["3-5-2 with two linear outputs (dense, flattened)", twoLinearOutputs],
  ["playground MLP 7-16-1 on x1, x2, x1², x2², x1·x2, sin x1, sin x2", () =>
    mlpModel({ layers: [7, 16, 1], activation: "tanh", output: "sigmoid", loss: "bce", features: ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin_x1", "sin_x2"] })],
  ["dense() on x1², x1·x2, sin x2, cos x1, x2", denseOnFeatures],
];

const maxAbs = (a: Float64Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 1e-300);

describe.each(CASES)("%s", (name, build) => {
  const model = build();

  it("has a layer plan, and is emitted as loops by default when a layer is wide", () => {
    const plan = planLayers(model);
    expect("reason" in plan ? plan.reason : "planned").toBe("planned");
    const wide = !("reason" in plan) && plan.layers.some((l) => l.z.length >= LOOP_MIN_WIDTH);
    expect(compileModel(model).strategy).toBe(wide ? "loops" : "unrolled");
  });

  it("as loops, agrees with its unrolled module and with central differences (loss, gradient, predict, H·v)", async () => {
    const looped = await load(compileModel(model, "loops"), `${model.name}_loops`);
    const unrolled = await load(compileModel(model, "unrolled"), `${model.name}_unrolled`);
    const P = model.params.length, D = model.inputs.length, T = model.targets.length, K = model.outputs.length;
    for (const scale of [1, 30]) {
      const random = rng(`${name}/${scale}`);
      const n = 37;
      const params = Float64Array.from({ length: P }, () => (uniform(random, -1, 1) * scale) / Math.sqrt(D + 4));
      const X = Float64Array.from({ length: n * D }, () => uniform(random, -2, 2));
      const Y = Float64Array.from({ length: n * T }, () => Number(random() < 0.5));
      const grad = new Float64Array(P), expected = new Float64Array(P);
      const loss = looped.lossAndGradient(params, X, Y, grad);
      expect(relativeError(loss, unrolled.lossAndGradient(params, X, Y, expected), 1e-300)).toBeLessThanOrEqual(1e-12);
      const magnitude = maxAbs(expected);
      grad.forEach((g, k) => expect(relativeError(g, expected[k], 1e-9 * magnitude)).toBeLessThanOrEqual(1e-11));
      // Differences are good to ~1e-6 of the largest entry (h² truncation and rounding over h).
      for (const k of [0, 1, Math.floor(P / 2), P - 2, P - 1]) {
        const lossAt = (value: number) => looped.loss(Float64Array.from(params, (p, j) => (j === k ? value : p)), X, Y);
        expect(relativeError(grad[k], centralDifference(lossAt, params[k]), magnitude)).toBeLessThanOrEqual(1e-6);
      }
      const out = new Float64Array(n * K), expectedOut = new Float64Array(n * K);
      looped.predict(params, X, out);
      unrolled.predict(params, X, expectedOut);
      out.forEach((o, k) => expect(relativeError(o, expectedOut[k], 1e-300)).toBeLessThanOrEqual(1e-12));

      const v = Float64Array.from({ length: P }, () => uniform(random, -1, 1));
      const hv = new Float64Array(P);
      looped.hessianVectorProduct!(params, X, Y, v, hv);
      const gradientAt = (t: number) => {
        const g = new Float64Array(P);
        looped.lossAndGradient(Float64Array.from(params, (p, j) => p + t * v[j]), X, Y, g);
        return g;
      };
      const h = 1e-5;
      const [up, down] = [gradientAt(h), gradientAt(-h)];
      const fd = Float64Array.from(up, (u, k) => (u - down[k]) / (2 * h));
      const hvMagnitude = maxAbs(fd);
      hv.forEach((x, k) => expect(relativeError(x, fd[k], hvMagnitude)).toBeLessThanOrEqual(1e-6));
      // The unrolled module's H·v differentiates the whole network symbolically: no loop in common.
      const unrolledHv = new Float64Array(P);
      unrolled.hessianVectorProduct!(params, X, Y, v, unrolledHv);
      hv.forEach((x, k) => expect(relativeError(x, unrolledHv[k], 1e-9 * hvMagnitude)).toBeLessThanOrEqual(1e-11));
      // A loop module of at most HESSIAN_MAX_PARAMS parameters also has the dense Hessian (unrolled): H·v = H v.
      expect(typeof looped.hessian === "function").toBe(P <= HESSIAN_MAX_PARAMS);
      if (looped.hessian) {
        const H = new Float64Array(P * P);
        looped.hessian(params, X, Y, H);
        const Hv = Float64Array.from({ length: P }, (_, j) => v.reduce((sum, vk, k) => sum + H[j * P + k] * vk, 0));
        hv.forEach((x, k) => expect(relativeError(x, Hv[k], 1e-9 * hvMagnitude)).toBeLessThanOrEqual(1e-11));
      }
    }
  });
});

it("a first layer that reads a parameter has no plan, and says why", () => {
  const [x1, x2, y] = symbols("x1 x2 y");
  const [s] = symbols("s");
  const hidden = dense([mul(s, x1), x2], 3, { layer: 1, activation: "tanh" });
  const out = dense(hidden.outputs, 1, { layer: 2, activation: "sigmoid" });
  const loss = mul(sub(out.outputs[0], y), sub(out.outputs[0], y));
  const plan = planLayers({ inputs: [x1, x2], targets: [y], params: [...hidden.params, ...out.params, s], outputs: out.outputs, loss, layers: [hidden, out] });
  expect("reason" in plan && plan.reason).toBe("the first layer reads something other than the model's inputs or expressions of them alone");
});
