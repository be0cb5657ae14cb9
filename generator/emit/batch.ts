/**
 * The batch functions of a generated module (loss, lossAndGradient, predict): a loop over the samples
 * whose body is the scheduled program, unrolled as straight-line code.
 *
 * Two layouts, chosen by size:
 * - flat: one function; parameters read into locals once, loop-invariant assignments hoisted before
 *   the loop, gradients accumulated in locals and written once at the end;
 * - chunked, for programs too large for one optimizable function (V8 does not optimize a function
 *   whose bytecode exceeds 60 KB): the per-sample body is cut into consecutive parts of at most
 *   `chunkSize` assignments (or fewer, see PART_BYTECODE_BUDGET), each its own function (sizes: see DEFAULT_EMIT_OPTIONS); values that cross a cut go through one
 *   preallocated scratch array, gradients accumulate straight into `grad`.
 * Neither layout allocates inside the functions.
 */
import type { Assignment, Operand, Program } from "../symbolic/schedule.ts";
import { numberLiteral, printAssignment } from "./print-expr.ts";

/** Where a program output goes. */
export type Sink =
  | { readonly kind: "loss" }
  | { readonly kind: "grad"; readonly index: number }
  | { readonly kind: "out"; readonly index: number; readonly width: number };

export interface Layout {
  /** Names of the model's parameters, inputs and targets, in order. */
  readonly params: readonly string[];
  readonly inputs: readonly string[];
  readonly targets: readonly string[];
  readonly outputs: number;
  /** Names of the symbols holding the vector v of hessianVectorProduct, read from `v` (one per parameter). */
  readonly direction?: readonly string[];
}

export interface BatchFunction {
  readonly name: "loss" | "lossAndGradient" | "predict" | "hessianVectorProduct" | "hessian";
  readonly program: Program;
  readonly sinks: readonly Sink[];
}

export interface EmittedFunction {
  readonly name: string;
  readonly exported: boolean;
  readonly parameters: readonly { name: string; type: string }[];
  readonly returnType: string;
  readonly statements: readonly string[];
  readonly docs?: string;
}

export interface EmittedBatch {
  readonly functions: readonly EmittedFunction[];
  /** Module-level constants the functions use (the chunked layout's scratch array). */
  readonly constants: readonly { name: string; initializer: string }[];
}

export const temp = (i: number) => `_t${i}`;

/** How many levels of single-use values a select's branch computes inline (see assignmentLines). */
const PULL_IN_DEPTH = 8;

/** How each symbol is read: parameters from `params`, inputs and targets from the sample's row. */
function symbolReads(layout: Layout): Map<string, string> {
  const reads = new Map<string, string>();
  layout.params.forEach((p, k) => reads.set(p, `params[${k}]`));
  layout.direction?.forEach((d, k) => reads.set(d, `v[${k}]`));
  const row = (array: string, width: number, j: number) =>
    width === 1 ? `${array}[_i]` : `${array}[_i * ${width}${j > 0 ? ` + ${j}` : ""}]`;
  layout.inputs.forEach((x, j) => reads.set(x, row("X", layout.inputs.length, j)));
  layout.targets.forEach((y, j) => reads.set(y, row("Y", layout.targets.length, j)));
  return reads;
}

export function operandCode(o: Operand, tempCode: (i: number) => string, symbolCode = (name: string) => name): string {
  if (o.kind === "num") return numberLiteral(o.value);
  if (o.kind === "sym") return symbolCode(o.name);
  return tempCode(o.index);
}

/** How many times each temporary is read (by assignments and as an output). */
export function useCounts(program: Program): Int32Array {
  const uses = new Int32Array(program.assignments.length);
  for (const a of program.assignments) for (const o of a.args) if (o.kind === "temp") uses[o.index]++;
  for (const o of program.outputs) if (o.kind === "temp") uses[o.index]++;
  return uses;
}

/**
 * `const _tI = …;` for the assignments `indices` of one block of code (a function body or a loop
 * body). A value read only by one branch of a select in the same block is computed inside that
 * branch, so a ternary evaluates only the side it takes (z ≥ 0 ? (1 − y)·z : −y·z costs one multiply).
 */
