/**
 * Local partial derivatives, one row per op: partial(node, i) = ∂node/∂(its i-th argument),
 * written with the canonicalizing constructors so that it shares structure with the node itself.
 *
 * Choices that matter numerically:
 * - σ'(z) = σ(z)·σ(−z), not σ(z)(1 − σ(z)): the latter loses every digit once σ(z) rounds to 1.
 * - relu'(0) = 0 (step(0) = 0), as PyTorch and JAX define it; abs'(0) = 1; ties in max count for
 *   every maximal argument. These points have measure zero for training.
 * - tanh'(z) = 1 − tanh(z)²: accurate in absolute terms (~1e-16) but not relatively once |z| > ~18; the
 *   stable lowering (lower.ts) computes it as sech²(z), relatively accurate, sharing tanh(z)'s expm1.
 */
import {
  add, cos, exp, log, mul, neg, pow, select, sigmoid, sin, step, tanh, MINUS_ONE, ONE, ZERO, type Expr,
} from "./expr.ts";
import type { Op } from "./ops.ts";

type Partial = (node: Expr, i: number) => Expr;

const arg0 = (node: Expr) => node.args[0];

export const PARTIALS: Readonly<Record<Op, Partial>> = {
  num: () => ZERO,
  sym: () => ZERO,
  add: () => ONE,
  mul: (node, i) => mul(...node.args.filter((_, j) => j !== i)),
  pow: (node, i) => {
    const [base, exponent] = node.args;
    return i === 0 ? mul(exponent, pow(base, add(exponent, -1))) : mul(log(base), node);
  },
  exp: (node) => node,
  log: (node) => pow(arg0(node), -1),
  log1p: (node) => pow(add(1, arg0(node)), -1),
  expm1: (node) => exp(arg0(node)),
  sigmoid: (node) => mul(node, sigmoid(neg(arg0(node)))),
  tanh: (node) => add(1, neg(pow(tanh(arg0(node)), 2))),
  softplus: (node) => sigmoid(arg0(node)),
  relu: (node) => step(arg0(node)),
  step: () => ZERO,
  abs: (node) => select(arg0(node), ONE, MINUS_ONE),
  max: (node, i) => select(add(node.args[i], neg(node)), ONE, ZERO),
  logsumexp: (node, i) => exp(add(node.args[i], neg(node))), // softmax_i
  select: (node, i) => {
    const c = node.args[0];
    return i === 0 ? ZERO : i === 1 ? select(c, ONE, ZERO) : select(c, ZERO, ONE);
  },
  sin: (node) => cos(arg0(node)),
  cos: (node) => neg(sin(arg0(node))),
};
