/**
 * A scheduled scalar `Program` (generator/symbolic/schedule.ts) printed as WebAssembly text: the
 * groundwork of a wasm backend, so that activation kernels and heads come from the compiler's own
 * programs instead of being hand-written in WAT (the prototype's hand-written tanhKernel and headKernel in test/bench/wasm/emit-wat.ts).
 *
 * The printer mirrors the JavaScript printer (generator/emit/batch.ts's assignmentLines and
 * generator/emit/print-expr.ts) operation for operation, so the results are bitwise equal:
 * - every assignment is a local `$<prefix>t<i>`, except values read only by one branch of a select,
 *   which are computed inside that branch (an `if` with a result), as the JavaScript ternary does;
 * - n-ary sums and products associate to the left (`a + b + c` is (a + b) + c), a product with a −1
 *   factor is a negation of the others' product (−a·b as (−a)·b), powers take the cost model's form
 *   (x·x·x, 1/(x·x), sqrt), constants are the doubles their printed decimal parses to (String(−0) is
 *   "0");
 * - e^x and e^x − 1 are text.ts's inlined copies of fast-math.ts's _exp and _expm1 (tables at
 *   EXP_HI/EXP_LO in linear memory), bitwise equal to them for |x| < 708 and within 1 ulp beyond, or
 *   bitwise equal everywhere with `mathImports` (Math.exp/Math.expm1 answer outside the table range).
 *
 * wasm has no instruction for log, log1p, tanh, sin, cos or a general pow: without `mathImports` such an
 * op throws an error naming it; with it, the op calls the imported Math function (bitwise equal).
 * Alternatively `skip` leaves out the assignments hostAssignments() finds (those ops and everything
 * reading them) for the JavaScript around the module to compute, as the dense backend's wrapper does the BCE
 * loss's log1p (program-kernels.ts).
 *
 * Ops the shipped programs use (2026-11-29): kernels tanh {abs, add, expm1, mul, pow (as x·x and 1/x), select},
 * sigmoid {abs, add, exp, mul, pow, select}, relu {relu, step}, softplus {… log1p, relu}; heads
 * sigmoid + BCE {abs, add, exp, log1p (loss only), mul, pow, select}, softmax + cross-entropy
 * {add, exp, log (loss only), max, mul, pow}, MSE {add, mul, pow}.
 */
import type { Op } from "../../symbolic/ops.ts";
import type { Operand, Program } from "../../symbolic/schedule.ts";
import { negationFactor, powerForm } from "../../symbolic/cost.ts";
import { formatNumber } from "../../symbolic/show.ts";
import { EXP_TABLE_HI, EXP_TABLE_LO } from "../fast-math.ts";
import { dataString, EXP_HI, EXP_I32_LOCALS, EXP_LO, EXP_LOCALS, expInto, expm1Into, f64 } from "./text.ts";

/** The Math functions a printed program may import (module "math"), by the name the module imports them as. */
export const MATH_IMPORTS = {
  exp: { func: "$mathExp", params: 1 },
  expm1: { func: "$mathExpm1", params: 1 },
  log: { func: "$mathLog", params: 1 },
  log1p: { func: "$mathLog1p", params: 1 },
  tanh: { func: "$mathTanh", params: 1 },
  sin: { func: "$mathSin", params: 1 },
  cos: { func: "$mathCos", params: 1 },
  pow: { func: "$mathPow", params: 2 },
} as const;
export type MathImport = keyof typeof MATH_IMPORTS;

export interface ProgramWatOptions {
  /** A WAT expression reading an input symbol. Default: `(local.get $<name>)` (a parameter of that name). */
  readonly read?: (name: string) => string;
  /** Prefix of every local and label the program declares, so several programs can share one function. */
  readonly prefix?: string;
  /** Route ops wasm lacks (and e^x, e^x − 1 outside |x| < 708) to imported Math functions. */
  readonly mathImports?: boolean;
  /** Assignments left out (computed elsewhere, e.g. by the JavaScript wrapper): reading one is an error. */
  readonly skip?: ReadonlySet<number>;
}

export interface ProgramWat {
  /** Locals to declare in the enclosing function. */
  readonly locals: readonly (readonly [name: string, type: "f64" | "i32"])[];
  /** Statements computing the temporaries, in order. */
  readonly statements: readonly string[];
  /** One WAT expression per program output (reading locals, inputs or constants), except outputs left out by `skip`. */
  readonly outputs: readonly string[];
  /** The Math functions the statements call (declare them with mathImportDeclarations). */
  readonly imports: ReadonlySet<MathImport>;
  /** Any operand as an expression after the statements (a temporary computed at top level, a symbol, a constant). */
  readonly operand: (o: Operand) => string;
}

/** Ops without a wasm instruction, and which Math function answers them. */
const IMPORTED_OPS: Partial<Record<Op, MathImport>> = { log: "log", log1p: "log1p", tanh: "tanh", sin: "sin", cos: "cos" };

/** How many levels of single-use values a select's branch computes inline: batch.ts's PULL_IN_DEPTH. */
const PULL_IN_DEPTH = 8;