export function assignmentLines(
  program: Program,
  indices: readonly number[],
  uses: Int32Array,
  after: (i: number) => string[] = () => [],
): string[] {
  const block = new Set(indices);
  const inBranch = new Set<number>();
  // At most PULL_IN_DEPTH levels: the branch is printed as one nested expression, and a long chain of
  // single-use values would otherwise nest as deep as the chain (prettier's parser overflows).
  const pullIn = (o: Operand, depth: number) => {
    if (depth > PULL_IN_DEPTH || o.kind !== "temp" || uses[o.index] !== 1 || !block.has(o.index) || inBranch.has(o.index)) return;
    inBranch.add(o.index); // and, recursively, the values only it reads
    for (const arg of program.assignments[o.index].args) pullIn(arg, depth + 1);
  };
  for (const i of [...indices].reverse()) {
    const a = program.assignments[i];
    if (a.op === "select" && !inBranch.has(i)) for (const arg of a.args.slice(1)) pullIn(arg, 1);
  }
  const rhs = (i: number): string => {
    const a = program.assignments[i];
    const code = a.args.map((o) => (o.kind === "temp" && inBranch.has(o.index) ? `(${rhs(o.index)})` : operandCode(o, temp)));
    return printAssignment(a.op, a.args, code);
  };
  return indices.filter((i) => !inBranch.has(i)).flatMap((i) => [`const ${temp(i)} = ${rhs(i)};`, ...after(i)]);
}

/** Symbols used by a set of assignments (and extra operands). */
function symbolsUsed(assignments: Iterable<Assignment>, extra: readonly Operand[] = []): Set<string> {
  const used = new Set<string>();
  for (const a of assignments) for (const o of a.args) if (o.kind === "sym") used.add(o.name);
  for (const o of extra) if (o.kind === "sym") used.add(o.name);
  return used;
}

/** `const name = …;` for each used symbol of `names`, in the model's own order. */
function readSymbols(names: readonly string[], used: ReadonlySet<string>, reads: Map<string, string>): string[] {
  return names.filter((s) => used.has(s)).map((s) => `const ${s} = ${reads.get(s)};`);
}

export function emitBatchFunction(
  fn: BatchFunction,
  layout: Layout,
  sizes: { readonly flatLimit: number; readonly chunkSize: number },
): EmittedBatch {
  const perSample = fn.program.assignments.filter((a) => !a.invariant).length;
  return perSample <= sizes.flatLimit ? emitFlat(fn, layout) : emitChunked(fn, layout, sizes.chunkSize);
}

// ---------------------------------------------------------------------------------------------
// Flat layout
// ---------------------------------------------------------------------------------------------

/** The local that sums a loss or gradient sink over the samples (outputs have none). */
function accumulatorName(s: Sink): string {
  return s.kind === "grad" ? `_g${s.index}` : "_loss";
}

function outputElement(array: string, s: { index: number; width: number }): string {
  return `${array}[_i * ${s.width}${s.index > 0 ? ` + ${s.index}` : ""}]`;
}

function sinkStatement(s: Sink, value: string): string {
  if (s.kind === "out") return `${outputElement("out", s)} = ${value};`;
  return `${accumulatorName(s)} += ${value};`;
}

function emitFlat(fn: BatchFunction, layout: Layout): EmittedBatch {
  const { program, sinks } = fn;
  const reads = symbolReads(layout);
  const indices = program.assignments.map((_, i) => i);
  const invariant = indices.filter((i) => program.assignments[i].invariant);
  const varying = indices.filter((i) => !program.assignments[i].invariant);
  const uses = useCounts(program);
  const used = symbolsUsed(program.assignments, program.outputs);
  const statements = [
    ...boundaryCheck(fn.name, layout),
    ...readSymbols([...layout.params, ...(layout.direction ?? [])], used, reads),
    ...assignmentLines(program, invariant, uses),
    ...sinks.filter((s) => s.kind !== "out").map((s) => `let ${accumulatorName(s)} = 0;`),
    "for (let _i = 0; _i < _n; _i++) {",
    ...readSymbols([...layout.inputs, ...layout.targets], used, reads),
    ...assignmentLines(program, varying, uses),
    ...program.outputs.map((o, k) => sinkStatement(sinks[k], operandCode(o, temp))),
    "}",
    ...sinks.flatMap((s) => (s.kind === "grad" ? [`${MEAN_ARRAY[fn.name]}[${s.index}] = ${accumulatorName(s)} / _n;`] : [])),
    ...mirrorHessian(fn.name, layout),
    ...(fn.name === "predict" ? [] : ["return _loss / _n;"]),
  ];
  return { functions: [{ ...signature(fn.name), statements }], constants: [] };
}

