/**
 * The operator table: one row per op with its rank in the canonical order, arity and float64 evaluation.
 * The other per-op tables are complete by type (Record<Op, …> or a mapped type over CompoundOp), so a
 * new op does not compile until it has every row: its constructor (expr.ts's CONSTRUCTORS), its partial
 * derivatives (derivatives.ts), and its TypeScript spelling (emit/print-expr.ts); its cost is one call
 * unless symbolic/cost.ts says otherwise.
 *
 * Ops come in two layers:
 * - the modelling ops a user writes (add, mul, pow, exp, log, sigmoid, tanh, softplus, relu, sin, cos, …);
 * - the machine ops the stable lowering (lower.ts) introduces after differentiation
 *   (abs, log1p, expm1, max, select), so σ(z), σ(−z), softplus(±z) can share one exp(−|z|) and tanh(z),
 *   tanh'(z) one expm1.
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
  | "expm1"
  | "sigmoid"
  | "tanh"
  | "softplus"
  | "relu"
  | "step"
  | "abs"
  | "max"
  | "logsumexp"
  | "select"
  | "sin"
  | "cos";

/** Every op that has arguments (every op but the leaves). */
export type CompoundOp = Exclude<Op, LeafOp>;

/** Number of arguments: a fixed count, or "n" for n-ary ops (at least one argument). */
export type Arity = 0 | 1 | 2 | 3 | "n";

export interface OpInfo {
  /**
   * Position in the canonical order of expressions (expr.ts's compareExpr, and its structural hash):
   * arguments of sums and products are sorted by it, so the ranks decide what canonical forms look
   * like. Constants must rank first (a coefficient is always a product's first factor, the constant
   * of a sum its first term: the rewrites in simplify.ts and lower.ts read args[0]), then symbols.
   * Ranks are explicit so that the order of the rows below means nothing; they must be distinct
   * (checked when this module loads), and changing one changes every generated module.
   */
  readonly rank: number;
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
  num: { rank: 0, arity: 0, commutative: false, evaluate: () => NaN },
  sym: { rank: 1, arity: 0, commutative: false, evaluate: () => NaN },
  add: { rank: 2, arity: "n", commutative: true, evaluate: sum },
  mul: { rank: 3, arity: "n", commutative: true, evaluate: product },
  pow: { rank: 4, arity: 2, commutative: false, evaluate: (a) => Math.pow(a[0], a[1]) },
  exp: { rank: 5, arity: 1, commutative: false, evaluate: unary(Math.exp) },
  log: { rank: 6, arity: 1, commutative: false, evaluate: unary(Math.log) },
  log1p: { rank: 7, arity: 1, commutative: false, evaluate: unary(Math.log1p) },
  sigmoid: { rank: 8, arity: 1, commutative: false, evaluate: unary(sigmoid) },
  tanh: { rank: 9, arity: 1, commutative: false, evaluate: unary(Math.tanh) },
  softplus: { rank: 10, arity: 1, commutative: false, evaluate: unary(softplus) },
  relu: { rank: 11, arity: 1, commutative: false, evaluate: unary((x) => (x > 0 ? x : 0)) },
  /** Heaviside step, the derivative of relu: 1 for x > 0, else 0 (so relu'(0) = 0, as in PyTorch). */
  step: { rank: 12, arity: 1, commutative: false, evaluate: unary((x) => (x > 0 ? 1 : 0)) },
  abs: { rank: 13, arity: 1, commutative: false, evaluate: unary(Math.abs) },
  max: { rank: 14, arity: "n", commutative: true, evaluate: (a) => Math.max(...a) },
  logsumexp: { rank: 15, arity: "n", commutative: true, evaluate: logsumexp },
  /** select(c, a, b) = c ≥ 0 ? a : b. */
  select: { rank: 16, arity: 3, commutative: false, evaluate: (a) => (a[0] >= 0 ? a[1] : a[2]) },
  sin: { rank: 17, arity: 1, commutative: false, evaluate: unary(Math.sin) },
  cos: { rank: 18, arity: 1, commutative: false, evaluate: unary(Math.cos) },
  /** exp(x) − 1, accurate near 0 where exp(x) − 1 cancels. */
  expm1: { rank: 19, arity: 1, commutative: false, evaluate: unary(Math.expm1) },
};

/** The ranks of OPS as one table, after checking that no two ops share a rank. */
export const OP_RANK: Readonly<Record<Op, number>> = checkedRanks(OPS);

/** Each op's rank in `ops`; throws unless ranks are distinct integers with num lowest and sym next. */
export function checkedRanks(ops: Readonly<Record<Op, OpInfo>>): Record<Op, number> {
  const byRank = new Map<number, Op>();
  for (const op of Object.keys(ops) as Op[]) {
    const { rank } = ops[op];
    const other = byRank.get(rank);
    if (other !== undefined || !Number.isInteger(rank)) {
      throw new Error(`ops.ts: op ${op} has rank ${rank}${other ? `, as ${other} has` : ""}: ranks must be distinct integers`);
    }
    byRank.set(rank, op);
  }
  const [first, second] = [...byRank.keys()].sort((a, b) => a - b).map((rank) => byRank.get(rank));
  if (first !== "num" || second !== "sym") throw new Error("ops.ts: num must have the lowest rank and sym the next one");
  return Object.fromEntries((Object.keys(ops) as Op[]).map((op) => [op, ops[op].rank])) as Record<Op, number>;
}
