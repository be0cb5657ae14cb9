/**
 * Hash-consed, immutable expression nodes and their canonicalizing constructors.
 *
 * Every node is interned by (op, argument identities): building the same expression twice returns
 * the same object, so a DAG's sharing is explicit and `===` is structural equality.
 * Commutative arguments are sorted by `compareExpr`, a structural order (never creation order), so an
 * expression built in any order, in any process, is the same node and prints the same.
 *
 * Canonical forms, applied on construction (as SymPy's Add/Mul do):
 * - add: flattened (nested sums of up to 16 terms), constants folded, like terms collected
 *   (2x + 3x → 5x, x − x → 0), x + 0 → x;
 * - mul: flattened (likewise), constants folded, x·1 → x, x·0 → 0, equal bases merged (x·x → x², x·x⁻¹ → 1:
 *   like SymPy, x/x is 1 without asking whether x could be 0);
 * - pow: x⁰ → 1, x¹ → x, (x^a)^n → x^(a·n) for integer n, exp(a)^b → exp(a·b), constants folded;
 * - unary ops fold constant arguments.
 * No distribution (2·(x + y) stays a product) so that shared sums stay shared.
 */
import { OP_RANK, OPS, type CompoundOp, type Op } from "./ops.ts";
import { checkSymbolName } from "./names.ts";
import { topologicalOrder } from "./dag.ts";
import { show } from "./show.ts";

export class Expr {
  /** Creation number: used only to key intern tables, never for ordering. */
  readonly id: number;
  readonly op: Op;
  readonly args: readonly Expr[];
  /** The constant of a "num" node (NaN otherwise). */
  readonly value: number;
  /** The name of a "sym" node ("" otherwise). */
  readonly name: string;
  /** Longest path to a leaf (leaves: 0). */
  readonly height: number;
  /**
   * Two independent 32-bit hashes of the structure (not of creation order), for compareExpr. Kept as
   * signed integers (small integers to V8; unsigned values above 2^31 were a boxed number per field per
   * node) and compared as unsigned.
   */
  readonly hash1: number;
  readonly hash2: number;
  /** Present only on objects the constructor made: see isGenuine. */
  readonly #genuine = true;

  static isGenuine(x: unknown): x is Expr {
    return typeof x === "object" && x !== null && #genuine in x;
  }

  /**
   * Nodes are made only by the constructors below (sym, num, add, …), which intern and validate them:
   * the token is private to this module, so `new Expr(…)` anywhere else throws.
   */
  constructor(token: typeof CONSTRUCTION_TOKEN, id: number, op: Op, args: readonly Expr[], value: number, name: string) {
    if (token !== CONSTRUCTION_TOKEN) {
      throw new TypeError("Expr nodes are made by symgrad's constructors (sym, num, add, mul, …), not with new Expr(…)");
    }
    this.id = id;
    this.op = op;
    this.args = args;
    this.value = value;
    this.name = name;
    let height = 0;
    for (const a of args) if (a.height >= height) height = a.height + 1;
    this.height = height;
    this.hash1 = structuralHashes(op, args, op === "num" ? String(value) : name) | 0;
    this.hash2 = secondHash | 0;
    Object.freeze(this);
  }

  /** The expression as show() prints it (a summary when the printed text would be huge). */
  toString(): string {
    const size = printedSize(this);
    if (size <= PRINT_LIMIT) return show(this);
    return `<${this.op} expression: ${size > 1e15 ? "over 1e15" : size} nodes once shared parts are repeated; see showProgram(schedule([expr]))>`;
  }