/** Where each function writes its mean "grad" sinks: the gradient, H·v, or the Hessian's upper triangle. */
const MEAN_ARRAY: Record<BatchFunction["name"], string> = {
  loss: "",
  predict: "",
  lossAndGradient: "grad",
  hessianVectorProduct: "out",
  hessian: "H",
};

/** The hessian function computes H[j][k] for j ≤ k only and copies them to H[k][j]. */
function mirrorHessian(name: BatchFunction["name"], layout: Layout): string[] {
  if (name !== "hessian") return [];
  const P = layout.params.length;
  return [`for (let _j = 1; _j < ${P}; _j++) for (let _k = 0; _k < _j; _k++) H[_j * ${P} + _k] = H[_k * ${P} + _j];`];
}

// ---------------------------------------------------------------------------------------------
// Chunked layout
// ---------------------------------------------------------------------------------------------

interface Chunk {
  readonly first: number;
  readonly end: number;
}

function emitChunked(fn: BatchFunction, layout: Layout, chunkSize: number): EmittedBatch {
  const { program, sinks } = fn;
  const assignments = program.assignments;
  const firstVarying = assignments.findIndex((a) => !a.invariant);
  const chunks = cutIntoParts(assignments, firstVarying, chunkSize);
  const partOf = new Int32Array(assignments.length).fill(-1);
  chunks.forEach((c, k) => partOf.fill(k, c.first, c.end));
  const chunkOf = (t: number) => partOf[t];

  // A temporary needs a scratch slot when it is read outside the part that defines it.
  const slot = new Map<number, number>();
  const needSlot = (t: number) => {
    if (!slot.has(t)) slot.set(t, slot.size);
  };
  assignments.forEach((a, i) => {
    for (const o of a.args) if (o.kind === "temp" && chunkOf(o.index) !== chunkOf(i)) needSlot(o.index);
  });
  program.outputs.forEach((o, k) => {
    if (o.kind === "temp" && (sinks[k].kind === "loss" || chunkOf(o.index) < 0)) needSlot(o.index);
  });

  const scratch = `_${fn.name}Scratch`;
  const partName = (c: number) => `_${fn.name}Part${c}`;
  const sinkArray = fn.name === "predict" ? "out" : MEAN_ARRAY[fn.name] || scratch;
  const means = MEAN_ARRAY[fn.name] !== "";
  const vArgument = layout.direction ? ", v" : "";

  const reads = symbolReads(layout);
  const invariant = assignments.slice(0, Math.max(firstVarying, 0));
  const uses = useCounts(program);
  const store = storeInto(slot);
  // Outputs not produced inside a part (the loss, invariant or constant values) are handled here.
  const driverValue = (o: Operand) =>
    operandCode(o, (t) => (chunkOf(t) < 0 ? temp(t) : `_s[${slot.get(t)}]`), (name) => reads.get(name)!);
  const driverSinks = program.outputs.flatMap((o, k) =>
    o.kind === "temp" && chunkOf(o.index) >= 0 && sinks[k].kind !== "loss"
      ? []
      : [chunkedSinkStatement(sinks[k], driverValue(o), sinkArray)],
  );
  const statements = [
    ...boundaryCheck(fn.name, layout),
    `const _s = ${scratch};`,
    ...readSymbols([...layout.params, ...(layout.direction ?? [])], symbolsUsed(invariant), reads),
    ...assignmentLines(program, invariant.map((_, i) => i), uses, store),
    ...(means ? [`${sinkArray}.fill(0);`] : []),
    ...(fn.name === "predict" ? [] : ["let _loss = 0;"]),
    "for (let _i = 0; _i < _n; _i++) {",
    ...chunks.map((_, c) => `${partName(c)}(params, X, ${fn.name === "predict" ? "X" : "Y"}, _i, ${sinkArray}, _s${vArgument});`),
    ...driverSinks,
    "}",
    ...(means ? [`for (let _k = 0; _k < ${sinkArray}.length; _k++) ${sinkArray}[_k] /= _n;`] : []),
    ...mirrorHessian(fn.name, layout),
    ...(fn.name === "predict" ? [] : ["return _loss / _n;"]),
  ];
  const parts = chunks.map((chunk, c) => emitPart(fn, layout, chunk, c, slot, uses, partName(c)));
  return {
    functions: [{ ...signature(fn.name), statements }, ...parts],
    constants: [{ name: scratch, initializer: `new Float64Array(${Math.max(slot.size, 1)})` }],
  };
}

