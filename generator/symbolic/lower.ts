/**
 * Stable lowering, after differentiation: sigmoid, softplus and logsumexp become machine ops
 * (exp, log1p, abs, max, select) arranged so that related values share their transcendental calls.
 *
 * For a pre-activation z, with e = exp(−|z|) and r = 1/(1 + e):
 *   σ(z) = z ≥ 0 ? r : e·r        σ(−z) = z ≥ 0 ? e·r : r
 *   softplus(±z) = relu(±z) + log1p(e)
 * so σ(z), σ(−z) (both needed by σ' = σ(z)·σ(−z)) and the BCE terms softplus(±z) cost one exp and
 * one log1p together, and every one of them is accurate to the last digits for any finite z.
 * logsumexp(a) = m + log Σ exp(aᵢ − m) with m = max(a), and exp(x − logsumexp(a)) reuses the same
 * exponentials: exp(x − m) / Σ exp(aᵢ − m).
 *
 * σ'(z) = σ(z)·σ(−z) needs no branch at all: whatever the sign of z, the product is r·(e·r).
 *
 * A weighted pair a·softplus(−z) + b·softplus(z) with a + b = 1 (binary cross-entropy: a = y,
 * b = 1 − y) becomes log1p(e) + (z ≥ 0 ? b·z : −a·z): one log1p and one branch instead of two
 * relu branches and two sums, and still exact (no term cancels for 0/1 labels).
 *
 * tanh(z) and tanh'(z) = sech²(z) (the derivative table's 1 − tanh(z)², wherever the gradient uses it)
 * share one E = expm1(±2|z|), see tanhParts: tanh within 2.5 ulps of the exact value and sech²
 * relatively accurate for every z (1 − tanh² rounds to 0 once |z| > ~19, where the exact value is
 * 4·e^(−2|z|): 7.2e-35 at 40), for about the cost of Math.tanh alone (unless compactTanh: very large
 * programs, see compile.ts).
 * Rewriting here, after differentiation, keeps the DAG that is differentiated unchanged: the
 * reverse-mode adjoints stay products of one more factor per layer, which forward mode shares
 * (second-order.ts).
 */
import {
  abs, add, exp, expm1, isNum, log, log1p, max, mul, neg, ONE, pow, rebuild, relu, select, type Expr,
} from "./expr.ts";
import { topologicalOrder } from "./dag.ts";

/** z and whether u = −z, for u = c·rest with a negative constant c: σ(u) and σ(−u) share their parts. */
function splitSign(u: Expr): [z: Expr, negated: boolean] {
  if (u.op === "mul" && u.args[0].op === "num" && u.args[0].value < 0) return [neg(u), true];
  return [u, false];
}

function expParts(z: Expr) {
  const e = exp(neg(abs(z)));
  const r = pow(add(1, e), -1);
  return { e, r, er: mul(e, r) };
}

/** A sum term as weight · softplus(±z). */
function weightedSoftplus(term: Expr): { weight: Expr; z: Expr; negated: boolean } | undefined {
  const factors = term.op === "mul" ? term.args : [term];
  const i = factors.findIndex((f) => f.op === "softplus");
  if (i < 0) return undefined;
  const [z, negated] = splitSign(factors[i].args[0]);
  return { weight: mul(...factors.filter((_, j) => j !== i)), z, negated };
}

/** In a sum, the indices of a·softplus(−z) and b·softplus(z) whose weights add up to 1. */
function complementarySoftplusPair(sum: Expr): [number, number] | undefined {
  const terms = sum.args.map(weightedSoftplus);
  // Only the softplus terms are paired (a 20 000-term gradient sum has none: no quadratic scan).
  const negatives = terms.flatMap((t, i) => (t?.negated ? [i] : []));
  const positives = terms.flatMap((t, j) => (t && !t.negated ? [j] : []));
  for (const i of negatives) {
    for (const j of positives) {
      const a = terms[i]!;
      const b = terms[j]!;
      if (a.z === b.z && add(a.weight, b.weight) === ONE) return [i, j];
    }
  }
  return undefined;
}

