/**
 * Second derivatives over the shared DAG: Hessian-vector products and dense Hessians.
 *
 * Both start from the reverse-mode gradient (differentiate.ts), itself a shared DAG, and differentiate
 * it once more in forward mode: every node of the gradient DAG gets a tangent, the sum of its local
 * partials (derivatives.ts) times its arguments' tangents.
 *
 * Why forward-over-reverse for H·v (Pearlmutter's R-operator) rather than reverse-over-reverse
 * (the gradient of g·v): both cost a small multiple of the gradient, but the forward pass adds exactly
 * one tangent per node of the gradient DAG and reuses the gradient's own nodes as its coefficients,
 * while a second reverse sweep builds adjoints of adjoints, sums of contributions from every use of
 * every node, which the constructors cannot fold as well. Measured on the shipped models (scheduled
 * operations per sample, loss included; forward-over-reverse vs reverse-over-reverse): seed 118 vs 194,
 * mlp_2_16_1 586 vs 890, mlp_2_16_16_1 6602 vs 11 322, softmax_2_8_3 608 vs 626.
 *
 * Numerically the second derivatives inherit the stable first derivatives of the table:
 *   σ'(z) = σ(z)·σ(−z)  →  σ''(z) = σ(z)·σ(−z)·(σ(−z) − σ(z)) (as σ·σ(−z)² − σ²·σ(−z), no cancellation
 *                            where either term dominates),
 *   softplus'(z) = σ(z) →  softplus''(z) = σ(z)·σ(−z),
 *   BCE with logits: ∂/∂z = (1 − y)·σ(z) − y·σ(−z) → ∂²/∂z² = (1 − y)·σ(z)σ(−z) + y·σ(z)σ(−z),
 *   log-sum-exp: ∂/∂aᵢ = exp(aᵢ − lse) → ∂²/∂aᵢ∂aⱼ = softmaxᵢ·(δᵢⱼ − softmaxⱼ),
 * and the stable lowering (lower.ts) builds every σ(±z) from one exp(−|z|), so all of them are finite
 * and accurate at pre-activations of ±40, ±400, ±800.
 * Two derivatives of the table are accurate only in absolute terms in saturation, and are replaced with
 * forms that stay relatively accurate at pre-activations of ±40, ±400, ±800:
 * - tanh'(z) = 1 − tanh(z)² rounds to 0 once |z| > ~19 (tanh² rounds to 1), although the exact value
 *   is 4·e^(−2|z|) (7.2e-35 at |z| = 40). The DAG keeps the table's 1 − tanh² (so the gradient's
 *   adjoints stay products of one more factor per layer, which productTangent shares), and its tangent
 *   is −2·tanh·ṫ = −2·tanh(z)·(1 − tanh²)·ż: a product, nothing to cancel. The stable lowering then
 *   builds tanh(z) and every 1 − tanh(z)² as sech²(z) from one expm1 (lower.ts, tanhParts), in every
 *   program with second-order code, first order included (larger unrolled ones keep 1 − tanh²: compile.ts), so tanh' and tanh'' are relatively accurate, and finite differences
 *   of the generated gradient are smooth where units saturate; evaluate() lowers the same way.
 * - the softmax block: the tangent of p_k = exp(x − lse(a)) is p_k·(ẋ − Σᵢ pᵢ·ȧᵢ), and for the class
 *   that dominates (p_k → 1) ẋ_k − p_k·ẋ_k cancels. With Σᵢ pᵢ = 1 it equals p_k·Σᵢ pᵢ·(ẋ − ȧᵢ), where
 *   the i = k term is exactly zero: p_k(1 − p_k)·ż_k becomes p_k·Σ_{i≠k} pᵢ·ż_k, without the 1 − p_k
 *   (softmaxTangent below).
 */
import { add, Expr, exp, findNode, mul, neg, ONE, toExpr, ZERO, type ExprLike } from "./expr.ts";
import { topologicalOrder } from "./dag.ts";
import { minusLogSumExp } from "./lower.ts";
import { PARTIALS } from "./derivatives.ts";
import { gradient } from "./differentiate.ts";

