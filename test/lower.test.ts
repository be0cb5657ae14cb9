/**
 * Stable lowering (lower.ts): the forms it produces, that related values share their transcendental
 * calls (counted on the scheduled program), and that the lowered values are exact at saturated
 * pre-activations (|z| of 40, 400, 800) against closed forms.
 */
import { describe, expect, it } from "vitest";
import {
  abs, add, diff, evaluate, evaluateLiteral, exp, log, log1p, logsumexp, lowerStable, max, mul, neg, pow, relu, schedule, select,
  sigmoid, softplus, sub, symbols, tanh, type Expr,
} from "../generator/index.ts";
import { relativeError } from "./helpers.ts";

const [a, b, y, z] = symbols("a b y z");
const e = exp(neg(abs(z)));
const r = pow(add(1, e), -1);

/** Operation counts by kind of the scheduled, lowered roots. */
const opsOf = (roots: readonly Expr[]) => schedule(lowerStable(roots)).counts.byKind;
const valueOf = (root: Expr, env: Record<string, number>) => evaluate(schedule(lowerStable([root])), env)[0];

describe("lowering forms", () => {
  it("σ(z) and σ(−z) are the two branches of one select on z, built from e = exp(−|z|), r = 1/(1 + e)", () => {
    expect(lowerStable([sigmoid(z)])[0]).toBe(select(z, r, mul(e, r)));
    expect(lowerStable([sigmoid(neg(z))])[0]).toBe(select(z, mul(e, r), r));
  });

  it("softplus(z) = relu(z) + log1p(exp(−|z|))", () => {
    expect(lowerStable([softplus(z)])[0]).toBe(add(relu(z), log1p(e)));
    expect(lowerStable([softplus(neg(z))])[0]).toBe(add(relu(neg(z)), log1p(e)));
  });

  it("σ(z)·σ(−z) needs no branch: r·(e·r)", () => {
    expect(lowerStable([mul(sigmoid(z), sigmoid(neg(z)))])[0]).toBe(mul(r, mul(e, r)));
  });

  it("the BCE pair y·softplus(−z) + (1 − y)·softplus(z) is log1p(e) plus one select", () => {
    const bce = add(mul(y, softplus(neg(z))), mul(sub(1, y), softplus(z)));
    expect(lowerStable([bce])[0]).toBe(add(log1p(e), select(z, mul(sub(1, y), z), neg(mul(y, z)))));
  });

  it("logsumexp(a, b) = m + log(Σ exp(aᵢ − m)), m = max(a, b)", () => {
    const m = max(a, b);
    expect(lowerStable([logsumexp(a, b)])[0]).toBe(add(m, log(add(exp(sub(a, m)), exp(sub(b, m))))));
  });

  it("leaves expressions without stable forms alone", () => {
    const plain = add(mul(a, b), exp(a), log(b));
    expect(lowerStable([plain])[0]).toBe(plain);
  });
});

describe("sharing of transcendental calls", () => {
  it("σ(z), σ(−z), softplus(z), softplus(−z) together: one exp and one log1p", () => {
    const counts = opsOf([sigmoid(z), sigmoid(neg(z)), softplus(z), softplus(neg(z))]);
    expect(counts.exp).toBe(1);
    expect(counts.log1p).toBe(1);
  });

  it("the BCE loss and its derivative σ(z) − y: one exp, one log1p, one division", () => {
    const bce = add(mul(y, softplus(neg(z))), mul(sub(1, y), softplus(z)));
    const derivative = sub(mul(sub(1, y), sigmoid(z)), mul(y, sigmoid(neg(z))));
    const counts = opsOf([bce, derivative]);
    expect([counts.exp, counts.log1p, counts.div]).toEqual([1, 1, 1]);
  });

  it("tanh(z), its derivative 1 − tanh(z)² and its second derivative: one expm1, no tanh or exp call", () => {
    const first = diff(tanh(z), z);
    const counts = opsOf([tanh(z), first, diff(first, z)]);
    expect([counts.expm1, counts.tanh ?? 0, counts.exp ?? 0, counts.div]).toEqual([1, 0, 0, 1]);
  });

  it("with compactTanh (programs too large for the expm1 form), tanh stays Math.tanh and tanh' stays 1 − tanh²", () => {
    const first = diff(tanh(z), z);
    expect(lowerStable([tanh(z), first], { compactTanh: true })).toEqual([tanh(z), first]);
  });

  it("softmax over logsumexp reuses the shifted exponentials: 2 exps for 2 classes", () => {
    const lse = logsumexp(a, b);
    const counts = opsOf([lse, exp(sub(a, lse)), exp(sub(b, lse))]);
    expect(counts.exp).toBe(2);
    expect(counts.log).toBe(1);
  });
});

describe("lowered values", () => {
  const sigma = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
  const zs = [-800, -400, -40, -1.5, 0, 0.25, 40, 400, 800];

  it("equal the literal formulas where those are accurate (|z| ≤ 1.5)", () => {
    for (const zv of [-1.5, -0.3, 0, 0.25, 1.5]) {
      for (const root of [sigmoid(z), sigmoid(neg(z)), softplus(z), softplus(neg(z)), mul(sigmoid(z), sigmoid(neg(z)))]) {
        expect(relativeError(valueOf(root, { z: zv }), evaluateLiteral(root, { z: zv }))).toBeLessThan(1e-15);
      }
    }
  });

  it("are exact at saturated pre-activations (closed forms)", () => {
    for (const zv of zs) {
      expect(relativeError(valueOf(sigmoid(z), { z: zv }), sigma(zv), 1e-320)).toBeLessThan(1e-15);
      expect(relativeError(valueOf(sigmoid(neg(z)), { z: zv }), sigma(-zv), 1e-320)).toBeLessThan(1e-15);
      // softplus(z) = max(z, 0) + log1p(e^−|z|): at |z| ≥ 40 the second term is e^−|z| to float precision.
      const softplusExact = Math.max(zv, 0) + (Math.abs(zv) >= 40 ? Math.exp(-Math.abs(zv)) : Math.log1p(Math.exp(-Math.abs(zv))));
      expect(relativeError(valueOf(softplus(z), { z: zv }), softplusExact, 1e-320)).toBeLessThan(1e-15);
      // σ'(z) = σ(z)σ(−z) = e^−|z| / (1 + e^−|z|)²: exact where 1 − σ(z) would round to 0.
      const ev = Math.exp(-Math.abs(zv));
      expect(relativeError(valueOf(mul(sigmoid(z), sigmoid(neg(z))), { z: zv }), ev / (1 + ev) ** 2, 1e-320)).toBeLessThan(1e-15);
    }
  });

  it("keep logsumexp finite where the literal log(Σ exp) overflows", () => {
    const env = { a: 800, b: 799 };
    expect(Number.isFinite(evaluateLiteral(log(add(exp(a), exp(b))), env))).toBe(false);
    expect(relativeError(valueOf(logsumexp(a, b), env), 800 + Math.log1p(Math.exp(-1)))).toBeLessThan(1e-15);
  });
});
