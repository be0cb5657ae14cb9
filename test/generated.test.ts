/**
 * Every shipped model's generated module against two independent oracles: the interpreter on the
 * unrolled scheduled program (≤ 1e-12 relative) and central finite differences of the generated loss
 * (≤ 1e-6 relative), at seeded points including saturated ones (pre-activations of ~30, 300, 700).
 * Models too wide for the unrolled program to be built in a test (more than UNROLLED_ORACLE_LIMIT
 * parameters; they are emitted as loops) are checked against the hand-written backprop of
 * test/reference-mlp-gradient.ts instead (tanh' from cosh: relatively accurate in saturation, as the
 * generated code's is). N = 5 samples per batch exercises both the 4-sample blocks
 * and the single-sample tails of loop code.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { compileModel } from "../generator/compile.ts";
import { mlpReferencePredict } from "./bench/reference-mlp.ts";
import { meanAbsoluteRowGradient, mlpAccurateReference } from "./reference-mlp-gradient.ts";
import { codeHash, HASH_PLACEHOLDER } from "../generator/emit/code-hash.ts";
import { ProgramInterpreter } from "../generator/index.ts";
import type { ModelDefinition } from "../generator/index.ts";
import { SHIPPED_MODELS } from "../generator/models/index.ts";
import { MODELS } from "../generated/index.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { relativeError, rng, uniform } from "./helpers.ts";

const N = 5; // samples per batch

function batch(model: ModelDefinition, seed: string, scale: number) {
  const random = rng(seed);
  const P = model.params.length;
  const D = model.inputs.length;
  const T = model.targets.length;
  const params = Float64Array.from({ length: P }, () => uniform(random, -1, 1) * scale);
  const X = Float64Array.from({ length: N * D }, () => uniform(random, -2, 2));
  const Y = new Float64Array(N * T);
  for (let i = 0; i < N; i++) {
    if (model.task === "multiclass") Y[i * T + Math.floor(random() * T)] = 1;
    else if (model.task === "binary") Y[i] = random() < 0.5 ? 0 : 1;
    else Y[i] = uniform(random, -1, 1);
  }
  return { params, X, Y };
}

/** The interpreter's [loss, ...gradient] of each row of the batch. */
function interpretedRows(model: ModelDefinition, interpreter: ProgramInterpreter, b: ReturnType<typeof batch>): number[][] {
  const D = model.inputs.length;
  const T = model.targets.length;
  model.params.forEach((p, k) => interpreter.setInput(p.name, b.params[k]));
  return Array.from({ length: N }, (_, i) => {
    model.inputs.forEach((x, j) => interpreter.setInput(x.name, b.X[i * D + j]));
    model.targets.forEach((y, j) => interpreter.setInput(y.name, b.Y[i * T + j]));
    return [...interpreter.runLoaded()];
  });
}

/** Mean over rows of each component (or of its absolute value). */
function meanOverRows(rows: number[][], map: (v: number) => number = (v) => v): number[] {
  const mean = new Array<number>(rows[0].length).fill(0);
  for (const row of rows) row.forEach((v, k) => (mean[k] += map(v)));
  return mean.map((v) => v / rows.length);
}

// Scales of the parameters: ordinary, then large enough to saturate every unit.
const SCALES: [string, number][] = [["ordinary", 1], ["|z| ~ 30", 30], ["|z| ~ 300", 300], ["|z| ~ 700", 700]];

const UNROLLED_ORACLE_LIMIT = 5000;

interface Oracle {
  /** Mean [loss, ...gradient] over the batch. */
  lossAndGradient(b: ReturnType<typeof batch>): number[];
  /** Outputs of each row, row-major. */
  predict(b: ReturnType<typeof batch>): number[];
  /** Per parameter, the size of the per-row terms its gradient sums (when the oracle knows them). */
  gradientTermSize?(b: ReturnType<typeof batch>): ArrayLike<number>;
}

function interpreterOracle(model: ModelDefinition): Oracle {
  const compiled = compileModel(model, "unrolled");
  const interpreter = new ProgramInterpreter(compiled.lossAndGradient);
  const predictor = new ProgramInterpreter(compiled.predict);
  return {
    lossAndGradient: (b) => meanOverRows(interpretedRows(model, interpreter, b)),
    gradientTermSize: (b) => meanOverRows(interpretedRows(model, interpreter, b), Math.abs).slice(1),
    predict: (b) =>
      Array.from({ length: N }, (_, i) => {
        const env: Record<string, number> = {};
        model.params.forEach((p, k) => (env[p.name] = b.params[k]));
        model.inputs.forEach((x, j) => (env[x.name] = b.X[i * model.inputs.length + j]));
        return predictor.run(env);
      }).flat(),
  };
}

/** The hand-written backprop (tanh hidden layers, sigmoid output, BCE), for the wide MLPs. */
function referenceOracle(model: ModelDefinition): Oracle {
  const layers = [model.inputs.length, ...model.layers.map((l) => l.z.length)];
  if (!model.layers.slice(0, -1).every((l) => l.activation === "tanh")) throw new Error(`${model.name}: no oracle for this model`);
  const reference = mlpAccurateReference(layers);
  const predict = mlpReferencePredict(layers);
  return {
    lossAndGradient: (b) => {
      const grad = new Float64Array(model.params.length);
      const loss = reference(b.params, b.X, b.Y, grad);
      return [loss, ...grad];
    },
    predict: (b) => Array.from(predict(b.params, b.X)),
    gradientTermSize: (b) => meanAbsoluteRowGradient(reference, b.params, b.X, b.Y, layers[0]),
  };
}

