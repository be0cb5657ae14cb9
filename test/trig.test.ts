/**
 * sin and cos as symbolic ops: derivatives, second derivatives, evaluation, printing and generated
 * code, each against an independent oracle (central finite differences of the literal formula, closed
 * forms, the interpreter), at ordinary and large arguments (40, 400, 800).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  add, cos, defineModel, diff, evaluate, evaluateLiteral, gradient, hessian, hessianVectorProduct, mul, neg, pow, show,
  simplify, sin, sub, symbols, tanh,
} from "../generator/index.ts";
import { generateModule } from "../generator/pipeline.ts";
import { centralDifference, relativeError, rng, uniform } from "./helpers.ts";

const [x, a, b, c, x1, x2, y] = symbols("x a b c x1 x2 y");

describe("sin and cos", () => {
  it("fold constants, print as calls, and differentiate into each other", () => {
    expect([sin(0).op, sin(0).value, cos(0).value, sin(1).value]).toEqual(["num", 0, 1, Math.sin(1)]);
    expect(show(add(sin(x), cos(mul(2, x))))).toBe("sin(x) + cos(2*x)");
    expect(diff(sin(x), x)).toBe(cos(x));
    expect(diff(cos(x), x)).toBe(neg(sin(x)));
    expect(diff(diff(sin(x), x), x)).toBe(neg(sin(x)));
  });

  it("simplify sin(−x) and cos(−x) so that they share sin(x) and cos(x)", () => {
    expect(simplify(sin(neg(x)))).toBe(neg(sin(x)));
    expect(simplify(cos(mul(-3, x)))).toBe(cos(mul(3, x)));
    expect(simplify(add(sin(x), sin(neg(x)))).value).toBe(0);
    expect(simplify(sub(cos(x), cos(neg(x)))).value).toBe(0);
  });

  const f = add(mul(a, sin(add(mul(b, x), c))), mul(cos(mul(a, x)), tanh(sin(mul(c, x)))), pow(cos(b), 2));
  const vars = [a, b, c];
  const points = (label: string, scale: number) => {
    const random = rng(`trig-${label}`);
    return Array.from({ length: 20 }, () => ({ a: uniform(random, -2, 2), b: uniform(random, -2, 2), c: uniform(random, -2, 2), x: scale * uniform(random, -1, 1) }));
  };

  it.each([["ordinary", 3], ["large, |x| up to 40", 40], ["large, |x| up to 400", 400], ["large, |x| up to 800", 800]] as const)(
    "gradient vs central differences of the literal formula and vs the interpreter (%s)",
    (label, scale) => {
      const grads = gradient(f, vars);
      for (const env of points(label, scale)) {
        const symbolic = evaluate(grads, env);
        vars.forEach((v, k) => {
          const along = (t: number) => evaluateLiteral(f, { ...env, [v.name]: t });
          // The step shrinks as the arguments grow (sin(b·x) with |x| ≤ 800 curves 800× faster in b).
          const numeric = centralDifference(along, env[v.name as "a" | "b" | "c"], 1e-4 / scale);
          expect(Math.abs(symbolic[k] - numeric) / (1 + Math.abs(numeric))).toBeLessThan(1e-7);
          expect(relativeError(symbolic[k], evaluateLiteral(grads[k], env), 1e-12)).toBeLessThan(1e-12);
        });
      }
    },
  );

  it("second derivatives: the Hessian equals closed forms and the H·v equals H times v", () => {
    // g(a, b) = sin(a·b) + cos(a): ∂²g/∂a² = −b² sin(ab) − cos a, ∂²g/∂a∂b = cos(ab) − ab·sin(ab), ∂²g/∂b² = −a² sin(ab).
    const g = add(sin(mul(a, b)), cos(a));
    const H = hessian(g, [a, b]);
    const [v0, v1] = symbols("v0 v1");
    const Hv = hessianVectorProduct(g, [a, b], [v0, v1]);
    const random = rng("trig-hessian");
    for (let k = 0; k < 30; k++) {
      const av = uniform(random, -30, 30);
      const bv = uniform(random, -3, 3);
      const env = { a: av, b: bv, v0: uniform(random, -1, 1), v1: uniform(random, -1, 1) };
      const s = Math.sin(av * bv);
      const expected = [[-bv * bv * s - Math.cos(av), Math.cos(av * bv) - av * bv * s], [Math.cos(av * bv) - av * bv * s, -av * av * s]];
      const got = H.map((row) => evaluate(row, env));
      for (const i of [0, 1]) for (const j of [0, 1]) expect(Math.abs(got[i][j] - expected[i][j])).toBeLessThan(1e-12 * (1 + av * av));
      const hv = evaluate(Hv, env);
      for (const i of [0, 1]) expect(Math.abs(hv[i] - (expected[i][0] * env.v0 + expected[i][1] * env.v1))).toBeLessThan(1e-12 * (1 + av * av));
    }
  });
});

describe("a generated module with sin and cos", async () => {
  const out = add(mul(a, sin(add(mul(b, x1), c))), mul(c, cos(x2)), mul(b, sin(neg(x2))));
  const model = defineModel({ name: "trig", inputs: [x1, x2], targets: [y], params: [a, b, c], outputs: [out], loss: pow(sub(out, y), 2), task: "regression" });
  const generated = await generateModule(model);
  const file = join(mkdtempSync(join(tmpdir(), "symgrad-trig-")), "trig.ts");
  writeFileSync(file, generated.content);
  const m = (await import(file)) as {
    lossAndGradient(p: Float64Array, X: Float64Array, Y: Float64Array, g: Float64Array): number;
    predict(p: Float64Array, X: Float64Array, out: Float64Array): void;
    hessianVectorProduct(p: Float64Array, X: Float64Array, Y: Float64Array, v: Float64Array, out: Float64Array): number;
  };

  it("calls Math.sin and Math.cos, and sin(−x2) is −sin(x2)", () => {
    expect(generated.content).toMatch(/Math\.sin\(/);
    expect(generated.content).toMatch(/Math\.cos\(/);
    expect(generated.content).not.toMatch(/Math\.sin\(-/);
  });

  it("matches the interpreter and central differences, mean over the rows", () => {
    const random = rng("trig-generated");
    const n = 7;
    const X = Float64Array.from({ length: 2 * n }, () => uniform(random, -40, 40));
    const Y = Float64Array.from({ length: n }, () => uniform(random, -1, 1));
    const params = Float64Array.of(0.7, -1.3, 0.4);
    const grad = new Float64Array(3);
    const loss = m.lossAndGradient(params, X, Y, grad);
    const rows = Array.from({ length: n }, (_, i) => ({ a: params[0], b: params[1], c: params[2], x1: X[2 * i], x2: X[2 * i + 1], y: Y[i] }));
    const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
    const grads = gradient(model.loss, model.params);
    expect(relativeError(loss, mean(rows.map((env) => evaluate(model.loss, env))))).toBeLessThan(1e-13);
    [0, 1, 2].forEach((k) => {
      expect(relativeError(grad[k], mean(rows.map((env) => evaluate(grads[k], env))), 1e-12)).toBeLessThan(1e-12);
      const lossAt = (t: number) => mean(rows.map((env) => evaluateLiteral(model.loss, { ...env, [["a", "b", "c"][k]]: t })));
      expect(relativeError(grad[k], centralDifference(lossAt, params[k], 1e-6), 1e-3)).toBeLessThan(1e-5);
    });
    const predicted = new Float64Array(n);
    m.predict(params, X, predicted);
    rows.forEach((env, i) => expect(relativeError(predicted[i], evaluateLiteral(out, env), 1e-12)).toBeLessThan(1e-13));
    // H·v against central differences of the generated gradient along v.
    const v = Float64Array.of(0.3, -0.2, 0.9);
    const hv = new Float64Array(3);
    m.hessianVectorProduct(params, X, Y, v, hv);
    const gradAt = (t: number) => {
      const g = new Float64Array(3);
      m.lossAndGradient(params.map((p, k) => p + t * v[k]), X, Y, g);
      return g;
    };
    [0, 1, 2].forEach((k) => expect(relativeError(hv[k], centralDifference((t) => gradAt(t)[k], 0, 1e-5), 1e-2)).toBeLessThan(1e-5));
  });
});