/**
 * Estimated bytecode of a part (measured with --print-bytecode on split bodies: ~24 bytes per
 * assignment plus ~6 per operand, ~12 per value loaded from or stored to the scratch array). A part
 * ends after `chunkSize` assignments or once the estimate passes PART_BYTECODE_BUDGET, whichever comes
 * first: the backward half of a deep chain reads hundreds of values computed in earlier parts, so
 * counting assignments alone let one part grow past V8's 60 KB limit.
 */
const PART_BYTECODE_BUDGET = 30_000;

function cutIntoParts(assignments: readonly Assignment[], firstVarying: number, chunkSize: number): Chunk[] {
  const chunks: Chunk[] = [];
  let first = firstVarying;
  let bytes = 0;
  let loaded = new Set<number>();
  for (let i = firstVarying; i < assignments.length; i++) {
    let cost = 24 + 6 * assignments[i].args.length + 12; // the assignment, and its possible store
    for (const o of assignments[i].args) {
      if (o.kind === "temp" && o.index < first && o.index >= firstVarying && !loaded.has(o.index)) {
        loaded.add(o.index);
        cost += 12;
      }
    }
    if (i > first && (i - first >= chunkSize || bytes + cost > PART_BYTECODE_BUDGET)) {
      chunks.push({ first, end: i });
      first = i;
      bytes = 0;
      loaded = new Set();
      i--; // cost it again as the first assignment of the new part
      continue;
    }
    bytes += cost;
  }
  if (first < assignments.length) chunks.push({ first, end: assignments.length });
  return chunks;
}

/** After a temporary's assignment: its store into the scratch array, when another block reads it. */
function storeInto(slot: ReadonlyMap<number, number>): (i: number) => string[] {
  return (i) => (slot.has(i) ? [`_s[${slot.get(i)}] = ${temp(i)};`] : []);
}

/** A sink in the chunked layout: gradients accumulate into, and outputs go to, `array` directly. */
function chunkedSinkStatement(s: Sink, value: string, array: string): string {
  if (s.kind === "loss") return `_loss += ${value};`;
  if (s.kind === "grad") return `${array}[${s.index}] += ${value};`;
  return `${outputElement(array, s)} = ${value};`;
}

function emitPart(
  fn: BatchFunction,
  layout: Layout,
  chunk: Chunk,
  c: number,
  slot: ReadonlyMap<number, number>,
  uses: Int32Array,
  name: string,
): EmittedFunction {
  const { program, sinks } = fn;
  const own = program.assignments.slice(chunk.first, chunk.end);
  const inChunk = (t: number) => t >= chunk.first && t < chunk.end;
  const loads = new Set<number>();
  for (const a of own) for (const o of a.args) if (o.kind === "temp" && !inChunk(o.index)) loads.add(o.index);
  const reads = symbolReads(layout);
  const statements: string[] = [
    ...readSymbols([...layout.params, ...(layout.direction ?? []), ...layout.inputs, ...layout.targets], symbolsUsed(own), reads),
    ...[...loads].sort((a, b) => a - b).map((t) => `const ${temp(t)} = _s[${slot.get(t)}];`),
    ...assignmentLines(program, own.map((_, j) => chunk.first + j), uses, storeInto(slot)),
  ];
  program.outputs.forEach((o, k) => {
    if (o.kind === "temp" && inChunk(o.index) && sinks[k].kind !== "loss") {
      statements.push(chunkedSinkStatement(sinks[k], temp(o.index), "_sink"));
    }
  });
  return {
    name,
    exported: false,
    parameters: [
      { name: "params", type: "Float64Array" },
      { name: "X", type: "Float64Array" },
      { name: "Y", type: "Float64Array" },
      { name: "_i", type: "number" },
      { name: "_sink", type: "Float64Array" },
      { name: "_s", type: "Float64Array" },
      ...(layout.direction ? [{ name: "v", type: "Float64Array" }] : []),
    ],
    returnType: "void",
    statements,
    docs: `Part ${c + 1} of ${fn.name}'s per-sample body (assignments ${chunk.first}–${chunk.end - 1}).`,
  };
}