  /** console.log and util.inspect print the expression too (Node's util.inspect.custom). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

const CONSTRUCTION_TOKEN: unique symbol = Symbol("symgrad Expr construction");

/** Largest expression (counted as a tree, shared parts repeated) that toString prints in full. */
const PRINT_LIMIT = 20_000;

/** Number of nodes of the expression as a tree, without building it (each DAG node visited once). */
function printedSize(root: Expr): number {
  const size = new Map<Expr, number>();
  for (const n of topologicalOrder([root])) size.set(n, n.args.reduce((total, a) => total + size.get(a)!, 1));
  return size.get(root)!;
}

/** FNV-1a style mixing of 32-bit words. */
function mix(h: number, word: number): number {
  return Math.imul(h ^ word, 0x01000193) >>> 0;
}

/** The second hash of the last structuralHashes call (returned this way: a pair in an array was an allocation per node). */
let secondHash = 0;

/**
 * Two independent hashes of a node's structure: returns the first, leaves the second in secondHash. A
 * network of 66 000 weights makes hundreds of thousands of nodes, each hashed once.
 */
function structuralHashes(op: Op, args: readonly Expr[], text: string): number {
  let h1 = mix(0x811c9dc5, OP_RANK[op]);
  let h2 = mix(0x050c5d1f, OP_RANK[op]);
  for (let i = 0; i < text.length; i++) {
    h1 = mix(h1, text.charCodeAt(i));
    h2 = mix(h2, text.charCodeAt(i) + 0x9e37);
  }
  for (const a of args) {
    h1 = mix(mix(h1, a.hash1), a.hash2);
    h2 = mix(mix(h2, a.hash2), a.hash1);
  }
  secondHash = h2;
  return h1;
}

/** What the constructors accept: an expression, or a plain number standing for a constant. */
export type ExprLike = Expr | number;

let nextId = 0;

/** FNV-style hash of a compound node's op and argument ids, as a signed 32-bit integer (a small-integer key). */
function compoundHash(op: Op, args: readonly Expr[]): number {
  let h = mix(0x811c9dc5, OP_RANK[op]);
  for (const a of args) h = mix(h, a.id);
  return h | 0;
}

/**
 * Compound nodes by a 32-bit hash of (op, argument ids), each checked against the node found; a node
 * whose hash another node holds already is kept apart under its full key ("mul,12,34"). Numbers as keys,
 * not such strings: a network of 66 000 weights interns hundreds of thousands of nodes, and a string key
 * cost every lookup an allocation and a hash of the string. Exported for its test, which gives it a
 * hash under which every node collides.
 */
export class CompoundTable {
  private readonly byHash = new Map<number, Expr>();
  private readonly collided = new Map<string, Expr>();

  constructor(private readonly hash: (op: Op, args: readonly Expr[]) => number = compoundHash) {}

  /** The node of `op` on exactly these arguments, if there is one. */
  find(op: Op, args: readonly Expr[]): Expr | undefined {
    const found = this.byHash.get(this.hash(op, args));
    if (found !== undefined && isNodeOf(found, op, args)) return found;
    return this.collided.size > 0 ? this.collided.get(compoundKey(op, args)) : undefined;
  }

  /** Adds a node that find() does not know yet. */
  add(node: Expr): void {
    const hash = this.hash(node.op, node.args);
    if (this.byHash.has(hash)) this.collided.set(compoundKey(node.op, node.args), node);
    else this.byHash.set(hash, node);
  }
}

function compoundKey(op: Op, args: readonly Expr[]): string {
  let key: string = op;
  for (const a of args) key += `,${a.id}`;
  return key;
}

function isNodeOf(n: Expr, op: Op, args: readonly Expr[]): boolean {
  if (n.op !== op || n.args.length !== args.length) return false;
  for (let i = 0; i < args.length; i++) if (n.args[i] !== args[i]) return false;
  return true;
}

/** The intern tables: constants by value, symbols by name, compound nodes in a CompoundTable. */
const constants = new Map<number, Expr>();
const symbolsByName = new Map<string, Expr>();
const compoundNodes = new CompoundTable();

/** The arguments of every leaf (one frozen empty array rather than one per symbol and constant). */
const NO_ARGS: readonly Expr[] = Object.freeze([]);

function makeNode(op: Op, args: Expr[], value = NaN, name = ""): Expr {
  return new Expr(CONSTRUCTION_TOKEN, nextId++, op, args.length === 0 ? NO_ARGS : Object.freeze(args), value, name);
}

/** The compound node of `op` on `args` (which the caller hands over: a fresh array, frozen here if new). */
function internCompound(op: Op, args: Expr[]): Expr {
  const found = compoundNodes.find(op, args);
  if (found) return found;
  const node = makeNode(op, args);
  compoundNodes.add(node);
  return node;
}

/** A numeric constant. Non-finite constants are rejected: they have no place in a gradient. */
export function num(value: number): Expr {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`num: constant must be a finite number, got ${String(value)}`);
  }
  const v = value === 0 ? 0 : value; // −0 and 0 are one constant
  let node = constants.get(v);
  if (node === undefined) constants.set(v, (node = makeNode("num", [], v)));
  return node;
}

