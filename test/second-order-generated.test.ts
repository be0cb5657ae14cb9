/**
 * Every shipped model's generated hessianVectorProduct and hessian against independent oracles: the
 * interpreter on the same scheduled program, or for the loop form of H·v the symbolic unrolled H·v
 * (interpreted) and a hand-written R-operator (reference-mlp-hvp.ts), ≤ 1e-12 relative; central finite
 * differences of the generated gradient (≤ 1e-6 relative), at seeded points including saturated ones;
 * H·v is linear in v and symmetric (uᵀ(Hw) = wᵀ(Hu)); H·v from the dense Hessian equals
 * hessianVectorProduct(v); the Hessian is symmetric.
 */
import { describe, expect, it } from "vitest";
import { compileModel, HESSIAN_MAX_PARAMS, HVP_MAX_PARAMS } from "../generator/compile.ts";
import { opCounts } from "../generator/emit/module.ts";
import { hessianVectorProduct, lowerStable, ProgramInterpreter, schedule, simplifyAll, symbols, type ModelDefinition } from "../generator/index.ts";
import { mlpReferenceHessianVectorProduct, type HessianVectorProduct } from "./reference-mlp-hvp.ts";
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
  const v = Float64Array.from({ length: P }, () => uniform(random, -1, 1));
  return { params, X, Y, v };
}

/** Mean over the batch of a per-sample program's outputs, run by the interpreter. */
function interpretedMean(model: ModelDefinition, program: ProgramInterpreter, b: ReturnType<typeof batch>, direction: readonly string[] = []): number[] {
  const D = model.inputs.length;
  const T = model.targets.length;
  const mean = new Array<number>(program.program.outputs.length).fill(0);
  const inputs = new Set(program.program.inputs);
  const set = (name: string, value: number) => inputs.has(name) && program.setInput(name, value);
  model.params.forEach((p, k) => set(p.name, b.params[k]));
  direction.forEach((name, k) => set(name, b.v[k]));
  for (let i = 0; i < N; i++) {
    model.inputs.forEach((x, j) => set(x.name, b.X[i * D + j]));
    model.targets.forEach((y, j) => set(y.name, b.Y[i * T + j]));
    program.runLoaded().forEach((value, k) => (mean[k] += value));
  }
  return mean.map((value) => value / N);
}

/**
 * Relative step of the differences: as large as the O(h⁴) truncation allows, so that the gradient's
 * rounding noise (~1e-16 of its size, over 2h) stays far below the tolerance. The generated gradient's
 * tanh' is sech² from expm1 (lower.ts), relatively accurate and smooth in z where units saturate (the
 * former 1 − tanh² moved in ulps of tanh² there: ~1e-16/h per saturated unit).
 */
const STEP = 1e-4;

/**
 * Central difference of the generated gradient along direction d, ≈ H·d, with one Richardson step
 * (steps h and 2h: truncation error O(h⁴)), since saturated tanh units make the third derivative large.
 */
function gradientDifference(mod: GeneratedModel, b: ReturnType<typeof batch>, d: Float64Array): { fd: Float64Array; noise: number } {
  const P = b.params.length;
  const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const h = STEP * Math.max(1, norm(b.params) / Math.sqrt(P)) / Math.max(norm(d), 1e-300);
  const gradientAt = (steps: number) => {
    const g = new Float64Array(P);
    mod.lossAndGradient(Float64Array.from(b.params, (p, k) => p + steps * h * d[k]), b.X, b.Y, g);
    return g;
  };
  const [up, down, up2, down2] = [gradientAt(1), gradientAt(-1), gradientAt(2), gradientAt(-2)];
  const g = new Float64Array(P);
  mod.lossAndGradient(b.params, b.X, b.Y, g);
  // Rounding noise of the gradient over the step: relative 1e-16 of its size, divided by 2h.
  const noise = (1e-9 * Math.max(maxAbs(g), 1)) / h;
  return { fd: Float64Array.from(up, (u, k) => (8 * (u - down[k]) - (up2[k] - down2[k])) / (12 * h)), noise };
}

const SCALES: [string, number][] = [["ordinary", 1], ["|z| ~ 40", 40], ["|z| ~ 400", 400], ["|z| ~ 800", 800]];

/** The largest |x| of an array (spreading 66 817 entries into Math.max overflows the stack). */
function maxAbs(...arrays: ArrayLike<number>[]): number {
  let m = 1e-300;
  for (const a of arrays) for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  return m;
}

/** Largest loop-H·v model whose symbolic, unrolled H·v the interpreter also checks (2-16-16-1: 337). */
const SYMBOLIC_ORACLE_LIMIT = 400;

/** The symbolic H·v of the whole network, unrolled and lowered as the generator lowers every program (below HVP_MAX_PARAMS). */
function symbolicHvp(model: ModelDefinition): { interpreter: ProgramInterpreter; direction: string[] } {
  const direction = symbols(model.params.map((_, k) => `dir${k}`).join(" "));
  const [loss] = simplifyAll([model.loss]);
  const program = schedule(lowerStable([loss, ...hessianVectorProduct(loss, model.params, direction)]));
  return { interpreter: new ProgramInterpreter(program), direction: direction.map((d) => d.name) };
}

