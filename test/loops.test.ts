/**
 * The loop strategy (generator/emit/loops.ts) on shapes the shipped models do not have: odd unit
 * counts (one-unit tails), fan-ins of every remainder mod 4, and mod 3 in models at least
 * WIDE_MIN_UNITS wide, which get 2 × 3 register blocks (the last gradient block of 1 to 4, or 1 to 3,
 * inputs that also sums the bias), batches that are not a multiple of 4 or 3 samples (one-sample tails)
 * and batches of more than one 256-sample tile, at ordinary and saturated parameter scales. The oracle is the
 * hand-written backprop of test/reference-mlp-gradient.ts (tanh' from cosh, relatively accurate in
 * saturation like the generated code's), which shares no code with the emitter.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileModel } from "../generator/compile.ts";
import { formatTypeScript } from "../generator/emit/format.ts";
import { WIDE_MIN_UNITS } from "../generator/emit/loops.ts";
import { emitModule } from "../generator/emit/module.ts";
import { defineModel, mlp } from "../generator/index.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { mlpReferencePredict } from "./bench/reference-mlp.ts";
import { meanAbsoluteRowGradient, mlpAccurateReference } from "./reference-mlp-gradient.ts";
import { relativeError, rng, uniform } from "./helpers.ts";

const SHAPES = [
  [1, 1, 1],
  [2, 3, 1],
  [3, 5, 7, 1],
  [5, 9, 6, 1],
  [4, 2, 1],
  // WIDE_MIN_UNITS wide: blocks of 3 (fan-ins 5, 64, 7 and 66 leave 2, 1, 1 and 0 inputs over)
  [5, 64, 7, 1],
  [4, 66, 1],
];
const ROWS = [1, 3, 5, 257, 300];
const SCALES = [1, 30, 300];
const dir = mkdtempSync(join(tmpdir(), "symgrad-loops-"));

async function loopModule(layers: number[]): Promise<GeneratedModel> {
  const name = `mlp_${layers.join("_")}`;
  const model = defineModel({ name, ...mlp({ layers, activation: "tanh", output: "sigmoid", loss: "bce" }) });
  const compiled = compileModel(model, "loops");
  expect(compiled.strategy).toBe("loops");
  const file = join(dir, `${name}.ts`);
  const source = await formatTypeScript(emitModule(compiled));
  // The register blocks this shape is meant to exercise (3 samples for wide models, else 4).
  const block = Math.max(...layers.slice(1)) >= WIDE_MIN_UNITS ? 3 : 4;
  expect(source).toContain(`const mb = m - (m % ${block});`);
  expect(source).not.toContain(`const mb = m - (m % ${7 - block});`);
  writeFileSync(file, source);
  return (await import(file)) as GeneratedModel;
}

describe.each(SHAPES.map((layers) => [layers.join("-"), layers] as const))("loops for %s", (_, layers) => {
  const P = layers.slice(1).reduce((sum, units, l) => sum + units * (layers[l] + 1), 0);
  const reference = mlpAccurateReference(layers);
  const referencePredict = mlpReferencePredict(layers);

  it.each(ROWS.flatMap((n) => SCALES.map((scale) => [n, scale])))("%i rows, parameters ×%i: matches the hand-written backprop", async (n, scale) => {
    const m = await loopModule(layers);
    const random = rng(`loops/${layers.join("-")}/${n}/${scale}`);
    const params = Float64Array.from({ length: P }, () => uniform(random, -1, 1) * scale);
    const X = Float64Array.from({ length: n * layers[0] }, () => uniform(random, -2, 2));
    const Y = Float64Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1));

    const grad = new Float64Array(P);
    const loss = m.lossAndGradient(params, X, Y, grad);
    const expectedGrad = new Float64Array(P);
    const expectedLoss = reference(params, X, Y, expectedGrad);
    expect(relativeError(loss, expectedLoss, 1e-300)).toBeLessThanOrEqual(1e-12);
    expect(m.loss(params, X, Y)).toBe(loss);
    // Each gradient is a sum over the rows whose terms may cancel, added up in another order than the
    // reference's (blocks of samples, tiles): the rounding bound grows with the number of rows, and is
    // relative to the size of the terms (the mean of their absolute values), not of their sum.
    const termSize = meanAbsoluteRowGradient(reference, params, X, Y, layers[0]);
    const magnitude = Math.max(...expectedGrad.map(Math.abs), 1e-300);
    const tolerance = Math.max(1e-12, 1e-13 * n);
    grad.forEach((g, k) => expect(relativeError(g, expectedGrad[k], Math.max(termSize[k], 1e-9 * magnitude))).toBeLessThanOrEqual(tolerance));

    const out = new Float64Array(n);
    m.predict(params, X, out);
    referencePredict(params, X).forEach((p, s) => expect(relativeError(out[s], p, 1e-300)).toBeLessThanOrEqual(1e-12));
  });
});
