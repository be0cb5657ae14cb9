/** Every op's derivative rule against central finite differences, at seeded random points. */
import { describe, expect, it } from "vitest";
import {
  abs, add, diff, div, evaluate, exp, expm1, gradient, log, log1p, logsumexp, max, mul, neg, pow, relu, select, sigmoid,
  softplus, sqrt, step, sub, symbols, tanh, sin, cos, type Expr,
} from "../generator/index.ts";
import { PARTIALS } from "../generator/symbolic/derivatives.ts";
import { OPS } from "../generator/symbolic/ops.ts";
import { centralDifference, relativeError, rng, uniform } from "./helpers.ts";

const [x, a, b] = symbols("x a b");

/** [op, expression in x (a and b are other symbols), interval x is drawn from]. */
const ROWS: [string, Expr, [number, number]][] = [
  ["add", add(x, a, mul(2, x)), [-3, 3]],
  ["mul", mul(x, a, b, x), [-3, 3]],
  ["pow (integer exponent)", pow(x, 3), [-3, 3]],
  ["pow (negative exponent)", pow(x, -2), [0.5, 3]],
  ["pow (real exponent)", pow(x, 1.7), [0.2, 3]],
  ["pow (symbolic exponent)", pow(add(2, mul(a, a)), x), [-2, 2]],
  ["pow (symbolic base and exponent)", pow(x, x), [0.3, 2]],
  ["sqrt", sqrt(x), [0.1, 4]],
  ["div", div(a, x), [0.5, 3]],
  ["sub and neg", sub(a, neg(mul(x, x))), [-3, 3]],
  ["exp", exp(x), [-5, 5]],
  ["log", log(x), [0.1, 5]],
  ["log1p", log1p(x), [-0.9, 5]],
  ["expm1", expm1(mul(a, x)), [-5, 5]],
  ["sigmoid", sigmoid(x), [-8, 8]],
  ["tanh", tanh(x), [-4, 4]],
  ["softplus", softplus(x), [-8, 8]],
  ["relu", relu(x), [-3, 3]],
  ["step (derivative 0 away from 0)", mul(step(x), x), [-3, 3]],
  ["abs", abs(x), [-3, 3]],
  ["max", max(x, a, b), [-3, 3]],
  ["logsumexp", logsumexp(x, a, b), [-5, 5]],
  ["select (condition and branches)", select(x, mul(x, x), mul(a, x)), [-3, 3]],
  ["sin", sin(mul(a, x)), [-6, 6]],
  ["cos", cos(add(mul(3, x), a)), [-6, 6]],
];

describe("derivative table", () => {
  it("has one row per op", () => {
    expect(Object.keys(PARTIALS).sort()).toEqual(Object.keys(OPS).sort());
  });

  it.each(ROWS)("%s: diff matches central differences and gradient", (_, e, [lo, hi]) => {
    const random = rng(`derivatives/${_}`);
    const d = diff(e, x);
    const [g] = gradient(e, [x]);
    for (let k = 0; k < 25; k++) {
      const env = { x: uniform(random, lo, hi), a: uniform(random, -2, 2), b: uniform(random, -2, 2) };
      // Kinks (relu, abs, max, select) are not differentiable: skip points within a step of one.
      if (Math.abs(env.x) < 1e-3 || Math.abs(env.x - env.a) < 1e-3 || Math.abs(env.x - env.b) < 1e-3) continue;
      const f = (v: number) => evaluate(e, { ...env, x: v });
      const exact = evaluate(d, env);
      expect(relativeError(exact, centralDifference(f, env.x), 1e-3)).toBeLessThan(1e-6);
      expect(relativeError(evaluate(g, env), exact, 1e-300)).toBeLessThan(1e-12);
    }
  });

  it("defines relu'(0) = 0", () => {
    expect(evaluate(diff(relu(x), x), { x: 0 })).toBe(0);
  });
});
