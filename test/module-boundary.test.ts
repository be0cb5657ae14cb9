/**
 * Generated modules at their boundary: packParams refuses a missing or non-finite parameter by name,
 * and every batch function refuses an output array (grad, out) that shares memory with an array it
 * reads, in every layout: flat (the seed), loops (mlp_2_64_64_1), and split into parts (no shipped model
 * is large enough to be split now, so the seed is generated here with parts of 20 assignments).
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODELS } from "../generated/index.ts";
import seedModel from "../generator/models/seed.ts";
import { generateModule } from "../generator/pipeline.ts";

interface Module {
  readonly MODEL: { readonly inputs: number; readonly targets: number; readonly outputs: number; readonly params: number };
  readonly PARAM_NAMES: readonly string[];
  packParams(p: never, out?: Float64Array): Float64Array;
  unpackParams(a: Float64Array): Record<string, number>;
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
  predict(params: Float64Array, X: Float64Array, out: Float64Array): void;
}

const splitSeedFile = join(mkdtempSync(join(tmpdir(), "symgrad-split-")), "seed_split.ts");
writeFileSync(splitSeedFile, (await generateModule(seedModel, { flatLimit: 20, chunkSize: 20 })).content);
const splitSeed = (await import(splitSeedFile)) as unknown as Module;

const modules = [...Object.entries(MODELS), ["seed, split into parts", splitSeed]] as unknown as [string, Module][];

/** Parameters by name with one of them changed (or removed, for undefined). */
function withParam(m: Module, k: number, value: unknown): never {
  const p: Record<string, unknown> = { ...m.unpackParams(new Float64Array(m.MODEL.params).fill(0.25)) };
  if (value === undefined) delete p[m.PARAM_NAMES[k]];
  else p[m.PARAM_NAMES[k]] = value;
  return p as never;
}

describe.each(modules)("%s", (_, m) => {
  const P = m.MODEL.params;
  const last = P - 1;
  const lastName = JSON.stringify(m.PARAM_NAMES[last]);

  it.each([
    ["an empty object", () => m.packParams({} as never), `packParams: parameter ${JSON.stringify(m.PARAM_NAMES[0])} must be a finite number, got undefined`],
    ["a missing parameter", () => m.packParams(withParam(m, last, undefined)), `parameter ${lastName} must be a finite number, got undefined`],
    ["a NaN parameter", () => m.packParams(withParam(m, last, NaN)), `parameter ${lastName} must be a finite number, got NaN`],
    ["an infinite parameter", () => m.packParams(withParam(m, last, -Infinity)), `parameter ${lastName} must be a finite number, got -Infinity`],
    ["a string parameter", () => m.packParams(withParam(m, last, "1")), `parameter ${lastName} must be a finite number, got string`],
  ])("packParams refuses %s with a RangeError naming it", (_, call, message) => {
    expect(call).toThrow(RangeError);
    expect(call).toThrow(message);
  });

  it("packParams refuses a non-object", () => {
    expect(() => m.packParams(null as never)).toThrow(/packParams: p must be an object/);
  });

  it("packParams accepts what unpackParams gives", () => {
    const a = Float64Array.from({ length: P }, (_, k) => k / P - 0.5);
    expect(m.packParams(m.unpackParams(a) as never)).toEqual(a);
  });

  const n = 3;
  const { inputs, targets, outputs } = m.MODEL;
  const fresh = () => ({
    params: new Float64Array(P).fill(0.1),
    X: Float64Array.from({ length: n * inputs }, (_, i) => (i % 5) / 5 - 0.4),
    Y: new Float64Array(n * targets).fill(1),
  });

  /** One buffer holding `a` (length la) at offset 0 and `b` (length lb) starting at `start`. */
  function shared(la: number, lb: number, start: number): [Float64Array, Float64Array] {
    const buffer = new Float64Array(Math.max(la, start + lb));
    return [buffer.subarray(0, la), buffer.subarray(start, start + lb)];
  }

  it.each([
    ["grad is params", "params", (a: ReturnType<typeof fresh>) => ({ ...a, grad: a.params })],
    ["grad overlaps the end of params", "params", (a: ReturnType<typeof fresh>) => {
      const [params, grad] = shared(P, P, P - 1);
      params.set(a.params);
      return { ...a, params, grad };
    }],
    ["grad overlaps X", "X", (a: ReturnType<typeof fresh>) => {
      const [X, grad] = shared(n * inputs, P, n * inputs - 1);
      X.set(a.X);
      return { ...a, X, grad };
    }],
    ["grad overlaps Y", "Y", (a: ReturnType<typeof fresh>) => {
      const [grad, Y] = shared(P, n * targets, 0);
      Y.set(a.Y);
      return { ...a, Y, grad };
    }],
  ])("lossAndGradient refuses %s", (_, read, build) => {
    const a = build(fresh());
    expect(() => m.lossAndGradient(a.params, a.X, a.Y, a.grad)).toThrow(RangeError);
    expect(() => m.lossAndGradient(a.params, a.X, a.Y, a.grad)).toThrow(`lossAndGradient: grad must not share memory with ${read}`);
  });

  it("lossAndGradient accepts adjacent, non-overlapping views of one buffer, with the same result", () => {
    const a = fresh();
    const expectedGrad = new Float64Array(P);
    const expectedLoss = m.lossAndGradient(a.params, a.X, a.Y, expectedGrad);
    const [params, grad] = shared(P, P, P);
    params.set(a.params);
    expect(m.lossAndGradient(params, a.X, a.Y, grad)).toBe(expectedLoss);
    expect(grad).toEqual(expectedGrad);
  });

  it.each([
    ["out overlaps X", "X", (a: ReturnType<typeof fresh>) => {
      const [X, out] = shared(n * inputs, n * outputs, 1);
      X.set(a.X);
      return { ...a, X, out };
    }],
    ["out overlaps params", "params", (a: ReturnType<typeof fresh>) => {
      const [params, out] = shared(P, n * outputs, P - 1);
      params.set(a.params);
      return { ...a, params, out };
    }],
  ])("predict refuses %s", (_, read, build) => {
    const a = build(fresh());
    expect(() => m.predict(a.params, a.X, a.out)).toThrow(`predict: out must not share memory with ${read}`);
  });
});

it("covers every layout: the seed is flat, its split twin has parts, mlp_2_64_64_1 is loops", async () => {
  const { readFileSync } = await import("node:fs");
  const text = (name: string) => readFileSync(new URL(`../generated/${name}.ts`, import.meta.url), "utf8");
  expect(text("seed")).not.toMatch(/Part0/);
  expect(readFileSync(splitSeedFile, "utf8")).toMatch(/function _lossAndGradientPart0\(/);
  expect(text("mlp_2_64_64_1")).toMatch(/function _forward1\(/);
});
