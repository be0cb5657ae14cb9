/**
 * The batch functions of a generated module (loss, lossAndGradient, predict, hessianVectorProduct,
 * hessian): a loop over the samples whose body is the scheduled program, unrolled as straight-line code.
 *
 * What each function computes is data (BATCH_KINDS: its arrays, what it sums, where its results go);
 * every layout prints it from one skeleton (batchSkeleton: checks, setup, accumulators, the loop, means,
 * return), and only the loop and where the sums live differ:
 * - flat: one function; parameters read into locals once, loop-invariant assignments hoisted before
 *   the loop, gradients accumulated in locals and written once at the end;
 * - chunked, for programs too large for one optimizable function (V8 does not optimize a function
 *   whose bytecode exceeds 60 KB): the per-sample body is cut into consecutive parts of at most
 *   `chunkSize` assignments (or fewer, see PART_BYTECODE_BUDGET), each its own function (sizes: see DEFAULT_EMIT_OPTIONS); values that cross a cut go through one
 *   preallocated scratch array, gradients accumulate straight into `grad`;
 * - loops (loops.ts): dense layers as blocked loops over tiles of the batch, sums straight into `grad`.
 * No layout allocates inside the functions.
 */
import type { Assignment, Operand, Program } from "../symbolic/schedule.ts";
import { BUILTIN_EXP_SPELLING, numberLiteral, printAssignment, type ExpSpelling } from "./print-expr.ts";

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

export type BatchName = "loss" | "lossAndGradient" | "predict" | "hessianVectorProduct" | "hessian";

/** A batch function to print: what it is, its per-sample program, and where each program output goes. */
export interface BatchFunction {
  readonly name: BatchName;
  readonly program: Program;
  readonly sinks: readonly Sink[];
}

/**
 * The shape of an array argument, which its length check follows: the parameters; n rows of inputs,
 * targets or outputs (n is the number of rows of the targets, or of the inputs when there are none);
 * one number per parameter; one per pair of parameters.
 */
type ArrayShape = "params" | "rows of inputs" | "rows of targets" | "rows of outputs" | "one per parameter" | "params*params";

/** What a batch function computes, as data: the printers read these fields, never the name. */
export interface BatchKind {
  readonly name: BatchName;
  /** Its Float64Array arguments, in order, with their shapes. */
  readonly arrays: readonly (readonly [name: string, shape: ArrayShape])[];
  /** Whether it sums a per-sample loss and returns the mean (the "loss" sink). */
  readonly returnsLoss: boolean;
  /**
   * The array it writes (checked not to share memory with any array it reads), and what goes there:
   * "means", the mean over the rows of its "grad" sinks (gradient, H·v, Hessian), or "rows", its "out"
   * sinks row by row (predict's outputs).
   */
  readonly writes?: { readonly array: string; readonly holds: "means" | "rows" };
  /** Whether it computes the upper triangle of a symmetric params×params result and mirrors it (hessian). */
  readonly mirrorsUpperTriangle: boolean;
  readonly docs: string;
}