function checkVars(vars: unknown, where: string): asserts vars is readonly Expr[] {
  if (!Array.isArray(vars)) throw new TypeError(`${where}: the variables must be an array of symbols`);
  vars.forEach((x, i) => {
    if (!(x instanceof Expr) || x.op !== "sym") {
      throw new TypeError(`${where}: variable ${i} must be a symbol, got ${x instanceof Expr ? `a ${x.op} expression` : typeof x}`);
    }
  });
}

/**
 * The directional derivative of each root along `direction` (one entry per variable): Σₖ ∂root/∂varₖ · dₖ,
 * by forward accumulation over the roots' shared DAG. Nodes that do not depend on a variable with a
 * non-zero direction get no tangent at all, so unit directions only touch what depends on that variable.
 */
export function directionalDerivative(roots: readonly Expr[], vars: readonly Expr[], direction: readonly ExprLike[]): Expr[] {
  checkVars(vars, "directionalDerivative");
  if (!Array.isArray(direction) || direction.length !== vars.length) {
    throw new RangeError(`directionalDerivative: expected one direction entry per variable (${vars.length}), got ${Array.isArray(direction) ? direction.length : typeof direction}`);
  }
  const order = topologicalOrder(roots);
  const tangents = new Tangents(new Set(order));
  vars.forEach((x, k) => tangents.set(x, toExpr(direction[k])));
  for (const n of order) computeTangent(n, tangents);
  return roots.map((r) => tangents.of(r));
}

/** Sets n's tangent from its arguments' (which must be computed already); each node once. */
function computeTangent(n: Expr, tangents: Tangents): void {
  if (n.op === "sym" || n.op === "num" || tangents.isComputed(n)) return;
  tangents.set(n, n.op === "mul" ? productTangent(n, tangents) : (n.op === "exp" && softmaxTangent(n, tangents)) || chainRule(n, tangents));
}

/**
 * The tangent of a softmax entry p = exp(x − lse(a)) as p·Σᵢ pᵢ·(ẋ − ȧᵢ) (see the file comment),
 * or undefined when n is not of that shape or lse(a) has no tangent (then the chain rule is exact).
 */
function softmaxTangent(n: Expr, tangents: Tangents): Expr | undefined {
  const split = minusLogSumExp(n.args[0]);
  if (!split || tangents.of(split.lse) === ZERO) return undefined;
  const dx = tangents.of(split.rest);
  const terms = split.lse.args.map((a) => mul(exp(add(a, neg(split.lse))), add(dx, neg(tangents.of(a)))));
  return mul(n, add(...terms));
}


/** The tangents computed so far (absent: zero), and which nodes belong to the DAG being differentiated. */
class Tangents {
  private readonly map = new Map<Expr, Expr>();
  private readonly computed = new Set<Expr>();
  constructor(private readonly dag: ReadonlySet<Expr>) {}
  /** A node's tangent: zero when it does not depend on a variable with a non-zero direction. */
  of(n: Expr): Expr {
    return this.map.get(n) ?? ZERO;
  }
  set(n: Expr, t: Expr): void {
    this.computed.add(n);
    if (t !== ZERO) this.map.set(n, t);
  }
  isComputed(n: Expr): boolean {
    return this.computed.has(n);
  }
  /** Nodes outside the DAG (found in the intern table, made by earlier work) must not be used:
   *  whether they exist depends on what else the process built, and the output must not. */
  inDag(n: Expr): boolean {
    return this.dag.has(n);
  }
}

/** Σᵢ ∂n/∂aᵢ · ȧᵢ over the arguments aᵢ that have a tangent. */
function chainRule(n: Expr, tangents: Tangents): Expr {
  const terms: Expr[] = [];
  n.args.forEach((a, i) => {
    const da = tangents.of(a);
    if (da !== ZERO) terms.push(mul(PARTIALS[n.op](n, i), da));
  });
  return add(...terms);
}