// ---------------------------------------------------------------------------------------------
// Signatures and boundary checks
// ---------------------------------------------------------------------------------------------

const SIGNATURES: Record<BatchFunction["name"], { arrays: string[]; returnType: string; docs: string }> = {
  loss: { arrays: ["params", "X", "Y"], returnType: "number", docs: "Mean loss over the n samples (X: n×inputs, Y: n×targets, row-major)." },
  lossAndGradient: {
    arrays: ["params", "X", "Y", "grad"],
    returnType: "number",
    docs: "Writes the mean gradient over the n samples into grad (in PARAM_NAMES order) and returns the mean loss.",
  },
  predict: { arrays: ["params", "X", "out"], returnType: "void", docs: "Writes the outputs for each row of X into out (n×outputs, row-major)." },
  hessianVectorProduct: {
    arrays: ["params", "X", "Y", "v", "out"],
    returnType: "number",
    docs: "Writes H·v into out, H the Hessian of the mean loss over the n samples (in PARAM_NAMES order), and returns the mean loss.",
  },
  hessian: {
    arrays: ["params", "X", "Y", "H"],
    returnType: "number",
    docs: "Writes the Hessian of the mean loss over the n samples into H (params×params, row-major, symmetric) and returns the mean loss.",
  },
};

export function signature(name: BatchFunction["name"]): Omit<EmittedFunction, "statements"> {
  const { arrays, returnType, docs } = SIGNATURES[name];
  return { name, exported: true, parameters: arrays.map((n) => ({ name: n, type: "Float64Array" })), returnType, docs };
}

/**
 * Length checks before the loop; `_n` is the number of samples. Messages are built only on failure.
 * The array a function writes (grad, out) must not share memory with one it reads: the split layout
 * reads params after it has started writing grad, so aliasing would silently change the result.
 */
export function boundaryCheck(name: BatchFunction["name"], layout: Layout): string[] {
  const fn = JSON.stringify(name);
  const disjoint = (written: string, read: string[]) => read.map((r) => `_checkDisjoint(${fn}, "${written}", ${written}, "${r}", ${r});`);
  if (name === "predict") {
    return [
      `_checkParams(${fn}, params);`,
      `const _n = _rows(${fn}, "X", X, ${layout.inputs.length});`,
      `_checkLength(${fn}, "out", out, _n * ${layout.outputs}, "n×outputs for the n rows of X");`,
      ...disjoint("out", ["params", "X"]),
    ];
  }
  return [
    `_checkParams(${fn}, params);`,
    `const _n = _rows(${fn}, "Y", Y, ${layout.targets.length});`,
    `_checkLength(${fn}, "X", X, _n * ${layout.inputs.length}, "n×inputs for the n rows of Y");`,
    ...(name === "lossAndGradient"
      ? [`_checkLength(${fn}, "grad", grad, ${layout.params.length}, "one per parameter");`, ...disjoint("grad", ["params", "X", "Y"])]
      : []),
    ...(name === "hessianVectorProduct"
      ? [
          `_checkLength(${fn}, "v", v, ${layout.params.length}, "one per parameter");`,
          `_checkLength(${fn}, "out", out, ${layout.params.length}, "one per parameter");`,
          ...disjoint("out", ["params", "X", "Y", "v"]),
        ]
      : []),
    ...(name === "hessian"
      ? [`_checkLength(${fn}, "H", H, ${layout.params.length ** 2}, "params×params");`, ...disjoint("H", ["params", "X", "Y"])]
      : []),
  ];
}