export const BATCH_KINDS: { readonly [K in BatchName]: BatchKind & { readonly name: K } } = {
  loss: {
    name: "loss",
    arrays: [["params", "params"], ["X", "rows of inputs"], ["Y", "rows of targets"]],
    returnsLoss: true,
    mirrorsUpperTriangle: false,
    docs: "Mean loss over the n samples (X: n*inputs, Y: n*targets, row-major).",
  },
  lossAndGradient: {
    name: "lossAndGradient",
    arrays: [["params", "params"], ["X", "rows of inputs"], ["Y", "rows of targets"], ["grad", "one per parameter"]],
    returnsLoss: true,
    writes: { array: "grad", holds: "means" },
    mirrorsUpperTriangle: false,
    docs: "Writes the mean gradient over the n samples into grad (in PARAM_NAMES order) and returns the mean loss.",
  },
  predict: {
    name: "predict",
    arrays: [["params", "params"], ["X", "rows of inputs"], ["out", "rows of outputs"]],
    returnsLoss: false,
    writes: { array: "out", holds: "rows" },
    mirrorsUpperTriangle: false,
    docs: "Writes the outputs for each row of X into out (n*outputs, row-major).",
  },
  hessianVectorProduct: {
    name: "hessianVectorProduct",
    arrays: [["params", "params"], ["X", "rows of inputs"], ["Y", "rows of targets"], ["v", "one per parameter"], ["out", "one per parameter"]],
    returnsLoss: true,
    writes: { array: "out", holds: "means" },
    mirrorsUpperTriangle: false,
    docs: "Writes H*v into out, H the Hessian of the mean loss over the n samples (in PARAM_NAMES order), and returns the mean loss.",
  },
  hessian: {
    name: "hessian",
    arrays: [["params", "params"], ["X", "rows of inputs"], ["Y", "rows of targets"], ["H", "params*params"]],
    returnsLoss: true,
    writes: { array: "H", holds: "means" },
    mirrorsUpperTriangle: true,
    docs: "Writes the Hessian of the mean loss over the n samples into H (params*params, row-major, symmetric) and returns the mean loss.",
  },
};

/** The array whose length gives the number of rows n: the targets, or the inputs when there are none. */
function rowsArray(kind: BatchKind): readonly [name: string, shape: ArrayShape] {
  return kind.arrays.find(([, shape]) => shape === "rows of targets") ?? kind.arrays.find(([, shape]) => shape === "rows of inputs")!;
}

/** The array a function writes its means into, when it has one. */
function meansArray(kind: BatchKind): string | undefined {
  return kind.writes?.holds === "means" ? kind.writes.array : undefined;
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
  /** Module-level constants the functions use (the chunked layout's scratch array), module-private unless exported. */
  readonly constants: readonly { name: string; initializer: string; docs?: string; exported?: boolean }[];
  /** Module-private type aliases the functions use. */
  readonly types?: readonly { name: string; type: string; docs: string }[];
}

export const temp = (i: number) => `_t${i}`;

/** How many levels of single-use values a select's branch computes inline (see assignmentLines). */
const PULL_IN_DEPTH = 8;

/** How each symbol is read: parameters from `params`, inputs and targets from the sample's row. */
function symbolReads(layout: Layout): Map<string, string> {
  const reads = new Map<string, string>();
  layout.params.forEach((p, k) => reads.set(p, `params[${k}]!`));
  layout.direction?.forEach((d, k) => reads.set(d, `v[${k}]!`));
  const row = (array: string, width: number, j: number) =>
    width === 1 ? `${array}[_i]!` : `${array}[_i * ${width}${j > 0 ? ` + ${j}` : ""}]!`;
  layout.inputs.forEach((x, j) => reads.set(x, row("X", layout.inputs.length, j)));
  layout.targets.forEach((y, j) => reads.set(y, row("Y", layout.targets.length, j)));
  return reads;
}

export function operandCode(o: Operand, tempCode: (i: number) => string, symbolCode = (name: string) => name): string {
  if (o.kind === "num") return numberLiteral(o.value);
  if (o.kind === "sym") return symbolCode(o.name);
  return tempCode(o.index);
}