/** A symbol. The name must be a valid identifier that generated code can use as-is. */
export function sym(name: string): Expr {
  // A name already interned was checked when its symbol was made.
  const existing = typeof name === "string" ? symbolsByName.get(name) : undefined;
  if (existing) return existing;
  checkSymbolName(name);
  const node = makeNode("sym", [], NaN, name);
  symbolsByName.set(name, node);
  return node;
}

/**
 * What separates the names given to `symbols`: a comma or any character of JavaScript's `\s` (the
 * split below), listed so that the type `Symbols` splits exactly where the function does.
 */
export const NAME_SEPARATORS = [
  ",", "\t", "\n", "\v", "\f", "\r", " ", "\u00a0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004",
  "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff",
] as const;
type NameSeparator = (typeof NAME_SEPARATORS)[number];

/**
 * Counts the names of a literal string character by character, giving up (Expr[]) after
 * SYMBOLS_TUPLE_MAX_CHARS characters: TypeScript refuses types that recurse ~1 000 levels deep, and a
 * compile error in a user's model file would be worse than an untyped length.
 */
type ScanNames<S extends string, InName extends boolean, Names extends Expr[], Seen extends 0[]> =
  Seen["length"] extends SymbolsTupleMaxChars ? Expr[]
  : S extends `${infer C}${infer Rest}`
    ? C extends NameSeparator ? ScanNames<Rest, false, Names, [...Seen, 0]>
    : InName extends true ? ScanNames<Rest, true, Names, [...Seen, 0]>
    : ScanNames<Rest, true, [...Names, Expr], [...Seen, 0]>
  : Names;
type SymbolsTupleMaxChars = 400;

/**
 * What `symbols(names)` returns: for a string literal (of up to 400 characters), a tuple of one Expr
 * per name, so that `const [x, y] = symbols("x y")` types x and y as Expr even in a project compiled
 * with noUncheckedIndexedAccess; for any other string, Expr[]. (`{} extends Record<S, true>` holds
 * exactly when S is `string` or a pattern such as `x${number}`, whose names cannot be counted; a union
 * of literals gives the union of their tuples.)
 */
export type Symbols<S extends string> = S extends unknown
  ? {} extends Record<S, true> ? Expr[] : ScanNames<S, false, [], []>
  : never;

/** Space- or comma-separated names, like `sp.symbols("x1 x2 y")`. */
export function symbols<S extends string>(names: S): Symbols<S> {
  if (typeof names !== "string") throw new TypeError("symbols: expected a string of names");
  const list = names.split(/[\s,]+/).filter((n) => n.length > 0);
  if (list.length === 0) throw new RangeError("symbols: no names given");
  return list.map(sym) as Symbols<S>;
}

