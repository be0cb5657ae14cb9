/**
 * The operator table: one row per op with its arity, float64 evaluation and readable name.
 * Derivatives live in derivatives.ts (one row per op too), TypeScript spelling in emit/print-expr.ts.
 *
 * Ops come in two layers:
 * - the modelling ops a user writes (add, mul, pow, exp, log, sigmoid, tanh, softplus, relu, …);
 * - the machine ops the stable lowering (lower.ts) introduces after differentiation
 *   (abs, log1p, max, select), so σ(z), σ(−z), softplus(±z) can share one exp(−|z|).
 * Every op is differentiable through the table, so any expression can be differentiated again.
 */
export type LeafOp = "num" | "sym";
export type Op =
  | LeafOp
  | "add"
  | "mul"
  | "pow"
  | "exp"
  | "log"
  | "log1p"
  | "sigmoid"
  | "tanh"
  | "softplus"
  | "relu"
  | "step"
  | "abs"
  | "max"
  | "logsumexp"
  | "select";

/** Number of arguments: a fixed count, or "n" for n-ary ops (at least one argument). */
export type Arity = 0 | 1 | 2 | 3 | "n";

export interface OpInfo {
  readonly arity: Arity;
  /** Float64 evaluation of the op on already-evaluated arguments. */
  readonly evaluate: (args: readonly number[]) => number;
  /** Whether argument order carries no meaning (the constructor then sorts arguments canonically). */
  readonly commutative: boolean;
}

function sigmoid(z: number): number {
  // Both branches are exact: exp never overflows because its argument is ≤ 0.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function softplus(z: number): number {
  // log(1 + e^z) = max(z, 0) + log1p(e^−|z|): finite for every finite z.
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

function logsumexp(args: readonly number[]): number {
  const m = Math.max(...args);
  if (m === Infinity || m === -Infinity) return m;
  let s = 0;
  for (const a of args) s += Math.exp(a - m);
  return m + Math.log(s);
}

function sum(args: readonly number[]): number {
  let s = 0;
  for (const a of args) s += a;
  return s;
}

function product(args: readonly number[]): number {
  let p = 1;
  for (const a of args) p *= a;
  return p;
}

const unary = (f: (x: number) => number) => (args: readonly number[]) => f(args[0]);

export const OPS: Readonly<Record<Op, OpInfo>> = {
  num: { arity: 0, commutative: false, evaluate: () => NaN },
  sym: { arity: 0, commutative: false, evaluate: () => NaN },
  add: { arity: "n", commutative: true, evaluate: sum },
  mul: { arity: "n", commutative: true, evaluate: product },
  pow: { arity: 2, commutative: false, evaluate: (a) => Math.pow(a[0], a[1]) },
  exp: { arity: 1, commutative: false, evaluate: unary(Math.exp) },
  log: { arity: 1, commutative: false, evaluate: unary(Math.log) },
  log1p: { arity: 1, commutative: false, evaluate: unary(Math.log1p) },
  sigmoid: { arity: 1, commutative: false, evaluate: unary(sigmoid) },
  tanh: { arity: 1, commutative: false, evaluate: unary(Math.tanh) },
  softplus: { arity: 1, commutative: false, evaluate: unary(softplus) },
  relu: { arity: 1, commutative: false, evaluate: unary((x) => (x > 0 ? x : 0)) },
  /** Heaviside step, the derivative of relu: 1 for x > 0, else 0 (so relu'(0) = 0, as in PyTorch). */
  step: { arity: 1, commutative: false, evaluate: unary((x) => (x > 0 ? 1 : 0)) },
  abs: { arity: 1, commutative: false, evaluate: unary(Math.abs) },
  max: { arity: "n", commutative: true, evaluate: (a) => Math.max(...a) },
  logsumexp: { arity: "n", commutative: true, evaluate: logsumexp },
  /** select(c, a, b) = c ≥ 0 ? a : b. */
  select: { arity: 3, commutative: false, evaluate: (a) => (a[0] >= 0 ? a[1] : a[2]) },
};
