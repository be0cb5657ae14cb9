/**
 * Every shipped model's generated hessianVectorProduct and hessian against independent oracles: the
 * interpreter on the same scheduled program (≤ 1e-12 relative) and central finite differences of the
 * generated gradient (≤ 1e-6 relative), at seeded points including saturated ones; H·v from the dense
 * Hessian equals hessianVectorProduct(v); the Hessian is symmetric.
 */
import { describe, expect, it } from "vitest";
import { compileModel, HESSIAN_MAX_PARAMS, HVP_MAX_PARAMS } from "../generator/compile.ts";
import { opCounts } from "../generator/emit/module.ts";
import { ProgramInterpreter, type ModelDefinition } from "../generator/index.ts";
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
 * Central difference of the generated gradient along direction d, ≈ H·d, with one Richardson step
 * (steps h and 2h: truncation error O(h⁴)), since saturated tanh units make the third derivative large.
 */
function gradientDifference(mod: GeneratedModel, b: ReturnType<typeof batch>, d: Float64Array): { fd: Float64Array; noise: number } {
  const P = b.params.length;
  const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const h = 1e-6 * Math.max(1, norm(b.params) / Math.sqrt(P)) / Math.max(norm(d), 1e-300);
  const gradientAt = (steps: number) => {
    const g = new Float64Array(P);
    mod.lossAndGradient(Float64Array.from(b.params, (p, k) => p + steps * h * d[k]), b.X, b.Y, g);
    return g;
  };
  const [up, down, up2, down2] = [gradientAt(1), gradientAt(-1), gradientAt(2), gradientAt(-2)];
  const g = new Float64Array(P);
  mod.lossAndGradient(b.params, b.X, b.Y, g);
  // Rounding noise of the gradient over the step: relative 1e-16 of its size, divided by 2h.
  const noise = (1e-9 * Math.max(...g.map(Math.abs), 1)) / h;
  return { fd: Float64Array.from(up, (u, k) => (8 * (u - down[k]) - (up2[k] - down2[k])) / (12 * h)), noise };
}

const SCALES: [string, number][] = [["ordinary", 1], ["|z| ~ 40", 40], ["|z| ~ 400", 400], ["|z| ~ 800", 800]];

describe.each(SHIPPED_MODELS.map((m) => [m.name, m] as const))("generated/%s.ts second order", (name, model) => {
  const mod = (MODELS as unknown as Record<string, GeneratedModel>)[name];
  const compiled = compileModel(model);
  const P = model.params.length;
  const hvpInterpreter = compiled.hessianVectorProduct && new ProgramInterpreter(compiled.hessianVectorProduct);
  const hessianInterpreter = compiled.hessian && new ProgramInterpreter(compiled.hessian);
  // A tanh unit with |z| between ~10 and ~19 has 1 − tanh² accurate only to ~1e-16 absolute, i.e. to
  // 1e-3…1e-2 relative: derivatives through it (first order too) are that inexact relative to their own
  // size. At the strongly saturated points such units occur, and the check is 1e-5 of the largest entry.
  const usesTanh = (compiled.hessianVectorProduct?.assignments ?? []).some((a) => a.op === "tanh");
  const fdTolerance = (scale: number) => (usesTanh && scale >= 400 ? 1e-5 : 1e-6);

  it("exports hessianVectorProduct and hessian exactly up to their documented sizes", () => {
    expect(typeof mod.hessianVectorProduct === "function").toBe(P <= HVP_MAX_PARAMS);
    expect(typeof mod.hessian === "function").toBe(P <= HESSIAN_MAX_PARAMS);
    expect(mod.MODEL.ops).toEqual(Object.fromEntries(opCounts(compiled)));
  });

  it.skipIf(!hvpInterpreter).each(SCALES)("H·v matches the interpreter and finite differences of the gradient (%s)", (_, scale) => {
    const b = batch(model, `${name}/hvp/${scale}`, scale);
    const out = new Float64Array(P);
    const loss = mod.hessianVectorProduct!(b.params, b.X, b.Y, b.v, out);
    expect(Number.isFinite(loss) && out.every(Number.isFinite)).toBe(true);
    expect(loss).toBe(mod.loss(b.params, b.X, b.Y));

    const [iLoss, ...iHv] = interpretedMean(model, hvpInterpreter!, b, compiled.direction);
    expect(relativeError(loss, iLoss, 1e-300)).toBeLessThanOrEqual(1e-12);
    const magnitude = Math.max(...iHv.map(Math.abs), 1e-300);
    out.forEach((x, k) => expect(relativeError(x, iHv[k], 1e-9 * magnitude)).toBeLessThanOrEqual(1e-12));

    // Relative to the largest entry (a max-norm relative error): saturated tanh units leave entries
    // far below it with only absolute accuracy (1 − tanh² has an absolute error of ~1e-16).
    const { fd, noise } = gradientDifference(mod, b, b.v);
    const floor = Math.max(noise, magnitude);
    out.forEach((x, k) => expect(relativeError(fd[k], x, floor), `${model.params[k].name}: fd ${fd[k]} vs ${x} (largest ${magnitude})`).toBeLessThanOrEqual(fdTolerance(scale)));
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
      for (let j = 0; j < P; j++) expect(relativeError(fd[j], H[j * P + k], floor)).toBeLessThanOrEqual(fdTolerance(scale));
    }

    // H·v from the dense matrix equals hessianVectorProduct(v) up to rounding, relative to the size
    // of the terms (max |v|·max |H|·P), with an absolute floor of 1e-30: in saturated tanh units
    // 1 − tanh² has only absolute accuracy (~1e-16, see second-order.ts), so entries far below the
    // largest differ between two ways of computing them.
    const hv = new Float64Array(P);
    mod.hessianVectorProduct!(b.params, b.X, b.Y, b.v, hv);
    const terms = Math.max(...b.v.map(Math.abs)) * magnitude * P;
    for (let j = 0; j < P; j++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += H[j * P + k] * b.v[k];
      expect(relativeError(s, hv[j], Math.max(terms, 1e-30))).toBeLessThanOrEqual(1e-12);
    }
  });

  it.skipIf(!hvpInterpreter)("checks lengths and aliasing at the boundary with a RangeError naming the argument", () => {
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
      expect(() => mod.hessian!(b.params, b.X, b.Y, new Float64Array(P))).toThrow(new RangeError(`hessian: H must have length ${P * P} (params×params), got ${P}`));
    }
  });
});