/** A product's factors with each pair select(c, a, b)·select(c, b, a) replaced by a·b. */
function mergeMirroredSelects(factors: readonly Expr[]): Expr[] {
  const out = [...factors];
  for (let i = 0; i < out.length; i++) {
    const f = out[i];
    if (f.op !== "select") continue;
    const [c, a, b] = f.args;
    const j = out.findIndex((g, k) => k > i && g.op === "select" && g.args[0] === c && g.args[1] === b && g.args[2] === a);
    if (j < 0) continue;
    out.splice(j, 1);
    out.splice(i, 1, a, b);
  }
  return out;
}

/** For u = x − logsumexp(a): x and the logsumexp node. */
export function minusLogSumExp(u: Expr): { rest: Expr; lse: Expr } | undefined {
  const terms = u.op === "add" ? u.args : [u];
  const i = terms.findIndex(
    (t) => t.op === "mul" && t.args.length === 2 && isNum(t.args[0], -1) && t.args[1].op === "logsumexp",
  );
  if (i < 0) return undefined;
  return { rest: add(...terms.filter((_, j) => j !== i)), lse: terms[i].args[1] };
}

/**
 * tanh(z) and sech²(z) from one E = expm1(x), with x = 2|z| for |z| ≥ 1 and x = −2|z| below (the two
 * halves of fdlibm's tanh) and r = 1/(2 + E):
 *   |tanh(z)| = 1 − 2r (|z| ≥ 1)  or  −E·r (|z| < 1)        sech²(z) = 4r(1 − r) = 4r − (2r)²
 * since (1 + E)/(2 + E)² = r(1 − r) for either sign of x. Nothing cancels: for |z| ≥ 1, 1 − 2r ≥ 0.76
 * and r ≤ 0.12 (sech² is 0 once E overflows beyond |z| ≈ 355, where it is below the smallest normal
 * number anyway); for |z| < 1, −E is accurate near 0 and r(1 − r) ≥ 0.1 (test/tanh.test.ts, against
 * mpmath: tanh within 2.5 ulps of the exact value, sech² within 6.1e-16 relative). The sign select keeps
 * tanh(−0) = −0, tanh(NaN) = NaN and tanh(±∞) = ±1, as Math.tanh has them.
 * sech² is a sum, not the product 4·r·(1 − r): a product would merge into every product it multiplies,
 * and the reverse-mode adjoints, products of one more factor per layer, would stop sharing their
 * prefixes (measured with an earlier product form of sech², a 50-deep tanh chain's H·v: 9 800
 * operations instead of 3 400).
 * The select picks the argument, not the function: both sides are cheap, so the kernel runs as fast
 * whatever the order of |z| ≥ 1 and |z| < 1 values. Measured and rejected: G = |z| ≥ 1 ? exp(−2|z|) :
 * expm1(−2|z|), q = 1/(|z| ≥ 1 ? 1 + G : 2 + G), r = |z| ≥ 1 ? G·q : q (|tanh| = 1 − 2r or −G·q, sech²
 * as above; as accurate, and e^(−2|z|) never overflows). _exp saves only _expm1's TwoSum, but the select
 * between the two inlined bodies is a real branch, and on the bench's 2-16-16-1 pre-activations (23 %
 * with |z| ≥ 1, in no predictable order) it mispredicts: the tanh kernel took 60 µs instead of 34 µs for
 * 3 200 values (33.3 against 33.2 µs with the same values sorted by |z|), the whole lossAndGradient
 * 199 µs instead of 142 µs in one process, and the bench's ratio to the hand loop fell from 3.42–3.53×
 * to 2.61–3.15× (six interleaved processes each).
 */
