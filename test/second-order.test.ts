/**
 * The symbolic second-order API (hessian, hessianVectorProduct) and the stable second derivatives,
 * against independent references: nested `diff`, closed forms evaluated with mpmath at 60 digits, and
 * the seed's Hessian from SymPy's sp.hessian of the literal loss at 1000 digits
 * (test/fixtures/seed_references.py).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import {
  add, diff, evaluate, evaluateLiteral, hessian, hessianVectorProduct, log, logsumexp, lowerStable, mul, sigmoid, simplify, softplus, sub,
  symbols, tanh, type Expr,
} from "../generator/index.ts";
import * as seed from "../generated/seed.ts";
import { relativeError } from "./helpers.ts";

/** Evaluates through the stable lowering, as the generated code does. */
const value = (e: Expr, env: Record<string, number>) => evaluate(lowerStable([e])[0], env);

describe("hessian and hessianVectorProduct", () => {
  const [a, b, c, v0, v1, v2] = symbols("a b c v0 v1 v2");
  const f = add(mul(sigmoid(mul(a, b)), c), softplus(sub(a, mul(2, c))), mul(tanh(b), a, a));
  const vars = [a, b, c];
  const env = { a: 0.7, b: -1.3, c: 0.4, v0: 0.3, v1: -2, v2: 1.1 };

  it("equals nested diff entry by entry, and is symmetric (the same node on both sides)", () => {
    const H = hessian(f, vars);
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) {
        expect(H[j][k]).toBe(H[k][j]);
        expect(relativeError(value(H[j][k], env), value(diff(diff(f, vars[j]), vars[k]), env), 1e-300)).toBeLessThan(1e-13);
      }
    }
  });

  it("H·v equals the Hessian times v, for symbolic v", () => {
    const H = hessian(f, vars);
    const v = [v0, v1, v2];
    const hv = hessianVectorProduct(f, vars, v);
    for (let j = 0; j < 3; j++) {
      const expected = H[j].reduce((s, h, k) => s + value(h, env) * env[`v${k}` as "v0"], 0);
      expect(relativeError(value(hv[j], env), expected, 1e-300)).toBeLessThan(1e-13);
    }
  });

  it("refuses what it cannot differentiate, with a message naming it", () => {
    expect(() => hessian(f, [a, mul(2, b)])).toThrow(/hessian: variable 1 must be a symbol, got a mul expression/);
    expect(() => hessianVectorProduct(f, vars, [v0])).toThrow(/v must have one entry per variable \(3\), got 1/);
  });
});

describe("stable second derivatives (references: mpmath, 60 digits)", () => {
  const [z, y] = symbols("z y");
  const second = (e: Expr) => hessian(e, [z])[0][0];
  // z → [σ''(z), softplus''(z) = σ(z)σ(−z)]; σ''(±800) ≈ ∓3.7e-348 rounds to 0 in float64.
  const REFERENCES: [number, string, string][] = [
    [40, "-4.2483542552915889231e-18", "4.2483542552915889592e-18"],
    [-40, "4.2483542552915889231e-18", "4.2483542552915889592e-18"],
    [400, "-1.915169596714005695e-174", "1.915169596714005695e-174"],
    [-400, "1.915169596714005695e-174", "1.915169596714005695e-174"],
    [800, "-3.6678745841776872135e-348", "3.6678745841776872135e-348"],
    [-800, "3.6678745841776872135e-348", "3.6678745841776872135e-348"],
    [1.5, "-9.4730212784752673691e-2", "1.491464520703328565e-1"],
  ];

  it.each(REFERENCES)("at z = %d: σ'', softplus'', BCE with logits'' to 1e-14 relative, log-sum-exp''", (zv, sigma2, softplus2) => {
    const env = { z: zv, y: 1 };
    expect(relativeError(value(second(sigmoid(z)), env), Number(sigma2), 1e-300)).toBeLessThan(1e-14);
    expect(relativeError(value(second(softplus(z)), env), Number(softplus2), 1e-300)).toBeLessThan(1e-14);
    // The seed's literal BCE of p = 1/(1 + exp(−z)); simplified, its second derivative is σ(z)σ(−z) for y = 0 and 1.
    const p = sigmoid(z);
    const bce = simplify(mul(-1, add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p))))));
    for (const yv of [0, 1]) expect(relativeError(value(second(bce), { z: zv, y: yv }), Number(softplus2), 1e-300)).toBeLessThan(1e-14);
    // log(e^z + e^0): its second derivative is p(1 − p) = σ(z)σ(−z) with p = softmax(z), built as
    // p·Σ_{j≠k} p_j (no 1 − p to cancel when the class dominates, see second-order.ts).
    const lse2 = value(second(logsumexp(z, 0)), env);
    expect(relativeError(lse2, Number(softplus2), 1e-300)).toBeLessThan(1e-14);
  });
});