/** The hand-written R-operator, for models it covers: tanh hidden layers, one linear unit, σ + BCE. */
function handWrittenHvp(model: ModelDefinition): HessianVectorProduct | undefined {
  const layers = model.layers ?? [];
  const last = layers.length - 1;
  const fits = model.task === "binary" && layers.length > 1 && layers.every((l, k) => l.activation === (k === last ? "linear" : "tanh"));
  return fits && model.name.startsWith("mlp_") ? mlpReferenceHessianVectorProduct([model.inputs.length, ...layers.map((l) => l.z.length)]) : undefined;
}

describe.each(SHIPPED_MODELS.map((m) => [m.name, m] as const))("generated/%s.ts second order", (name, model) => {
  const mod = (MODELS as unknown as Record<string, GeneratedModel>)[name];
  const compiled = compileModel(model);
  const P = model.params.length;
  const loopForm = compiled.loopHessianVectorProduct !== undefined;
  const hvpOracle = compiled.hessianVectorProduct
    ? { interpreter: new ProgramInterpreter(compiled.hessianVectorProduct), direction: compiled.direction }
    : P <= SYMBOLIC_ORACLE_LIMIT ? symbolicHvp(model) : undefined;
  const reference = loopForm ? handWrittenHvp(model) : undefined;
  const hessianInterpreter = compiled.hessian && new ProgramInterpreter(compiled.hessian);

  it("exports hessianVectorProduct, and hessian exactly up to its documented size", () => {
    expect(typeof mod.hessianVectorProduct).toBe("function");
    expect(typeof mod.hessian === "function").toBe(P <= HESSIAN_MAX_PARAMS);
    // Loop modules get loop H·v at every size; unrolled ones only as layered models above HVP_MAX_PARAMS.
    expect(loopForm).toBe(compiled.strategy === "loops" || (P > HVP_MAX_PARAMS && (model.layers?.length ?? 0) > 0));
    expect(mod.MODEL.ops).toEqual(Object.fromEntries(opCounts(compiled)));
    expect(mod.MODEL.ops.hessianVectorProduct! / mod.MODEL.ops.lossAndGradient).toBeLessThanOrEqual(4);
  });

  it("has an independent oracle for H·v", () => {
    expect(hvpOracle !== undefined || reference !== undefined).toBe(true);
  });

  it.each(SCALES)("H·v matches its oracles and finite differences of the gradient (%s)", (_, scale) => {
    const b = batch(model, `${name}/hvp/${scale}`, scale);
    const out = new Float64Array(P);
    const loss = mod.hessianVectorProduct!(b.params, b.X, b.Y, b.v, out);
    expect(Number.isFinite(loss) && out.every(Number.isFinite)).toBe(true);
    expect(loss).toBe(mod.loss(b.params, b.X, b.Y));

    if (hvpOracle) {
      const [iLoss, ...iHv] = interpretedMean(model, hvpOracle.interpreter, b, hvpOracle.direction);
      expect(relativeError(loss, iLoss, 1e-300)).toBeLessThanOrEqual(1e-12);
      const magnitude = maxAbs(iHv);
      // The same program in the same order (unrolled form) agrees to the last bits, entry by entry;
      // the loop form sums in another order: ≤ 1e-12 of the largest entry.
      const floor = loopForm ? magnitude : 1e-9 * magnitude;
      out.forEach((x, k) => expect(relativeError(x, iHv[k], floor), `${model.params[k].name}: ${x} vs ${iHv[k]}`).toBeLessThanOrEqual(1e-12));
    }
    if (reference) {
      const ref = new Float64Array(P);
      expect(relativeError(loss, reference(b.params, b.X, b.Y, b.v, ref), 1e-300)).toBeLessThanOrEqual(1e-12);
      const magnitude = maxAbs(ref);
      out.forEach((x, k) => expect(relativeError(x, ref[k], magnitude), `${model.params[k].name}: ${x} vs ${ref[k]}`).toBeLessThanOrEqual(1e-12));
    }

    // Relative to the largest entry (a max-norm relative error): saturated tanh units leave entries
    // far below it with only absolute accuracy in the gradient being differenced.
    const magnitude = maxAbs(out);
    const { fd, noise } = gradientDifference(mod, b, b.v);
    const floor = Math.max(noise, magnitude);
    out.forEach((x, k) => expect(relativeError(fd[k], x, floor), `${model.params[k].name}: fd ${fd[k]} vs ${x} (largest ${magnitude})`).toBeLessThanOrEqual(1e-6));
  });

  it.each(SCALES)("H·v is linear in v and symmetric: uᵀ(Hw) = wᵀ(Hu) (%s)", (_, scale) => {
    const b = batch(model, `${name}/linear/${scale}`, scale);
    const random = rng(`${name}/linear/${scale}/w`);
    const u = b.v;
    const w = Float64Array.from({ length: P }, () => uniform(random, -1, 1));
    const [Hu, Hw, Hsum] = [new Float64Array(P), new Float64Array(P), new Float64Array(P)];
    mod.hessianVectorProduct!(b.params, b.X, b.Y, u, Hu);
    mod.hessianVectorProduct!(b.params, b.X, b.Y, w, Hw);
    mod.hessianVectorProduct!(b.params, b.X, b.Y, Float64Array.from(u, (x, k) => 2 * x - 3 * w[k]), Hsum);
    const scaleOf = maxAbs(Hu, Hw);
    Hsum.forEach((x, k) => expect(Math.abs(x - (2 * Hu[k] - 3 * Hw[k])) / (5 * scaleOf)).toBeLessThanOrEqual(1e-13));
    let uHw = 0;
    let wHu = 0;
    let terms = 0;
    for (let k = 0; k < P; k++) {
      uHw += u[k] * Hw[k];
      wHu += w[k] * Hu[k];
      terms += Math.abs(u[k] * Hw[k]) + Math.abs(w[k] * Hu[k]);
    }
    expect(Math.abs(uHw - wHu) / Math.max(terms, 1e-300)).toBeLessThanOrEqual(1e-12);
  });

  it.skipIf(!hessianInterpreter).each(SCALES)("the dense Hessian matches the interpreter and finite differences (%s)", (_, scale) => {
    const b = batch(model, `${name}/hessian/${scale}`, scale);
    const H = new Float64Array(P * P);
    const loss = mod.hessian!(b.params, b.X, b.Y, H);
    expect(Number.isFinite(loss) && H.every(Number.isFinite)).toBe(true);
    expect(loss).toBe(mod.loss(b.params, b.X, b.Y));

    // Symmetric, exactly (the lower triangle is a copy).
    for (let j = 0; j < P; j++) for (let k = 0; k < j; k++) expect(H[j * P + k]).toBe(H[k * P + j]);

    const [iLoss, ...upper] = interpretedMean(model, hessianInterpreter!, b);
    expect(relativeError(loss, iLoss, 1e-300)).toBeLessThanOrEqual(1e-12);
    const magnitude = Math.max(...upper.map(Math.abs), 1e-300);
    let u = 0;
    for (let j = 0; j < P; j++) for (let k = j; k < P; k++) expect(relativeError(H[j * P + k], upper[u++], 1e-9 * magnitude)).toBeLessThanOrEqual(1e-12);

    // Column k against finite differences of the gradient along parameter k.
    for (let k = 0; k < P; k++) {
      const unit = new Float64Array(P);
      unit[k] = 1;
      const { fd, noise } = gradientDifference(mod, b, unit);
      const floor = Math.max(noise, magnitude);
      for (let j = 0; j < P; j++) expect(relativeError(fd[j], H[j * P + k], floor)).toBeLessThanOrEqual(1e-6);
    }

    // H·v from the dense matrix equals hessianVectorProduct(v) up to rounding, relative to the size
    // of the terms (max |v|·max |H|·P), with an absolute floor of 1e-30 for entries far below the
    // largest, which two ways of computing them round differently.
    const hv = new Float64Array(P);
    mod.hessianVectorProduct!(b.params, b.X, b.Y, b.v, hv);
    const terms = Math.max(...b.v.map(Math.abs)) * magnitude * P;
    for (let j = 0; j < P; j++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += H[j * P + k] * b.v[k];
      expect(relativeError(s, hv[j], Math.max(terms, 1e-30))).toBeLessThanOrEqual(1e-12);
    }
  });

  it("checks lengths and aliasing at the boundary with a RangeError naming the argument", () => {
    const b = batch(model, `${name}/boundary`, 1);
    const out = new Float64Array(P);
    expect(() => mod.hessianVectorProduct!(b.params, b.X, b.Y, b.v.subarray(1), out)).toThrow(
      new RangeError(`hessianVectorProduct: v must have length ${P} (one per parameter), got ${P - 1}`),
    );
    expect(() => mod.hessianVectorProduct!(b.params, b.X, b.Y, b.v, new Float64Array(P + 1))).toThrow(/hessianVectorProduct: out must have length/);
    expect(() => mod.hessianVectorProduct!(b.params, b.X, b.Y, b.v, b.v)).toThrow(/hessianVectorProduct: out must not share memory with v/);
    const shared = new Float64Array(2 * P);
    expect(() => mod.hessianVectorProduct!(shared.subarray(0, P), b.X, b.Y, b.v, shared.subarray(P - 1, 2 * P - 1))).toThrow(/out must not share memory with params/);
    expect(mod.hessianVectorProduct!(shared.subarray(0, P), b.X, b.Y, b.v, shared.subarray(P))).toBeTypeOf("number"); // adjacent, not overlapping
    if (mod.hessian) {
      expect(() => mod.hessian!(b.params, b.X, b.Y, new Float64Array(P))).toThrow(new RangeError(`hessian: H must have length ${P * P} (params*params), got ${P}`));
    }
  });
});