describe.each(SHIPPED_MODELS.map((m) => [m.name, m] as const))("generated/%s.ts", (name, model) => {
  const mod = (MODELS as unknown as Record<string, GeneratedModel>)[name];
  const compiled = compileModel(model);
  const oracle = model.params.length <= UNROLLED_ORACLE_LIMIT ? interpreterOracle(model) : referenceOracle(model);

  it("describes itself", () => {
    expect(mod.MODEL).toMatchObject({ name, params: model.params.length, task: model.task });
    const text = readFileSync(new URL(`../generated/${name}.ts`, import.meta.url), "utf8");
    expect(codeHash(text.replace(mod.MODEL.hash, HASH_PLACEHOLDER))).toBe(mod.MODEL.hash);
    expect(mod.PARAM_NAMES).toEqual(model.params.map((p) => p.name));
    expect(mod.MODEL.ops).toMatchObject(compiled.ops);
  });

  it("is ASCII text (names the model gives aside): one byte per character for V8, half the memory at load of a two-byte source", () => {
    const text = readFileSync(new URL(`../generated/${name}.ts`, import.meta.url), "utf8");
    expect(text.match(/[^\x00-\x7f]/gu) ?? []).toEqual([]);
  });

  it("packs and unpacks parameters by name", () => {
    const named = Object.fromEntries(model.params.map((p, k) => [p.name, k + 0.5]));
    const module = mod as unknown as { packParams(p: object): Float64Array; unpackParams(a: Float64Array): object };
    const flat = module.packParams(named);
    expect(Array.from(flat)).toEqual(model.params.map((_, k) => k + 0.5));
    expect(module.unpackParams(flat)).toEqual(named);
    expect(() => module.unpackParams(new Float64Array(1))).toThrow(/unpackParams: a must have length/);
  });

  it.each(SCALES)("matches the interpreter and finite differences (%s)", (_, scale) => {
    const b = batch(model, `${name}/${scale}`, scale);
    const grad = new Float64Array(model.params.length);
    const loss = mod.lossAndGradient(b.params, b.X, b.Y, grad);
    expect(Number.isFinite(loss) && grad.every(Number.isFinite)).toBe(true);
    expect(mod.loss(b.params, b.X, b.Y)).toBe(loss);

    const [iLoss, ...iGrad] = oracle.lossAndGradient(b);
    expect(relativeError(loss, iLoss, 1e-300)).toBeLessThanOrEqual(1e-12);
    // Each gradient is a sum of per-sample terms that may cancel: compare relative to their size.
    const magnitude = Math.max(...iGrad.map(Math.abs), 1e-300);
    const termSize = oracle.gradientTermSize?.(b);
    grad.forEach((g, k) => expect(relativeError(g, iGrad[k], Math.max(termSize?.[k] ?? 0, 1e-9 * magnitude))).toBeLessThanOrEqual(1e-12));

    // Finite differences: rounding noise of the loss over the step sets the absolute floor.
    const floor = 1e-3 * Math.max(1, Math.abs(loss));
    const random = rng(`${name}/${scale}/fd`);
    const probes = model.params.length <= 80 ? model.params.map((_, k) => k) : Array.from({ length: 80 }, () => Math.floor(random() * model.params.length));
    for (const k of probes) {
      const h = 1e-6 * Math.max(1, Math.abs(b.params[k]));
      const shifted = Float64Array.from(b.params);
      shifted[k] = b.params[k] + h;
      const up = mod.loss(shifted, b.X, b.Y);
      shifted[k] = b.params[k] - h;
      const down = mod.loss(shifted, b.X, b.Y);
      expect(relativeError((up - down) / (2 * h), grad[k], floor)).toBeLessThanOrEqual(1e-6);
    }
  });

  it("predicts what the interpreter predicts", () => {
    const b = batch(model, `${name}/predict`, 1);
    const out = new Float64Array(N * model.outputs.length);
    mod.predict(b.params, b.X, out);
    oracle.predict(b).forEach((v, k) => expect(relativeError(out[k], v, 1e-300)).toBeLessThanOrEqual(1e-12));
  });

  it("checks array lengths at the boundary with a RangeError naming the argument", () => {
    const b = batch(model, `${name}/lengths`, 1);
    const P = model.params.length;
    const grad = new Float64Array(P);
    const T = model.targets.length;
    expect(() => mod.loss(b.params.subarray(1), b.X, b.Y)).toThrow(new RangeError(`loss: params must have length ${P} (one per parameter), got ${P - 1}`));
    expect(() => mod.lossAndGradient(b.params, b.X, b.Y, new Float64Array(P + 1))).toThrow(/lossAndGradient: grad must have length/);
    expect(() => mod.lossAndGradient(b.params, b.X.subarray(1), b.Y, grad)).toThrow(/lossAndGradient: X must have length 10 \(n\*inputs for the n rows of Y\), got 9/);
    if (T > 1) expect(() => mod.loss(b.params, b.X, b.Y.subarray(1))).toThrow(new RegExp(`Y must hold n >= 1 rows of ${T}`));
    expect(() => mod.loss(b.params, new Float64Array(0), new Float64Array(0))).toThrow(RangeError);
    expect(() => mod.predict(b.params, b.X, new Float64Array(1))).toThrow(/predict: out must have length/);
  });
});
