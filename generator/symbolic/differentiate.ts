/**
 * Symbolic differentiation over the shared DAG, with the local partials of derivatives.ts.
 *
 * - `diff(f, x)`: forward accumulation, one derivative like `sp.diff`. Differentiating per parameter
 *   this way repeats the whole chain rule for every parameter: that is the swell reverse mode avoids.
 * - `gradient(f, xs)`: reverse accumulation. Each node's adjoint is the sum of its parents'
 *   contributions, built once, so the gradient costs a small multiple of f however many xs there are.
 *
 * Both differentiate the simplified f (simplify.ts), as the generator does: the derivative of the
 * seed's literal loss is then σ(z) − y in its exact form, not exp(−z)/(1 + exp(−z))² that overflows,
 * so evaluate(diff(…)) agrees with the generated gradient everywhere.
 */
import { add, mul, ONE, ZERO, Expr } from "./expr.ts";
import { topologicalOrder } from "./dag.ts";
import { PARTIALS } from "./derivatives.ts";
import { simplify } from "./simplify.ts";

function checkSymbol(x: unknown, where: string): asserts x is Expr {
  if (!(x instanceof Expr) || x.op !== "sym") {
    const what = x instanceof Expr ? `a ${x.op} expression` : typeof x;
    throw new TypeError(`${where}: can only differentiate with respect to a symbol, got ${what}`);
  }
}

/** Nodes that depend on at least one of `targets` (everything else has zero derivative). */
function dependents(order: readonly Expr[], targets: ReadonlySet<Expr>): Set<Expr> {
  const out = new Set<Expr>();
  for (const n of order) if (targets.has(n) || n.args.some((a) => out.has(a))) out.add(n);
  return out;
}

/** ∂f/∂x, by forward accumulation over the (simplified) DAG. */
export function diff(expr: Expr, x: Expr): Expr {
  if (!(expr instanceof Expr)) throw new TypeError("diff: the first argument must be an Expr");
  checkSymbol(x, "diff");
  return forward(simplify(expr), x);
}

/**
 * ∂f/∂x of the expression exactly as written, without simplifying it first: what `sp.diff` does.
 * The benchmark's naive baseline (the seed's SymPy approach) uses it; evaluate its result with
 * evaluateLiteral to see the literal formula's own numerics.
 */
export function diffLiteral(f: Expr, x: Expr): Expr {
  if (!(f instanceof Expr)) throw new TypeError("diffLiteral: the first argument must be an Expr");
  checkSymbol(x, "diffLiteral");
  return forward(f, x);
}

/**
 * diffLiteral for each of `xs`, walking f's DAG once for all of them (the report's naive count takes
 * several derivatives of a whole network).
 */
export function diffLiteralEach(f: Expr, xs: readonly Expr[]): Expr[] {
  if (!(f instanceof Expr)) throw new TypeError("diffLiteral: the first argument must be an Expr");
  xs.forEach((x) => checkSymbol(x, "diffLiteral"));
  const order = topologicalOrder([f]);
  return xs.map((x) => forward(f, x, order));
}

function forward(f: Expr, x: Expr, order: readonly Expr[] = topologicalOrder([f])): Expr {
  const live = dependents(order, new Set([x]));
  const derivative = new Map<Expr, Expr>();
  for (const n of order) {
    if (!live.has(n)) continue;
    if (n === x) {
      derivative.set(n, ONE);
      continue;
    }
    const terms: Expr[] = [];
    n.args.forEach((a, i) => {
      const da = derivative.get(a);
      if (da) terms.push(mul(PARTIALS[n.op](n, i), da));
    });
    derivative.set(n, add(...terms));
  }
  return derivative.get(f) ?? ZERO;
}

/** [∂f/∂x for x of xs], by reverse accumulation over the (simplified) DAG. */
export function gradient(expr: Expr, xs: readonly Expr[]): Expr[] {
  if (!(expr instanceof Expr)) throw new TypeError("gradient: the first argument must be an Expr");
  if (!Array.isArray(xs)) throw new TypeError("gradient: the second argument must be an array of symbols");
  xs.forEach((x, i) => checkSymbol(x, `gradient (argument ${i})`));
  const f = simplify(expr);
  const order = topologicalOrder([f]);
  const live = dependents(order, new Set(xs));
  // contributions.get(n): the terms of n's adjoint, one per use of n by a parent.
  const contributions = new Map<Expr, Expr[]>([[f, [ONE]]]);
  const adjoint = new Map<Expr, Expr>();
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    const terms = contributions.get(n);
    if (!terms || !live.has(n)) continue;
    const bar = add(...terms); // every parent comes later in `order`, so all terms are in
    adjoint.set(n, bar);
    n.args.forEach((a, i) => {
      if (!live.has(a)) return;
      const list = contributions.get(a) ?? [];
      list.push(mul(bar, PARTIALS[n.op](n, i)));
      contributions.set(a, list);
    });
  }
  return xs.map((x) => adjoint.get(x) ?? ZERO);
}
