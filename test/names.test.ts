/**
 * Any identifier works as a symbol name: a model whose symbols are named like the generated module's
 * own arguments, locals, exports and the globals it calls still generates a module that type-checks,
 * keeps the user's names in PARAM_NAMES / Params, and agrees with the interpreter and with central
 * finite differences.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Project, ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  add, defineModel, evaluate, mul, pow, sigmoid, softplus, sub, sym, tanh, type Expr,
} from "../generator/index.ts";
import { generateModule, type GeneratedModule } from "../generator/pipeline.ts";
import { localNames } from "../generator/symbolic/names.ts";
import { centralDifference, relativeError, rng, uniform } from "./helpers.ts";

const INPUTS = ["X", "Y", "Math", "n", "i", "eval"];
const TARGETS = ["grad", "undefined"];
const PARAMS = [
  "a", "p", "out", "params", "loss", "predict", "Params", "t0", "Float64Array", "NaN", "constructor",
  "__proto__", "_", "$x", "θ", "arguments", "out_1", "_t0", "_i", "_n", "toString", "Infinity",
];
const s = (name: string): Expr => sym(name);

function everydayNamesModel() {
  const o1 = tanh(add(
    mul(s("a"), s("X")), mul(s("p"), s("Y")), mul(s("out"), s("Math")), mul(s("params"), s("n")), mul(s("loss"), s("i")), mul(s("predict"), s("eval")), s("Params"),
  ));
  const o2 = add(
    mul(s("t0"), sigmoid(add(mul(s("Float64Array"), s("X")), mul(s("NaN"), s("Y")), s("constructor")))),
    mul(s("__proto__"), tanh(add(mul(s("_"), s("Math")), s("$x")))),
    mul(s("θ"), softplus(add(mul(s("arguments"), s("n")), s("out_1")))),
    mul(s("_t0"), s("_i"), s("i")),
    mul(s("_n"), s("toString")),
    mul(s("Infinity"), s("eval")),
  );
  const loss = add(pow(sub(o1, s("grad")), 2), pow(sub(o2, s("undefined")), 2));
  return defineModel({
    name: "everyday_names",
    inputs: INPUTS.map(s), targets: TARGETS.map(s), params: PARAMS.map(s), outputs: [o1, o2], loss,
  });
}

interface LoadedModule {
  PARAM_NAMES: readonly string[];
  INPUT_NAMES: readonly string[];
  TARGET_NAMES: readonly string[];
  packParams(p: object): Float64Array;
  unpackParams(a: Float64Array): Record<string, number>;
  loss(params: Float64Array, X: Float64Array, Y: Float64Array): number;
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
  predict(params: Float64Array, X: Float64Array, out: Float64Array): void;
}

const dir = mkdtempSync(join(tmpdir(), "symgrad-names-"));
let generated: GeneratedModule;
let mod: LoadedModule;

beforeAll(async () => {
  generated = await generateModule(everydayNamesModel());
  const file = join(dir, generated.path);
  writeFileSync(file, generated.content);
  mod = (await import(file)) as LoadedModule;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a model named with everyday and awkward identifiers", () => {
  it("generates a module that TypeScript accepts in strict mode", () => {
    const project = new Project({
      useInMemoryFileSystem: true,
      compilerOptions: { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, noEmit: true },
    });
    project.createSourceFile(generated.path, generated.content);
    const diagnostics = project.getPreEmitDiagnostics();
    expect(project.formatDiagnosticsWithColorAndContext(diagnostics)).toBe("");
  });

  it("keeps the user's names in PARAM_NAMES, INPUT_NAMES, TARGET_NAMES and Params", () => {
    expect(mod.PARAM_NAMES).toEqual(PARAMS);
    expect(mod.INPUT_NAMES).toEqual(INPUTS);
    expect(mod.TARGET_NAMES).toEqual(TARGETS);
    expect(generated.content).toMatch(/\n  __proto__: number;/);
    expect(generated.content).toMatch(/\n  θ: number;/);
  });

  it("keeps safe names as locals and renames colliding ones deterministically", () => {
    const text = generated.content;
    for (const kept of ["a", "p", "loss", "predict", "Params", "t0", "constructor", "__proto__", "$x", "θ", "toString", "n", "i"]) {
      expect(text, kept).toContain(`const ${kept} = `);
    }
    // out_1 is the user's, so the local for `out` is out_2; _t0, _i, _n become _t0_1, _i_1, _n_1.
    for (const renamed of ["out_2", "params_1", "X_1", "Y_1", "Math_1", "eval_1", "grad_1", "undefined_1", "Float64Array_1", "NaN_1", "arguments_1", "Infinity_1", "_t0_1", "_i_1", "_n_1", "__1"]) {
      expect(text, renamed).toContain(`const ${renamed} = `);
    }
    expect(text).toContain("const out_1 = ");
    expect(localNames(["out", "out_1", "out_2_1"])("out")).toBe("out_2");
  });

  it("round-trips parameters by name, including __proto__ and constructor", () => {
    const a = Float64Array.from(PARAMS, (_, k) => k / 10 + 0.05);
    const byName = mod.unpackParams(a);
    expect(Object.keys(byName)).toEqual(PARAMS);
    expect(Object.getOwnPropertyDescriptor(byName, "__proto__")?.value).toBeCloseTo(1.15, 15);
    expect(byName.constructor).toBe(a[PARAMS.indexOf("constructor")]);
    expect(mod.packParams(byName)).toEqual(a);
  });

  it("agrees with the interpreter and with central finite differences at seeded points", () => {
    const random = rng("everyday-names");
    const P = PARAMS.length;
    const n = 5;
    for (let trial = 0; trial < 4; trial++) {
      const params = Float64Array.from({ length: P }, () => uniform(random, -1, 1));
      const X = Float64Array.from({ length: n * INPUTS.length }, () => uniform(random, -2, 2));
      const Y = Float64Array.from({ length: n * TARGETS.length }, () => uniform(random, -1, 1));
      const grad = new Float64Array(P);
      const value = mod.lossAndGradient(params, X, Y, grad);
      expect(mod.loss(params, X, Y)).toBe(value);

      // The interpreter on the same compiled program, sample by sample.
      let interpretedLoss = 0;
      const interpretedGrad = new Float64Array(P);
      for (let row = 0; row < n; row++) {
        const env: Record<string, number> = {};
        PARAMS.forEach((name, k) => Object.defineProperty(env, name, { value: params[k], enumerable: true }));
        INPUTS.forEach((name, j) => (env[name] = X[row * INPUTS.length + j]));
        TARGETS.forEach((name, j) => (env[name] = Y[row * TARGETS.length + j]));
        const compiled = generated.compiled;
        if (compiled.strategy !== "unrolled") throw new Error("expected a hand-written (unrolled) model");
        const [l, ...g] = evaluate(compiled.lossAndGradient, env);
        interpretedLoss += l / n;
        g.forEach((gk, k) => (interpretedGrad[k] += gk / n));
      }
      expect(relativeError(value, interpretedLoss)).toBeLessThan(1e-13);
      for (let k = 0; k < P; k++) {
        expect(relativeError(grad[k], interpretedGrad[k], 1e-12), PARAMS[k]).toBeLessThan(1e-12);
        const f = (v: number) => {
          const shifted = params.slice();
          shifted[k] = v;
          return mod.loss(shifted, X, Y);
        };
        expect(relativeError(grad[k], centralDifference(f, params[k]), 1e-4), PARAMS[k]).toBeLessThan(1e-6);
      }

      const out = new Float64Array(n * 2);
      mod.predict(params, X, out);
      expect(out.every(Number.isFinite)).toBe(true);
    }
  });
});