function tanhParts(z: Expr): { tanh: Expr; sech2: Expr } {
  const y = abs(z);
  const large = add(y, -1); // select(large, a, b): a for |z| ≥ 1
  const E = expm1(select(large, mul(2, y), mul(-2, y)));
  const r = pow(add(2, E), -1);
  const magnitude = select(large, add(1, mul(-2, r)), neg(mul(E, r)));
  return {
    tanh: select(z, select(neg(z), z, magnitude), neg(magnitude)),
    sech2: add(mul(4, r), neg(pow(mul(2, r), 2))),
  };
}

/** z for the node 1 − tanh(z)² (the derivative table's tanh'), else undefined. */
function tanhComplementArgument(n: Expr): Expr | undefined {
  if (n.args.length !== 2 || !isNum(n.args[0], 1)) return undefined;
  const square = n.args[1].op === "mul" && n.args[1].args.length === 2 && isNum(n.args[1].args[0], -1) ? n.args[1].args[1] : undefined;
  const t = square?.op === "pow" && isNum(square.args[1], 2) ? square.args[0] : undefined;
  return t?.op === "tanh" && add(1, neg(pow(t, 2))) === n ? t.args[0] : undefined;
}

export interface LowerOptions {
  /**
   * Keep Math.tanh and the derivative table's 1 − tanh(z)² (accurate in absolute terms only): for
   * programs too large to afford tanhParts' ~20 operations per tanh (compile.ts decides).
   */
  readonly compactTanh?: boolean;
}

export function lowerStable(roots: readonly Expr[], options: LowerOptions = {}): Expr[] {
  const memo = new Map<Expr, Expr>();
  const lseMemo = new Map<Expr, { m: Expr; sum: Expr; shifted: (x: Expr) => Expr }>();

  const lseParts = (lse: Expr) => {
    let parts = lseMemo.get(lse);
    if (!parts) {
      const a = lse.args.map(lower);
      const m = max(...a);
      const shifted = (x: Expr) => exp(add(x, neg(m)));
      parts = { m, sum: add(...a.map(shifted)), shifted };
      lseMemo.set(lse, parts);
    }
    return parts;
  };

  const lowerNode = (n: Expr): Expr => {
    switch (n.op) {
      case "sigmoid": {
        const [z, negated] = splitSign(lower(n.args[0]));
        const { r, er } = expParts(z);
        return negated ? select(z, er, r) : select(z, r, er);
      }
      case "softplus": {
        const u = lower(n.args[0]);
        return add(relu(u), log1p(expParts(splitSign(u)[0]).e));
      }
      case "logsumexp": {
        const { m, sum } = lseParts(n);
        return add(m, log(sum));
      }
      case "tanh":
        if (options.compactTanh) break;
        return tanhParts(lower(n.args[0])).tanh;
      case "add": {
        const tanhArgument = options.compactTanh ? undefined : tanhComplementArgument(n);
        if (tanhArgument) return tanhParts(lower(tanhArgument)).sech2;
        const pair = complementarySoftplusPair(n);
        if (!pair) break;
        const [a, b] = pair.map((k) => weightedSoftplus(n.args[k])!);
        const z = lower(a.z);
        const rest = n.args.filter((_, k) => !pair.includes(k)).map(lower);
        const linear = select(z, mul(lower(b.weight), z), neg(mul(lower(a.weight), z)));
        return add(log1p(expParts(z).e), linear, ...rest);
      }
      case "mul":
        return mul(...mergeMirroredSelects(n.args.map(lower)));
      case "exp": {
        const split = minusLogSumExp(n.args[0]);
        if (!split) break;
        const { sum, shifted } = lseParts(split.lse);
        return mul(shifted(lower(split.rest)), pow(sum, -1));
      }
    }
    return rebuild(n.op, n.args.map(lower), n);
  };

  function lower(n: Expr): Expr {
    let out = memo.get(n);
    if (!out) {
      out = lowerNode(n);
      memo.set(n, out);
    }
    return out;
  }

  // Children first, so that lower() only ever recurses into nodes the rules build (a level or two).
  for (const n of topologicalOrder(roots)) lower(n);
  return roots.map(lower);
}
