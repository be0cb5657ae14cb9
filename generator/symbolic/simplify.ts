/**
 * Named rewrite rules that the constructors do not apply on their own: they recognise functions
 * written out literally (the seed's 1/(1 + exp(−z)) is sigmoid) and replace forms that lose precision
 * in float64 by stable ones. Each rule is valid for all real inputs where the original is defined.
 *
 * With these, the seed's literal loss −(y·log p + (1 − y)·log(1 − p)), p = 1/(1 + exp(−z)), becomes
 * y·softplus(−z) + (1 − y)·softplus(z), whose derivative in z is (1 − y)·σ(z) − y·σ(−z) = σ(z) − y:
 * finite and exact to the last digits at any z.
 */
import {
  add, cos, exp, isNum, log, logsumexp, mul, neg, rebuild, sigmoid, sin, softplus, type Expr,
} from "./expr.ts";
import { rewriteBottomUp } from "./dag.ts";

export interface Rule {
  readonly name: string;
  /** The rewritten node, or undefined when the rule does not apply. Arguments are already simplified. */
  readonly apply: (node: Expr) => Expr | undefined;
}

const isExp = (e: Expr) => e.op === "exp";
const isSigmoid = (e: Expr) => e.op === "sigmoid";
/** −t as written by neg(t): the product of −1 and exactly one other factor. */
const negated = (e: Expr): Expr | undefined =>
  e.op === "mul" && e.args.length === 2 && isNum(e.args[0], -1) ? e.args[1] : undefined;

const hasNegativeCoefficient = (e: Expr): boolean =>
  e.op === "mul" && e.args[0].op === "num" && e.args[0].value < 0;

/** True when the expression is positive for every real input (used by the rules on log). */
export function isPositive(e: Expr): boolean {
  switch (e.op) {
    case "num":
      return e.value > 0;
    case "exp":
    case "sigmoid":
    case "softplus":
      return true;
    case "add":
    case "mul":
      return e.args.every(isPositive);
    case "pow":
      return isPositive(e.args[0]);
    default:
      return false;
  }
}

export const RULES: readonly Rule[] = [
  {
    name: "sigmoid: 1/(1 + exp(u)) → σ(−u)",
    apply: (n) => {
      if (n.op !== "pow" || !isNum(n.args[1], -1)) return undefined;
      const base = n.args[0];
      if (base.op !== "add" || base.args.length !== 2 || !isNum(base.args[0], 1) || !isExp(base.args[1])) return undefined;
      return sigmoid(neg(base.args[1].args[0]));
    },
  },
  {
    name: "one minus sigmoid: 1 − σ(z) → σ(−z)",
    apply: (n) => {
      if (n.op !== "add" || !n.args.some((t) => isNum(t, 1))) return undefined;
      const i = n.args.findIndex((t) => negated(t)?.op === "sigmoid");
      if (i < 0) return undefined;
      const z = negated(n.args[i])!.args[0];
      const rest = n.args.filter((t, j) => j !== i && !isNum(t, 1));
      return add(sigmoid(neg(z)), ...rest);
    },
  },
  {
    name: "log sigmoid: log σ(z) → −softplus(−z)",
    apply: (n) => (n.op === "log" && isSigmoid(n.args[0]) ? neg(softplus(neg(n.args[0].args[0]))) : undefined),
  },
  {
    name: "softplus: log(1 + exp(z)) → softplus(z)",
    apply: (n) => {
      const a = n.op === "log" ? n.args[0] : undefined;
      if (!a || a.op !== "add" || a.args.length !== 2 || !isNum(a.args[0], 1) || !isExp(a.args[1])) return undefined;
      return softplus(a.args[1].args[0]);
    },
  },
  {
    name: "log exp: log(exp(z)) → z",
    apply: (n) => (n.op === "log" && isExp(n.args[0]) ? n.args[0].args[0] : undefined),
  },
  {
    name: "exp log: exp(log(z)) → z",
    apply: (n) => (n.op === "exp" && n.args[0].op === "log" ? n.args[0].args[0] : undefined),
  },
  {
    name: "log of a positive product: log(a·b) → log a + log b",
    apply: (n) => {
      const a = n.op === "log" ? n.args[0] : undefined;
      return a && a.op === "mul" && isPositive(a) ? add(...a.args.map(log)) : undefined;
    },
  },
  {
    name: "log of a positive power: log(b^e) → e·log b",
    apply: (n) => {
      const a = n.op === "log" ? n.args[0] : undefined;
      return a && a.op === "pow" && isPositive(a.args[0]) ? mul(a.args[1], log(a.args[0])) : undefined;
    },
  },
  {
    name: "log-sum-exp: log(Σ exp(aᵢ)) → logsumexp(a)",
    apply: (n) => {
      const a = n.op === "log" ? n.args[0] : undefined;
      if (!a || a.op !== "add" || !a.args.every(isExp)) return undefined;
      return logsumexp(...a.args.map((t) => t.args[0]));
    },
  },
  {
    name: "softmax: exp(a)/Σ exp(zᵢ) → exp(a − logsumexp(z))",
    apply: (n) => {
      if (n.op !== "mul") return undefined;
      const d = n.args.findIndex(
        (f) => f.op === "pow" && isNum(f.args[1], -1) && f.args[0].op === "add" && f.args[0].args.every(isExp),
      );
      const e = n.args.findIndex(isExp);
      if (d < 0 || e < 0) return undefined;
      const lse = logsumexp(...n.args[d].args[0].args.map((t) => t.args[0]));
      const rest = n.args.filter((_, j) => j !== d && j !== e);
      return mul(exp(add(n.args[e].args[0], neg(lse))), ...rest);
    },
  },
  {
    // Only when every term is negated: distributing −1 over a sum with positive terms would make −z a
    // second sum instead of a product of z, and σ(z), σ(−z) could no longer share exp(−|z|).
    name: "negated sum of negatives: −(−a − b) → a + b",
    apply: (n) => {
      const sum = negated(n);
      if (!sum || sum.op !== "add" || !sum.args.every((t) => negated(t) ?? hasNegativeCoefficient(t))) return undefined;
      return add(...sum.args.map(neg));
    },
  },
  {
    // With these two, sin(x) and sin(−x), cos(x) and cos(−x) are one call each (exact in float64 too:
    // Math.sin is odd and Math.cos even).
    name: "sin is odd: sin(−u) → −sin(u)",
    apply: (n) => (n.op === "sin" && hasNegativeCoefficient(n.args[0]) ? neg(sin(neg(n.args[0]))) : undefined),
  },
  {
    name: "cos is even: cos(−u) → cos(u)",
    apply: (n) => (n.op === "cos" && hasNegativeCoefficient(n.args[0]) ? cos(neg(n.args[0])) : undefined),
  },
];

const simplified = new Map<Expr, Expr>();

/** Apply the rules bottom-up until none applies. Results are cached across calls. */
export function simplify(expr: Expr): Expr {
  return simplifyAll([expr])[0];
}

export function simplifyAll(roots: readonly Expr[]): Expr[] {
  return rewriteBottomUp(roots, (node, args) => {
    const known = simplified.get(node);
    if (known) return known;
    const result = applyRules(rebuild(node.op, args, node));
    simplified.set(node, result);
    simplified.set(result, result);
    return result;
  });
}

function applyRules(node: Expr): Expr {
  for (const rule of RULES) {
    const out = rule.apply(node);
    // The rewritten node is built from simplified parts but may itself match further rules.
    if (out !== undefined && out !== node) return simplify(out);
  }
  return node;
}