/**
 * The tangent of a product. Where the product is another product of the DAG times one more factor
 * (reverse mode makes exactly these: a neuron's adjoint times each of its inputs), d(S·a) = dS·a + S·da
 * reuses the tangent of S, computed once for all the products that share it. Otherwise the product
 * rule is applied one factor at a time, about 3 operations per factor with a tangent instead of the
 * m(m − 1) multiplications of "all factors but one" for each of m such factors.
 */
function productTangent(n: Expr, tangents: Tangents): Expr {
  const live = n.args.filter((a) => tangents.of(a) !== ZERO);
  if (live.length <= 1) return chainRule(n, tangents);
  if (n.args.length >= 3) {
    const splits = n.args.flatMap((a, i) => {
      const rest = findNode("mul", n.args.filter((_, j) => j !== i));
      return rest && tangents.inDag(rest) ? [{ rest, a }] : [];
    });
    // A rest whose tangent is known already is shared for free; else the first in canonical order.
    const split = splits.find((s) => tangents.isComputed(s.rest)) ?? splits[0];
    if (split) {
      computeTangent(split.rest, tangents); // its factors are n's, computed already; it may come later in the DAG
      return add(mul(tangents.of(split.rest), split.a), mul(split.rest, tangents.of(split.a)));
    }
  }
  const constant = mul(...n.args.filter((a) => tangents.of(a) === ZERO));
  let product: Expr = live[0];
  let derivative: Expr = tangents.of(live[0]);
  for (const a of live.slice(1)) {
    derivative = add(mul(derivative, a), mul(product, tangents.of(a)));
    product = mul(product, a);
  }
  return mul(constant, derivative);
}

/**
 * H·v for the Hessian H of `expr` in `vars` and a vector `v` (symbols or any expressions, one per
 * variable): forward mode over the reverse-mode gradient (see the file comment for why).
 */
export function hessianVectorProduct(expr: Expr, vars: readonly Expr[], v: readonly ExprLike[]): Expr[] {
  if (!(expr instanceof Expr)) throw new TypeError("hessianVectorProduct: the first argument must be an Expr");
  checkVars(vars, "hessianVectorProduct");
  if (!Array.isArray(v) || v.length !== vars.length) {
    throw new RangeError(`hessianVectorProduct: v must have one entry per variable (${vars.length}), got ${Array.isArray(v) ? v.length : typeof v}`);
  }
  return directionalDerivative(gradient(expr, vars), vars, v);
}

/**
 * The Hessian of `expr` in `vars`, like `sp.hessian`: H[j][k] = ∂²expr/∂varⱼ∂varₖ. Column k is the
 * derivative of the shared gradient DAG along varₖ (only rows j ≥ k are built); H[k][j] is the very
 * same node as H[j][k], so the matrix is symmetric by construction.
 */
export function hessian(expr: Expr, vars: readonly Expr[]): Expr[][] {
  if (!(expr instanceof Expr)) throw new TypeError("hessian: the first argument must be an Expr");
  checkVars(vars, "hessian");
  return jacobianOfGradient(gradient(expr, vars), vars);
}

/** The Hessian from an already built gradient `g` of the same variables (see hessian). */
export function jacobianOfGradient(g: readonly Expr[], vars: readonly Expr[]): Expr[][] {
  const H: Expr[][] = vars.map(() => new Array<Expr>(vars.length).fill(ZERO));
  vars.forEach((_, k) => {
    const unit = vars.map((__, j) => (j === k ? ONE : ZERO));
    const column = directionalDerivative(g.slice(k), vars, unit); // H[k][k], H[k+1][k], …
    column.forEach((entry, i) => {
      H[k + i][k] = entry;
      H[k][k + i] = entry;
    });
  });
  return H;
}

/** The upper triangle of an n×n symmetric matrix, row by row: (j, k) for j ≤ k. */
export function upperTriangle(n: number): [row: number, column: number][] {
  const out: [number, number][] = [];
  for (let j = 0; j < n; j++) for (let k = j; k < n; k++) out.push([j, k]);
  return out;
}