/** The names of the symbols a program reads (by assignments or as an output): the locals it needs. */
export function symbolsRead(program: Program): Set<string> {
  const used = new Set<string>();
  for (const a of program.assignments) for (const o of a.args) if (o.kind === "sym") used.add(o.name);
  for (const o of program.outputs) if (o.kind === "sym") used.add(o.name);
  return used;
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
  exp?: ExpSpelling,
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
    return printAssignment(a.op, a.args, code, exp);
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
// The skeleton every layout prints
// ---------------------------------------------------------------------------------------------

/** The parts of a batch function that depend on its layout. */
export interface BatchBody {
  /** After the checks: reading parameters, hoisted values. */
  readonly setup: readonly string[];
  /**
   * Where the means are summed: in locals of the body's own (declared in `locals`, written out in
   * `finish`), or "in place", straight into the written array (zeroed before the loop).
   */
  readonly sums: "locals" | "in place";
  /** Accumulators of the body's own, declared after the loss's. */
  readonly locals?: readonly string[];
  /** The loop over the rows (or over tiles of rows). */
  readonly loop: readonly string[];
  /** Sums to means. */
  readonly finish: readonly string[];
}

/**
 * checks → setup → zeroed sums → the loop → means → mirrored triangle → mean loss: the one outline
 * of every batch function, whichever layout prints its body.
 */
export function batchSkeleton(kind: BatchKind, layout: Layout, body: BatchBody): EmittedFunction {
  const means = meansArray(kind);
  const statements = [
    ...boundaryCheck(kind.name, layout),
    ...body.setup,
    ...(means && body.sums === "in place" ? [`${means}.fill(0);`] : []),
    ...(kind.returnsLoss ? ["let _loss = 0;"] : []),
    ...(body.locals ?? []),
    ...body.loop,
    ...body.finish,
    ...(kind.mirrorsUpperTriangle ? mirrorUpperTriangle(means!, layout.params.length) : []),
    ...(kind.returnsLoss ? ["return _loss / _n;"] : []),
  ];
  return { ...signature(kind.name), statements };
}

/** Copies the upper triangle of a P×P row-major array (j ≤ k, computed) to the lower one. */
function mirrorUpperTriangle(array: string, P: number): string[] {
  return [`for (let _j = 1; _j < ${P}; _j++) for (let _k = 0; _k < _j; _k++) ${array}[_j * ${P} + _k] = ${array}[_k * ${P} + _j]!;`];
}

// ---------------------------------------------------------------------------------------------
// Flat layout
// ---------------------------------------------------------------------------------------------

/** The local that sums a gradient sink over the samples. */
const gradientAccumulator = (index: number) => `_g${index}`;

function outputElement(array: string, s: { index: number; width: number }): string {
  return `${array}[_i * ${s.width}${s.index > 0 ? ` + ${s.index}` : ""}]`;
}

function sinkStatement(kind: BatchKind, s: Sink, value: string): string {
  if (s.kind === "out") return `${outputElement(kind.writes!.array, s)} = ${value};`;
  return `${s.kind === "grad" ? gradientAccumulator(s.index) : "_loss"} += ${value};`;
}

function emitFlat(fn: BatchFunction, layout: Layout): EmittedBatch {
  const { program, sinks } = fn;
  const kind = BATCH_KINDS[fn.name];
  const reads = symbolReads(layout);
  const indices = program.assignments.map((_, i) => i);
  const invariant = indices.filter((i) => program.assignments[i].invariant);
  const varying = indices.filter((i) => !program.assignments[i].invariant);
  const uses = useCounts(program);
  const used = symbolsUsed(program.assignments, program.outputs);
  const gradients = sinks.flatMap((s) => (s.kind === "grad" ? [s.index] : []));
  const body: BatchBody = {
    setup: [
      ...readSymbols([...layout.params, ...(layout.direction ?? [])], used, reads),
      ...assignmentLines(program, invariant, uses),
    ],
    sums: "locals",
    locals: gradients.map((g) => `let ${gradientAccumulator(g)} = 0;`),
    loop: [
      "for (let _i = 0; _i < _n; _i++) {",
      ...readSymbols([...layout.inputs, ...layout.targets], used, reads),
      ...assignmentLines(program, varying, uses),
      ...program.outputs.map((o, k) => sinkStatement(kind, sinks[k], operandCode(o, temp))),
      "}",
    ],
    finish: gradients.map((g) => `${meansArray(kind)}[${g}] = ${gradientAccumulator(g)} / _n;`),
  };
  return { functions: [batchSkeleton(kind, layout, body)], constants: [] };
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

  const kind = BATCH_KINDS[fn.name];
  const scratch = `_${fn.name}Scratch`;
  const partName = (c: number) => `_${fn.name}Part${c}`;
  // Parts write gradients and outputs straight into the written array (a loss-only function's parts
  // write nothing there, and get the scratch array); they read the targets from the rows array.
  const sinkArray = kind.writes?.array ?? scratch;
  const means = meansArray(kind);
  const vArgument = layout.direction ? ", v" : "";

  const reads = symbolReads(layout);
  const invariant = assignments.slice(0, Math.max(firstVarying, 0));
  const uses = useCounts(program);
  const store = storeInto(slot);
  // Outputs not produced inside a part (the loss, invariant or constant values) are handled here.
  const driverValue = (o: Operand) =>
    operandCode(o, (t) => (chunkOf(t) < 0 ? temp(t) : `_s[${slot.get(t)}]!`), (name) => reads.get(name)!);
  const driverSinks = program.outputs.flatMap((o, k) =>
    o.kind === "temp" && chunkOf(o.index) >= 0 && sinks[k].kind !== "loss"
      ? []
      : [chunkedSinkStatement(sinks[k], driverValue(o), sinkArray)],
  );
  const body: BatchBody = {
    setup: [
      `const _s = ${scratch};`,
      ...readSymbols([...layout.params, ...(layout.direction ?? [])], symbolsUsed(invariant), reads),
      ...assignmentLines(program, invariant.map((_, i) => i), uses, store, BUILTIN_EXP_SPELLING),
    ],
    sums: "in place",
    loop: [
      "for (let _i = 0; _i < _n; _i++) {",
      ...chunks.map((_, c) => `${partName(c)}(params, X, ${rowsArray(kind)[0]}, _i, ${sinkArray}, _s${vArgument});`),
      ...driverSinks,
      "}",
    ],
    finish: means ? [`for (let _k = 0; _k < ${means}.length; _k++) ${means}[_k]! /= _n;`] : [],
  };
  const parts = chunks.map((chunk, c) => emitPart(fn, layout, chunk, c, slot, uses, partName(c)));
  return {
    functions: [batchSkeleton(kind, layout, body), ...parts],
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
  if (s.kind === "grad") return `${array}[${s.index}]! += ${value};`;
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
    ...[...loads].sort((a, b) => a - b).map((t) => `const ${temp(t)} = _s[${slot.get(t)}]!;`),
    ...assignmentLines(program, own.map((_, j) => chunk.first + j), uses, storeInto(slot), BUILTIN_EXP_SPELLING),
  ];
  program.outputs.forEach((o, k) => {
    if (o.kind === "temp" && inChunk(o.index) && sinks[k].kind !== "loss") {
      statements.push(chunkedSinkStatement(sinks[k], temp(o.index), "_sink"));
    }
  });
  // Every part takes the same arguments; one that does not read an array names it _params, _X, …, so
  // that a project compiling with noUnusedParameters accepts the module.
  const named = (array: string) => (statements.some((s) => new RegExp(`\\b${array}\\b`).test(s)) ? array : `_${array}`);
  return {
    name,
    exported: false,
    parameters: [
      { name: named("params"), type: "Float64Array" },
      { name: named("X"), type: "Float64Array" },
      { name: named("Y"), type: "Float64Array" },
      { name: "_i", type: "number" },
      { name: "_sink", type: "Float64Array" },
      { name: "_s", type: "Float64Array" },
      ...(layout.direction ? [{ name: named("v"), type: "Float64Array" }] : []),
    ],
    returnType: "void",
    statements,
    docs: `Part ${c + 1} of ${fn.name}'s per-sample body (assignments ${chunk.first} to ${chunk.end - 1}).`,
  };
}

// ---------------------------------------------------------------------------------------------
// Signatures and boundary checks
// ---------------------------------------------------------------------------------------------

export function signature(name: BatchName): Omit<EmittedFunction, "statements"> {
  const { arrays, returnsLoss, docs } = BATCH_KINDS[name];
  return {
    name,
    exported: true,
    parameters: arrays.map(([n]) => ({ name: n, type: "Float64Array" })),
    returnType: returnsLoss ? "number" : "void",
    docs,
  };
}

/**
 * The module's private constant holding its parameter count (module.ts declares it), which length
 * checks and loops over the parameters read instead of spelling out the number: so that functions which
 * differ between two models only in that number (the loop modules' batch functions, packParams) are the
 * same text, which prettier formats once per run (format.ts).
 */
export const PARAM_COUNT = "_paramCount";

/** `if (array is not a Float64Array of this length) throw …;`: a call only on failure (see boundaryCheck). */
export function lengthCheck(fn: string, array: string, expected: string | number, what: string): string {
  return `if (!(${array} instanceof Float64Array) || ${array}.length !== ${expected}) _lengthError(${fn}, "${array}", ${array}, ${expected}, "${what}");`;
}

/**
 * Length checks before the loop; `_n` is the number of samples. Messages are built only on failure.
 * The array a function writes (grad, out) must not share memory with one it reads: the split layout
 * reads params after it has started writing grad, so aliasing would silently change the result.
 *
 * The checks are conditions written into the function, and a helper is called only to throw. With a
 * helper called on every call (they were `_checkLength(…)` and the like), TurboFan could optimize the
 * batch function before V8 had allocated the helper's feedback (V8 does so lazily, after a function
 * has run a while): the inlined helper then deoptimized the function on its next call, V8 re-entered
 * it only through on-stack replacement, and the seed's lossAndGradient ran at ~1.3–1.6× its usual time
 * in about one process in three (`--trace-deopt`: "Insufficient type feedback for call").
 */
export function boundaryCheck(name: BatchName, layout: Layout): string[] {
  const kind = BATCH_KINDS[name];
  const fn = JSON.stringify(name);
  const [rows, rowsShape] = rowsArray(kind);
  const P = layout.params.length;
  const rowWidth = { "rows of inputs": layout.inputs.length, "rows of targets": layout.targets.length, "rows of outputs": layout.outputs };
  const check = ([array, shape]: readonly [string, ArrayShape]): string => {
    switch (shape) {
      case "params":
      case "one per parameter":
        return lengthCheck(fn, array, PARAM_COUNT, "one per parameter");
      case "rows of inputs":
      case "rows of targets":
      case "rows of outputs":
        return lengthCheck(fn, array, `_n * ${rowWidth[shape]}`, `n*${shape.slice("rows of ".length)} for the n rows of ${rows}`);
      case "params*params":
        return lengthCheck(fn, array, P ** 2, "params*params");
    }
  };
  const width = rowWidth[rowsShape as keyof typeof rowWidth];
  const badRows = `${rows}.length === 0${width === 1 ? "" : ` || ${rows}.length % ${width} !== 0`}`;
  const written = kind.writes?.array;
  const read = kind.arrays.map(([array]) => array).filter((array) => array !== written);
  const overlap = (a: string, b: string) =>
    `${a}.buffer === ${b}.buffer && ${a}.byteOffset < ${b}.byteOffset + ${b}.byteLength && ${b}.byteOffset < ${a}.byteOffset + ${a}.byteLength`;
  return [
    ...kind.arrays.filter(([, shape]) => shape === "params").map(check),
    `if (!(${rows} instanceof Float64Array) || ${badRows}) _rowsError(${fn}, "${rows}", ${rows}, ${width});`,
    `const _n = ${width === 1 ? `${rows}.length` : `${rows}.length / ${width}`};`,
    ...kind.arrays.filter(([array, shape]) => shape !== "params" && array !== rows).map(check),
    ...(written ? read.map((r) => `if (${overlap(written, r)}) _aliasError(${fn}, "${written}", "${r}");`) : []),
  ];
}