/** The temporaries computed inside a select's branch (assignmentLines' rule: read once, by that branch only). */
function valuesInBranches(program: Program): Set<number> {
  const uses = new Int32Array(program.assignments.length);
  for (const a of program.assignments) for (const o of a.args) if (o.kind === "temp") uses[o.index]++;
  for (const o of program.outputs) if (o.kind === "temp") uses[o.index]++;
  const inBranch = new Set<number>();
  const pullIn = (o: Operand, depth: number) => {
    if (depth > PULL_IN_DEPTH || o.kind !== "temp" || uses[o.index] !== 1 || inBranch.has(o.index)) return;
    inBranch.add(o.index);
    for (const arg of program.assignments[o.index]!.args) pullIn(arg, depth + 1);
  };
  for (let i = program.assignments.length - 1; i >= 0; i--) {
    const a = program.assignments[i]!;
    if (a.op === "select" && !inBranch.has(i)) for (const arg of a.args.slice(1)) pullIn(arg, 1);
  }
  return inBranch;
}

/** The program's assignments as WAT statements, and its outputs as expressions. */
export function programWat(program: Program, options: ProgramWatOptions = {}): ProgramWat {
  const prefix = options.prefix ?? "";
  const mathImports = options.mathImports ?? false;
  const read = options.read ?? ((name: string) => `(local.get $${name})`);
  const inBranch = valuesInBranches(program);
  const locals = new Map<string, "f64" | "i32">();
  const imports = new Set<MathImport>();
  const local = (name: string, type: "f64" | "i32" = "f64") => {
    locals.set(`${prefix}${name}`, type);
    return `${prefix}${name}`;
  };
  const get = (name: string) => `(local.get $${name})`;
  const temp = (i: number) => local(`t${i}`);

  const skip = options.skip ?? new Set<number>();
  const operand = (o: Operand): string => {
    if (o.kind === "num") return constant(o.value);
    if (o.kind === "sym") return read(o.name);
    if (skip.has(o.index)) throw new Error(`program-wat: temporary ${o.index} is read but left out (skip)`);
    return inBranch.has(o.index) ? value(o.index) : get(temp(o.index));
  };
  /** A value used more than once by its op (relu's x, a power's base): evaluated once into a local. */
  const reused = (i: number, code: string, times: number): string[] => {
    const name = local(`r${i}`);
    return [`(local.tee $${name} ${code})`, ...Array<string>(times - 1).fill(get(name))];
  };
  const callMath = (fn: MathImport, args: readonly string[], op: Op): string => {
    if (!mathImports) throw new Error(`program-wat: op ${op} has no WebAssembly instruction (use mathImports to call Math.${fn})`);
    imports.add(fn);
    return `(call ${MATH_IMPORTS[fn].func} ${args.join(" ")})`;
  };
  /** e^x or e^x − 1 of `x` as one expression: text.ts's inlined statements in a block with a result. */
  const expValue = (i: number, x: string, minusOne: boolean): string => {
    // text.ts's scratch locals keep their own names (no prefix): every exp in a function shares them.
    for (const n of EXP_LOCALS) locals.set(n, "f64");
    for (const n of EXP_I32_LOCALS) locals.set(n, "i32");
    if (mathImports) imports.add(minusOne ? "expm1" : "exp");
    const arg = local(`x${i}`);
    const out = local(`e${i}`);
    const into = (minusOne ? expm1Into : expInto)(arg, out, `${prefix}exp${i}`, mathImports);
    return `(block (result f64)\n  (local.set $${arg} ${x})\n${indentBy(into, "  ")}\n  ${get(out)})`;
  };

  /** Assignment i's value as one expression (inline operands computed inside it). */
  const value = (i: number): string => {
    const a = program.assignments[i]!;
    const args = a.args.map(operand);
    const binaryChain = (instr: string, xs: readonly string[]) => xs.slice(1).reduce((acc, x) => `(${instr} ${acc} ${x})`, xs[0]!);
    switch (a.op) {
      case "num":
      case "sym":
        throw new Error(`program-wat: ${a.op} is an operand, not an assignment`);
      case "add":
        return binaryChain("f64.add", args);
      case "mul": {
        const minusOne = negationFactor("mul", a.args);
        if (minusOne < 0) return binaryChain("f64.mul", args);
        const rest = args.filter((_, k) => k !== minusOne);
        // print-expr.ts: `-${rest.join(" * ")}`, so the first remaining factor is negated, then multiplied on.
        return rest.length === 0 ? constant(-1) : binaryChain("f64.mul", [`(f64.neg ${rest[0]})`, ...rest.slice(1)]);
      }
      case "pow": {
        const form = powerForm(a.args[1]!);
        switch (form.kind) {
          case "sqrt":
            return `(f64.sqrt ${args[0]})`;
          case "reciprocal sqrt":
            return `(f64.div ${constant(1)} (f64.sqrt ${args[0]}))`;
          case "product": {
            const product = form.factors === 1 ? args[0]! : binaryChain("f64.mul", reused(i, args[0]!, form.factors));
            return form.reciprocal ? `(f64.div ${constant(1)} ${product})` : product;
          }
          case "pow":
            return callMath("pow", args, "pow");
        }
      }
      case "exp":
        return expValue(i, args[0]!, false);
      case "expm1":
        return expValue(i, args[0]!, true);
      case "abs":
        return `(f64.abs ${args[0]})`;
      case "max":
        // Math.max and f64.max agree on NaN (any NaN gives NaN) and on zeros (+0 above −0).
        return binaryChain("f64.max", args);
      case "relu": {
        // x > 0 ? x : 0, x evaluated once (select's operands run in order: the tee comes first).
        const [x, again] = reused(i, args[0]!, 2);
        return `(select ${x} ${constant(0)} (f64.gt ${again} ${constant(0)}))`;
      }
      case "step":
        return `(select ${constant(1)} ${constant(0)} (f64.gt ${args[0]} ${constant(0)}))`;
      case "select":
        return `(if (result f64) (f64.ge ${args[0]} ${constant(0)})\n  (then ${args[1]})\n  (else ${args[2]}))`;
      case "sigmoid": {
        // print-expr.ts: 1 / (1 + exp(-x)).
        return `(f64.div ${constant(1)} (f64.add ${constant(1)} ${expValue(i, `(f64.neg ${args[0]})`, false)}))`;
      }
      case "log":
      case "log1p":
      case "tanh":
      case "sin":
      case "cos":
        return callMath(IMPORTED_OPS[a.op]!, args, a.op);
      case "softplus":
      case "logsumexp":
        // The lowering (lower.ts) replaces these before any shipped program is emitted.
        throw new Error(`program-wat: op ${a.op} is not printed (lower the program first)`);
    }
  };

  const statements: string[] = [];
  program.assignments.forEach((_, i) => {
    if (!inBranch.has(i) && !skip.has(i)) statements.push(`(local.set $${temp(i)} ${value(i)})`);
  });
  const outputs = program.outputs.filter((o) => o.kind !== "temp" || !skip.has(o.index)).map(operand);
  const topLevel = (o: Operand) => {
    if (o.kind === "temp" && inBranch.has(o.index)) throw new Error(`program-wat: temporary ${o.index} is computed inside a select's branch`);
    return operand(o);
  };
  return { locals: [...locals], statements, outputs, imports, operand: topLevel };
}