describe("tanh and softmax second derivatives, relatively accurate in saturation (references: mpmath, 1000 digits)", () => {
  const [z, a0, a1, a2] = symbols("z a0 a1 a2");
  const fixtures = JSON.parse(readFileSync(new URL("./fixtures/second_derivative_references.json", import.meta.url), "utf8")) as {
    tanh: { z: number; first: string; second: string }[];
    softmax: { z: number; logits: number[]; hessian: string[] }[];
  };
  // tanh' and tanh'' as every generated program lowers them (lower.ts: sech² from one expm1).
  const accurate = (e: Expr) => lowerStable([e])[0];
  const tanhFirst = accurate(diff(tanh(z), z));
  const tanhSecond = accurate(hessian(tanh(z), [z])[0][0]);

  it.each(fixtures.tanh.map((c) => [c.z, c] as const))("tanh'(%d) and tanh''(%d) to 1e-14 relative", (_, c) => {
    // Beyond |z| ≈ 372 both underflow: the reference rounds to 0, and so must the value.
    expect(relativeError(evaluate(tanhFirst, { z: c.z }), Number(c.first), 1e-300)).toBeLessThan(1e-14);
    expect(relativeError(evaluate(tanhSecond, { z: c.z }), Number(c.second), 1e-300)).toBeLessThan(1e-14);
  });

  it("the derivative table's tanh' = 1 − tanh² is 0 where sech² is 7.2e-35; lowered, it is not", () => {
    expect(evaluateLiteral(diff(tanh(z), z), { z: 40 })).toBe(0);
    expect(relativeError(value(diff(tanh(z), z), { z: 40 }), 7.2194055513816606892e-35)).toBeLessThan(1e-15);
  });

  it.each(fixtures.softmax.map((c) => [c.z, c] as const))("the log-sum-exp Hessian at logits [%d, 1, −2], every entry to 1e-14 relative", (_, c) => {
    const H = hessian(logsumexp(a0, a1, a2), [a0, a1, a2]);
    const env = { a0: c.logits[0], a1: c.logits[1], a2: c.logits[2] };
    H.flat().forEach((h, k) => expect(relativeError(value(h, env), Number(c.hessian[k]), 1e-300), `entry ${k}`).toBeLessThan(1e-14));
  });
});

interface Reference {
  hidden: number[];
  z3: number;
  y: number;
  params: number[];
  x: number[];
  expected: string[];
  hessian: string[];
}

const REFERENCES: Reference[] = JSON.parse(
  readFileSync(new URL("./fixtures/seed_references.json", import.meta.url), "utf8"),
);

describe("the seed's generated hessian against sp.hessian of the literal loss (1000 digits)", () => {
  it.each(REFERENCES.map((r) => [r.hidden.join(", "), r.z3, r.y, r] as const))(
    "hidden (%s), z3 = %d, y = %d: every entry to 1e-9 relative",
    (_h, _z, _y, r) => {
      const H = new Float64Array(81);
      const loss = seed.hessian(Float64Array.from(r.params), Float64Array.from(r.x), Float64Array.from([r.y]), H);
      expect(relativeError(loss, Number(r.expected[0]), 1e-300)).toBeLessThan(1e-9);
      let u = 0;
      for (let j = 0; j < 9; j++) {
        for (let k = j; k < 9; k++) {
          const exact = Number(r.hessian[u++]);
          expect(relativeError(H[j * 9 + k], exact, 1e-300), `H[${j}][${k}]: ${H[j * 9 + k]} vs ${exact}`).toBeLessThan(1e-9);
          expect(H[k * 9 + j]).toBe(H[j * 9 + k]);
        }
      }
    },
  );
});
