/**
 * Readable text for expressions and programs, in SymPy's style: `b1 + w11*x1 + w12*x2`,
 * `1/(1 + exp(-z))`, `x**2`. Sums print their constant last; products put factors with negative
 * exponents in a denominator. Shared subexpressions print in full each time (use showProgram to see
 * the sharing).
 */
import { isNum, pow, type Expr } from "./expr.ts";
import type { Operand, Program } from "./schedule.ts";

const enum Precedence {
  Sum = 1,
  Product = 2,
  Power = 3,
  Atom = 4,
}

/** Shortest text that reads back as the same float64 (JavaScript's own number printing). */
export function formatNumber(v: number): string {
  return String(v);
}

export function show(e: Expr): string {
  return showAt(e, 0);
}

function wrap(text: string, own: Precedence, context: number): string {
  return own < context ? `(${text})` : text;
}

function showAt(e: Expr, context: number): string {
  switch (e.op) {
    case "num":
      return wrap(formatNumber(e.value), e.value < 0 ? Precedence.Sum : Precedence.Atom, context);
    case "sym":
      return e.name;
    case "add":
      return wrap(showSum(e), Precedence.Sum, context);
    case "mul":
      return showProduct(e, context);
    case "pow":
      return showPower(e, context);
    default:
      return `${e.op}(${e.args.map((a) => showAt(a, 0)).join(", ")})`;
  }
}

/** A term's sign and its magnitude as text: −3·x → [true, "3*x"]. */
function signedTerm(t: Expr): [negative: boolean, text: string] {
  if (t.op === "num" && t.value < 0) return [true, formatNumber(-t.value)];
  if (t.op === "mul" && t.args[0].op === "num" && t.args[0].value < 0) {
    const magnitude = -t.args[0].value;
    const rest = t.args.slice(1);
    return [true, showFactors(magnitude, rest, Precedence.Sum + 1)];
  }
  return [false, showAt(t, Precedence.Sum + 1)];
}

function showSum(e: Expr): string {
  // Constants go last, as SymPy prints x + 1, unless that would lead with a minus: 1 - y, not -y + 1.
  const terms = [...e.args.filter((t) => t.op !== "num"), ...e.args.filter((t) => t.op === "num")];
  const firstPositive = terms.findIndex((t) => !signedTerm(t)[0]);
  if (firstPositive > 0) terms.unshift(...terms.splice(firstPositive, 1));
  return terms
    .map((t, i) => {
      const [negative, text] = signedTerm(t);
      if (i === 0) return negative ? `-${text}` : text;
      return negative ? ` - ${text}` : ` + ${text}`;
    })
    .join("");
}

function showProduct(e: Expr, context: number): string {
  const hasCoefficient = e.args[0].op === "num";
  const coefficient = hasCoefficient ? e.args[0].value : 1;
  const factors = hasCoefficient ? e.args.slice(1) : e.args;
  if (coefficient < 0) return wrap(`-${showFactors(-coefficient, factors, Precedence.Product)}`, Precedence.Sum, context);
  return showFactors(coefficient, factors, context);
}

/** coefficient · factors, with negative powers in a denominator. */
function showFactors(coefficient: number, factors: readonly Expr[], context: number): string {
  const numerator: string[] = coefficient === 1 ? [] : [formatNumber(coefficient)];
  const denominator: Expr[] = [];
  for (const f of factors) {
    if (f.op === "pow" && f.args[1].op === "num" && f.args[1].value < 0) denominator.push(reciprocalBase(f));
    else numerator.push(showAt(f, Precedence.Product));
  }
  let text = numerator.length > 0 ? numerator.join("*") : "1";
  if (denominator.length === 1) text += `/${showAt(denominator[0], Precedence.Power)}`;
  else if (denominator.length > 1) text += `/(${denominator.map((d) => showAt(d, Precedence.Product)).join("*")})`;
  const own = denominator.length > 0 || numerator.length > 1 ? Precedence.Product : Precedence.Atom;
  return wrap(text, own, context);
}

/** x**−n as the positive power x**n (or x itself for n = 1). */
function reciprocalBase(f: Expr): Expr {
  const [base, exponent] = f.args;
  return pow(base, -exponent.value);
}

function showPower(e: Expr, context: number): string {
  const [base, exponent] = e.args;
  if (isNum(exponent, 0.5)) return `sqrt(${showAt(base, 0)})`;
  if (exponent.op === "num" && exponent.value < 0) return wrap(`1/${showAt(reciprocalBase(e), Precedence.Power)}`, Precedence.Product, context);
  return wrap(`${showAt(base, Precedence.Atom)}**${showAt(exponent, Precedence.Atom)}`, Precedence.Power, context);
}

function showOperand(o: Operand): string {
  if (o.kind === "sym") return o.name;
  if (o.kind === "num") return formatNumber(o.value);
  return `t${o.index}`;
}

/** One line per assignment (`t3 = mul(t1, x1)`), then the outputs. */
export function showProgram(p: Program): string {
  const lines = p.assignments.map(
    (a, i) => `t${i} = ${a.op}(${a.args.map(showOperand).join(", ")})${a.invariant ? "  # invariant" : ""}`,
  );
  lines.push(`return [${p.outputs.map(showOperand).join(", ")}]`);
  return lines.join("\n");
}