/** Ops wasm has no instruction for (the printer calls an imported Math function for them). */
export function needsImport(op: Op, args: readonly Operand[]): boolean {
  return IMPORTED_OPS[op] !== undefined || (op === "pow" && powerForm(args[1]!).kind === "pow");
}

/**
 * The assignments an import-free module cannot compute: those with an op wasm lacks, and every one
 * that reads their values (directly or not). The JavaScript around the module computes these.
 */
export function hostAssignments(program: Program): Set<number> {
  const host = new Set<number>();
  program.assignments.forEach((a, i) => {
    if (needsImport(a.op, a.args) || a.args.some((o) => o.kind === "temp" && host.has(o.index))) host.add(i);
  });
  return host;
}

/** A constant as the JavaScript printer writes it, parsed back (String(−0) is "0", so −0 becomes +0). */
function constant(value: number): string {
  return f64(Number(formatNumber(value)));
}

const indentBy = (text: string, by: string) => text.replace(/^(?=.)/gm, by);

/** The import declarations for a set of Math functions (module "math", named as MATH_IMPORTS says). */
export function mathImportDeclarations(imports: Iterable<MathImport>): string[] {
  return [...imports].sort().map((fn) => {
    const { func, params } = MATH_IMPORTS[fn];
    return `(import "math" "${fn}" (func ${func} ${Array<string>(params).fill("(param f64)").join(" ")} (result f64)))`;
  });
}

/** The exp tables text.ts's inlined e^x and e^x − 1 read, as data segments. */
export function expTableSegments(): string[] {
  return [`(data (i32.const ${EXP_HI}) "${dataString(EXP_TABLE_HI)}")`, `(data (i32.const ${EXP_LO}) "${dataString(EXP_TABLE_LO)}")`];
}

/**
 * A module exporting the program as one function `name`: f64 parameters named after its inputs (in
 * program.inputs order), one f64 result per output. For tests and measurements.
 */
export function programModuleWat(name: string, program: Program, options: Omit<ProgramWatOptions, "read"> = {}): string {
  const printed = programWat(program, { ...options, prefix: options.prefix ?? "_" });
  const params = program.inputs.map((s) => `(param $${s} f64)`).join(" ");
  const results = program.outputs.map(() => "(result f64)").join(" ");
  const locals = printed.locals.map(([n, t]) => `(local $${n} ${t})`).join(" ");
  return `(module
${indentBy([...mathImportDeclarations(printed.imports), "(memory 1)", ...expTableSegments()].join("\n"), "  ")}
  (func (export "${name}") ${params} ${results}
    ${locals}
${indentBy([...printed.statements, ...printed.outputs].join("\n"), "    ")}))
`;
}