export function toExpr(x: ExprLike): Expr {
  if (isGenuine(x)) return x;
  if ((x as unknown) instanceof Expr) throw new TypeError("expected an Expr made by symgrad's constructors, got a lookalike object");
  if (typeof x === "number") return num(x);
  throw new TypeError(`expected an Expr or a number, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "object" ? "an object" : `${typeof x} ${String(x)}`;
}

export const ZERO = num(0);
export const ONE = num(1);
export const MINUS_ONE = num(-1);

export const isNum = (e: Expr, v?: number): boolean => e.op === "num" && (v === undefined || e.value === v);

/** Build a compound node from already canonical arguments (sorting commutative ones). */
function node(op: Op, args: Expr[]): Expr {
  if (OPS[op].commutative) args.sort(compareExpr);
  return internCompound(op, args);
}

/**
 * Whether `x` is a node of this copy of symgrad, made by its constructors (and so validated). A
 * lookalike built with Object.create(Expr.prototype), or a node of another copy of these modules, is
 * not: only the constructor gives a node the private brand.
 */
export function isGenuine(x: unknown): x is Expr {
  return Expr.isGenuine(x);
}

/** The existing node of `op` on exactly these arguments (in canonical order), without creating one. */
export function findNode(op: Op, args: readonly Expr[]): Expr | undefined {
  return compoundNodes.find(op, args);
}

// ---------------------------------------------------------------------------------------------
// Structural order
// ---------------------------------------------------------------------------------------------

const naturalOrder = new Intl.Collator("en", { numeric: true });

/** How deep compareExpr compares argument by argument before it compares (height, hashes) instead. */
const LEXICOGRAPHIC_DEPTH = 8;

/**
 * A total structural order: constants first (by value), then symbols (natural order, so w2 < w10),
 * then compound nodes by op, then arguments left to right (to a depth of 8; below that by height and
 * structural hashes, which keeps a comparison cheap however deep the expressions are), then count.
 * It depends only on structure, so it is the same in every process and for every build order.
 */
export function compareExpr(a: Expr, b: Expr): number {
  return compareTo(a, b, LEXICOGRAPHIC_DEPTH);
}

function compareTo(a: Expr, b: Expr, depth: number): number {
  if (a === b) return 0;
  const rank = OP_RANK[a.op] - OP_RANK[b.op];
  if (rank !== 0) return rank;
  if (a.op === "num") return a.value - b.value;
  if (a.op === "sym") return naturalOrder.compare(a.name, b.name) || (a.name < b.name ? -1 : 1);
  if (depth === 0) {
    const byShape = a.height - b.height || (a.hash1 >>> 0) - (b.hash1 >>> 0) || (a.hash2 >>> 0) - (b.hash2 >>> 0);
    // Equal hashes of different nodes (about one chance in 2^64): compare in full, as a last resort.
    if (byShape !== 0) return byShape;
    depth = Infinity;
  }
  const n = Math.min(a.args.length, b.args.length);
  for (let i = 0; i < n; i++) {
    const c = compareTo(a.args[i], b.args[i], depth - 1);
    if (c !== 0) return c;
  }
  return a.args.length - b.args.length;
}

// ---------------------------------------------------------------------------------------------
// add
// ---------------------------------------------------------------------------------------------

/** Split a term into numeric coefficient and the factors it multiplies: 3·x·y → [3, [x, y]]. */
function splitCoefficient(term: Expr): [number, readonly Expr[]] {
  if (term.op === "mul" && term.args[0].op === "num") return [term.args[0].value, term.args.slice(1)];
  return [1, [term]];
}

/**
 * A nested sum (product) with more arguments than this stays one argument of the outer sum (product).
 * Without a limit, reverse mode through a deep chain builds each adjoint as the previous adjoint's
 * factors plus a few more: quadratic size and time in the depth of the chain.
 */
const FLATTEN_LIMIT = 16;

function flatten(op: "add" | "mul", args: readonly ExprLike[]): Expr[] {
  const out: Expr[] = [];
  for (const a of args) {
    const e = toExpr(a);
    if (e.op === op && e.args.length <= FLATTEN_LIMIT) out.push(...e.args);
    else out.push(e);
  }
  return out;
}

/** n-ary sum. */
export function add(...args: ExprLike[]): Expr {
  // Sorted first, so that constants and coefficients are summed in one order whatever the build order.
  const terms = flatten("add", args).sort(compareExpr);
  if (isPlainSum(terms)) return internCompound("add", terms);
  let constant = 0;
  // Like terms share their non-numeric factors; the key is their identities in canonical order.
  const groups = new Map<number | string, { coefficient: number; factors: readonly Expr[]; first: Expr; count: number }>();
  for (const term of terms) {
    if (term.op === "num") {
      constant += term.value;
      continue;
    }
    const [coefficient, factors] = splitCoefficient(term);
    // A term of one factor (the usual case) is keyed by its id; several factors by their ids joined.
    const key = factors.length === 1 ? factors[0].id : factors.map((f) => f.id).join(",");
    const group = groups.get(key);
    if (group) {
      group.coefficient += coefficient;
      group.count++;
    } else groups.set(key, { coefficient, factors, first: term, count: 1 });
  }
  const out: Expr[] = [];
  for (const g of groups.values()) {
    if (g.coefficient === 0) continue;
    out.push(g.count === 1 ? g.first : mul(g.coefficient, ...g.factors));
  }
  if (constant !== 0 || out.length === 0) out.push(num(constant));
  return out.length === 1 ? out[0] : node("add", out);
}

/**
 * Whether sorted terms are already their sum's arguments: at least two, no constant, no numeric
 * coefficient, no term twice (equal terms sort next to each other), so that no like terms can be
 * collected. A dense unit's Σ w·a + b is such a sum; the general path below would return the same node
 * after grouping every term by its factors.
 */
function isPlainSum(terms: readonly Expr[]): boolean {
  if (terms.length < 2) return false;
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i];
    if (t.op === "num" || (t.op === "mul" && t.args[0].op === "num") || (i > 0 && t === terms[i - 1])) return false;
  }
  return true;
}

export function neg(x: ExprLike): Expr {
  return mul(-1, x);
}

export function sub(a: ExprLike, b: ExprLike): Expr {
  return add(a, neg(b));
}

// ---------------------------------------------------------------------------------------------
// mul and pow
// ---------------------------------------------------------------------------------------------

/** Split a factor into base and numeric exponent: x² → [x, 2], x → [x, 1]. */
function splitPower(factor: Expr): [Expr, number] {
  if (factor.op === "pow" && factor.args[1].op === "num") return [factor.args[0], factor.args[1].value];
  return [factor, 1];
}

/**
 * Whether a product of `a` and `b` is just the two of them in canonical order: both made by these
 * constructors, distinct, and neither a constant, a product (which would be flattened) nor a power
 * (whose base could merge with the other factor). A weight times an activation, the bulk of a dense
 * layer, is such a product.
 */
function isPlainPair(a: ExprLike, b: ExprLike): a is Expr {
  return a !== b && isPlainFactor(a) && isPlainFactor(b);
}

function isPlainFactor(e: ExprLike): boolean {
  return isGenuine(e) && e.op !== "num" && e.op !== "mul" && e.op !== "pow";
}

/** n-ary product. */
export function mul(...args: ExprLike[]): Expr {
  if (args.length === 2 && isPlainPair(args[0], args[1])) {
    // What the general path below returns for such a pair, without its maps and copies.
    const [a, b] = args as [Expr, Expr];
    return internCompound("mul", compareExpr(a, b) <= 0 ? [a, b] : [b, a]);
  }
  const factors = flatten("mul", args).sort(compareExpr);
  let coefficient = 1;
  const powers = new Map<number, { base: Expr; exponent: number; first: Expr; count: number }>();
  for (const f of factors) {
    if (f.op === "num") {
      coefficient *= f.value;
      continue;
    }
    const [base, exponent] = splitPower(f);
    const p = powers.get(base.id);
    if (p) {
      p.exponent += exponent;
      p.count++;
    } else powers.set(base.id, { base, exponent, first: f, count: 1 });
  }
  if (coefficient === 0) return ZERO;
  const out: Expr[] = [];
  for (const p of powers.values()) {
    const f = p.count === 1 ? p.first : pow(p.base, p.exponent);
    if (f.op === "num") coefficient *= f.value; // x⁰ → 1, or a folded constant power
    else out.push(f);
  }
  if (!Number.isFinite(coefficient)) throw new RangeError(`mul: constant product overflowed to ${coefficient}`);
  if (coefficient === 0) return ZERO;
  if (out.length === 0) return num(coefficient);
  if (coefficient === 1 && out.length === 1) return out[0];
  if (coefficient !== 1) out.push(num(coefficient));
  return node("mul", out);
}

export function div(a: ExprLike, b: ExprLike): Expr {
  return mul(a, pow(b, -1));
}

/** base^exponent, with integer and real exponents (a symbolic exponent is allowed too). */
export function pow(base: ExprLike, exponent: ExprLike): Expr {
  const b = toExpr(base);
  const e = toExpr(exponent);
  if (e.op !== "num") return node("pow", [b, e]);
  const n = e.value;
  if (n === 0) return ONE;
  if (n === 1) return b;
  if (b.op === "num") {
    const folded = Math.pow(b.value, n);
    if (Number.isFinite(folded)) return num(folded);
  }
  if (b.op === "pow" && b.args[1].op === "num" && Number.isInteger(n)) return pow(b.args[0], b.args[1].value * n);
  if (b.op === "exp") return exp(mul(n, b.args[0]));
  return node("pow", [b, e]);
}

export function sqrt(x: ExprLike): Expr {
  return pow(x, 0.5);
}

// ---------------------------------------------------------------------------------------------
// Functions of one or more arguments
// ---------------------------------------------------------------------------------------------

/** A unary op whose constant arguments fold (when the result is finite). */
function unaryOp(op: Op): (x: ExprLike) => Expr {
  const evaluate = OPS[op].evaluate;
  return (x) => {
    const a = toExpr(x);
    if (a.op === "num") {
      const v = evaluate([a.value]);
      if (Number.isFinite(v)) return num(v);
    }
    return node(op, [a]);
  };
}

export const exp = unaryOp("exp");
export const log = unaryOp("log");
export const log1p = unaryOp("log1p");
/** exp(x) − 1, accurate near 0 (a machine op of the stable lowering). */
export const expm1 = unaryOp("expm1");
export const sigmoid = unaryOp("sigmoid");
export const tanh = unaryOp("tanh");
export const softplus = unaryOp("softplus");
export const relu = unaryOp("relu");
/** Heaviside step (x > 0 ? 1 : 0), the derivative of relu. */
export const step = unaryOp("step");
export const abs = unaryOp("abs");
export const sin = unaryOp("sin");
export const cos = unaryOp("cos");

function naryFolding(op: "max" | "logsumexp"): (...args: ExprLike[]) => Expr {
  const evaluate = OPS[op].evaluate;
  return (...args) => {
    if (args.length === 0) throw new RangeError(`${op}: needs at least one argument`);
    const xs = args.map(toExpr);
    if (xs.every((x) => x.op === "num")) return num(evaluate(xs.map((x) => x.value)));
    if (op === "max" && xs.length === 1) return xs[0];
    return node(op, xs);
  };
}

export const max = naryFolding("max");
/** log(Σ exp(aᵢ)), evaluated stably (shifted by the maximum). */
export const logsumexp = naryFolding("logsumexp");

/** select(c, a, b) = c ≥ 0 ? a : b. */
export function select(condition: ExprLike, ifNonNegative: ExprLike, ifNegative: ExprLike): Expr {
  const c = toExpr(condition);
  const a = toExpr(ifNonNegative);
  const b = toExpr(ifNegative);
  if (a === b) return a;
  if (c.op === "num") return c.value >= 0 ? a : b;
  return node("select", [c, a, b]);
}

/**
 * Every compound op's canonicalizing constructor, applied to an argument list. The table is complete
 * by type (a mapped type over CompoundOp), so an op added to ops.ts without a row here fails to compile.
 */
const CONSTRUCTORS: { readonly [K in CompoundOp]: (args: readonly Expr[]) => Expr } = {
  add: (args) => add(...args),
  mul: (args) => mul(...args),
  pow: ([base, exponent]) => pow(base, exponent),
  exp: ([x]) => exp(x),
  log: ([x]) => log(x),
  log1p: ([x]) => log1p(x),
  expm1: ([x]) => expm1(x),
  sigmoid: ([x]) => sigmoid(x),
  tanh: ([x]) => tanh(x),
  softplus: ([x]) => softplus(x),
  relu: ([x]) => relu(x),
  step: ([x]) => step(x),
  abs: ([x]) => abs(x),
  max: (args) => max(...args),
  logsumexp: (args) => logsumexp(...args),
  select: ([condition, ifNonNegative, ifNegative]) => select(condition, ifNonNegative, ifNegative),
  sin: ([x]) => sin(x),
  cos: ([x]) => cos(x),
};

/** Rebuild a node of `op` from new arguments through the canonicalizing constructors. */
export function rebuild(op: Op, args: readonly Expr[], original?: Expr): Expr {
  if (original && args.every((a, i) => a === original.args[i])) return original;
  if (op === "num" || op === "sym") throw new Error(`rebuild: ${op} is a leaf`);
  return CONSTRUCTORS[op](args);
}
