/**
 * A linear last layer whose sums are short enough (≤ 16 terms) for the constructors to flatten them into
 * the loss: (z − y)² holds add(w·a…, b, −y), not z. The plan must still find the layer (planLayers reads
 * such a sum as h + the other terms), so a narrow regression network is emitted as loops like the rest.
 * Oracles: the unrolled module of the same model (scalar gradient, no loops) and central differences.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileModel } from "../generator/compile.ts";
import { formatTypeScript } from "../generator/emit/format.ts";
import { emitModule } from "../generator/emit/module.ts";
import { add, defineModel, dense, mlp, mul, sub, symbols } from "../generator/index.ts";
import { planLayers } from "../generator/nn/layers.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { centralDifference, relativeError, rng, uniform } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "symgrad-linear-head-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(compiled: ReturnType<typeof compileModel>, file: string): Promise<GeneratedModel> {
  const path = join(dir, `${file}.ts`);
  writeFileSync(path, await formatTypeScript(emitModule(compiled)));
  return (await import(path)) as GeneratedModel;
}

/** Two outputs, each a linear unit over 5 hidden units, and a loss that also adds a target-only term. */
function twoOutputModel() {
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

const CASES = [
  ["2-32-8-1 regression (mlp, mse)", () => defineModel({ name: "regression_2_32_8_1", ...mlp({ layers: [2, 32, 8, 1], activation: "tanh", output: "linear", loss: "mse" }) })],
  ["3-5-2 with two linear outputs (dense)", twoOutputModel],
] as const;

describe.each(CASES)("%s", (name, build) => {
  const model = build();

  it("has a layer plan whose head reads the last layer only through its outputs", () => {
    const plan = planLayers(model);
    expect("reason" in plan ? plan.reason : "planned").toBe("planned");
  });

  it("is emitted as loops and agrees with its unrolled module and with central differences", async () => {
    const loops = compileModel(model, "loops");
    expect(loops.strategy).toBe("loops");
    const looped = await load(loops, `${model.name}_loops`);
    const unrolled = await load(compileModel(model, "unrolled"), `${model.name}_unrolled`);
    const P = model.params.length, D = model.inputs.length, T = model.targets.length;
    for (const scale of [1, 30]) {
      const random = rng(`${name}/${scale}`);
      const n = 37;
      const params = Float64Array.from({ length: P }, () => uniform(random, -1, 1) * scale / Math.sqrt(D));
      const X = Float64Array.from({ length: n * D }, () => uniform(random, -2, 2));
      const Y = Float64Array.from({ length: n * T }, () => uniform(random, -1, 1));
      const grad = new Float64Array(P), expected = new Float64Array(P);
      const loss = looped.lossAndGradient(params, X, Y, grad);
      expect(relativeError(loss, unrolled.lossAndGradient(params, X, Y, expected), 1e-300)).toBeLessThanOrEqual(1e-12);
      const magnitude = Math.max(...expected.map(Math.abs));
      grad.forEach((g, k) => expect(relativeError(g, expected[k], 1e-9 * magnitude)).toBeLessThanOrEqual(1e-11));
      for (const k of [0, Math.floor(P / 2), P - 2, P - 1]) {
        const lossAt = (value: number) => looped.loss(Float64Array.from(params, (p, j) => (j === k ? value : p)), X, Y);
        // Differences are good to ~1e-6 of the largest entry (h² truncation and rounding over h).
        expect(relativeError(grad[k], centralDifference(lossAt, params[k]), magnitude)).toBeLessThanOrEqual(1e-6);
      }
      const out = new Float64Array(n * model.outputs.length), expectedOut = new Float64Array(n * model.outputs.length);
      looped.predict(params, X, out);
      unrolled.predict(params, X, expectedOut);
      out.forEach((o, k) => expect(relativeError(o, expectedOut[k], 1e-300)).toBeLessThanOrEqual(1e-12));
    }
  });
});

it("compiles 2-32-8-1 regression as loops by default (it was unrolled: the plan lost the flattened last layer)", () => {
  const model = CASES[0][1]();
  expect(compileModel(model).strategy).toBe("loops");
});
