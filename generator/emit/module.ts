/**
 * A whole generated module, as ts-morph structures: constants describing the model, the Params
 * interface and its packing helpers, the boundary checks, and the batch functions (batch.ts).
 * The result imports nothing. Its text is ASCII, but for the names a model gives (test/generated.test.ts
 * checks the shipped ones): a single other character makes V8 keep the whole source as a two-byte
 * string, so the comments and messages the emitters write say `x`, `*`, `->` and `delta`.
 */
import type { FunctionDeclarationStructure, StatementStructures, VariableStatementStructure } from "ts-morph";
import { hessianVectorProductOps, type CompiledModel, type UnrolledModel } from "../compile.ts";
import { localNames } from "../symbolic/names.ts";
import type { Operand, Program } from "../symbolic/schedule.ts";
import { emitBatchFunction, lengthCheck, PARAM_COUNT, type EmittedBatch, type EmittedFunction, type Layout, type Sink } from "./batch.ts";
import { header, type Provenance } from "./header.ts";
import { emitLoopModel } from "./loops.ts";
import { denseWasm, type DenseWasm } from "./wasm/backend.ts";
import { emitLoopHessianVectorProduct } from "./loops-hvp.ts";
import { upperTriangle } from "../symbolic/second-order.ts";

import { HASH_PLACEHOLDER } from "./code-hash.ts";
import { CONST_DECLARATION, printModule, structureKind, type ModuleStructure } from "./print.ts";
import { fastMathStatements, fastMathUses } from "./fast-math.ts";

export interface EmitOptions {
  /** Largest number of per-sample assignments emitted as one flat function. */
  readonly flatLimit: number;
  /** Assignments per part when a body is larger than flatLimit and gets split. */
  readonly chunkSize: number;
  /**
   * Whether the module has hessianVectorProduct and hessian (default: yes). The playground's probe
   * modules, which only predict, leave them out: the probe of 2-16-16-1 is a 337-parameter model
   * without a layer plan, whose unrolled H·v was 40 KB of the page's gzipped bundle.
   */
  readonly secondOrder?: boolean;
  /**
   * Whether a loop model's lossAndGradient also gets its WebAssembly form where it has one (default:
   * yes; wasm/backend.ts says which models have one and why it exists).
   */
  readonly wasm?: boolean;
}

/**
 * V8 does not optimize a function with more than 60 KB of bytecode. Measured with
 * `node --print-bytecode` (test/v8.test.ts checks every shipped function): a flat body costs about
 * 31 bytes per assignment (mlp_2_16_16_1: 43.5 KB), a part of a split body about 48 (its locals
 * need wide register operands; 600 assignments: 28.8 KB). 2-64-64-1 timings per 200-sample batch:
 * parts of 150 → 8.4 ms, 300 → 9.5 ms, 600 → 6.0 ms, 1500 → 105 ms (not optimized).
 */
export const DEFAULT_EMIT_OPTIONS: EmitOptions = { flatLimit: 1500, chunkSize: 600 };

function constant(name: string, initializer: string, exported = true, docs?: string): VariableStatementStructure {
  return {
    kind: structureKind("VariableStatement"),
    isExported: exported,
    declarationKind: CONST_DECLARATION,
    declarations: [{ name, initializer }],
    docs: docs ? [docs] : undefined,
  };
}

function functionStructure(f: EmittedFunction): FunctionDeclarationStructure {
  return {
    kind: structureKind("Function"),
    name: f.name,
    isExported: f.exported,
    parameters: f.parameters.map((p) => ({ name: p.name, type: p.type })),
    returnType: f.returnType,
    statements: [...f.statements],
    docs: f.docs ? [f.docs] : undefined,
  };
}

const tuple = (names: readonly string[]) => `[${names.map((n) => JSON.stringify(n)).join(", ")}] as const`;

function describeModel(compiled: CompiledModel): VariableStatementStructure {
  const d = compiled.definition;
  const fields = [
    `name: ${JSON.stringify(d.name)}`,
    `task: ${JSON.stringify(d.task)}`,
    `inputs: ${d.inputs.length}`,
    `targets: ${d.targets.length}`,
    `outputs: ${d.outputs.length}`,
    `params: ${d.params.length}`,
    `hash: ${JSON.stringify(HASH_PLACEHOLDER)}`,
    `ops: { ${opCounts(compiled).map(([name, count]) => `${name}: ${count}`).join(", ")} }`,
  ];
  const docs = "What this module computes; ops are scheduled operations per sample; hash identifies this file's code.";
  return constant("MODEL", `{ ${fields.join(", ")} } as const`, true, docs);
}

/** Scheduled operations per sample of each batch function the module has. */
export function opCounts(compiled: CompiledModel): [name: string, ops: number][] {
  const counts: [string, number][] = [
    ["loss", compiled.ops.loss],
    ["lossAndGradient", compiled.ops.lossAndGradient],
  ];
  const hvpOps = hessianVectorProductOps(compiled);
  if (hvpOps !== undefined) counts.push(["hessianVectorProduct", hvpOps]);
  if (compiled.hessian) counts.push(["hessian", compiled.hessian.counts.total]);
  return counts;
}

/**
 * PARAM_NAMES and the Params type. Unrolled modules list every name. Loop modules, whose parameters
 * are dense layers' w{l}_{j}_{i} and b{l}_{j} in layer order (nn/layers.ts checks that), build the
 * list when the module loads and type Params by name patterns: listing 66 000 names of a 2-256-256-1
 * would make up most of the module (and of prettier's time).
 */
function parameterNames(compiled: CompiledModel, params: readonly string[]): { list: StatementStructures[]; types: StatementStructures[] } {
  const docs = "Parameter names, in the order of the flat parameter array.";
  if (compiled.strategy === "unrolled") {
    return {
      list: [constant("PARAM_NAMES", tuple(params), true, docs)],
      types: [{ kind: structureKind("Interface"), name: "Params", isExported: true, properties: params.map((name) => ({ name, type: "number" })) }],
    };
  }
  const layers = compiled.plan.layers.map((l) => [l.layer, l.z.length, l.inputs.length]);
  const patterns = layers.flatMap(([l]) => [`\`w${l}_\${number}_\${number}\``, `\`b${l}_\${number}\``]);
  const types: StatementStructures[] = [
    { kind: structureKind("TypeAlias"), name: "ParamName", isExported: true, type: patterns.join(" | "), docs: ["w{layer}_{unit}_{input} and b{layer}_{unit}, 1-based."] },
    { kind: structureKind("TypeAlias"), name: "Params", isExported: true, type: "Record<ParamName, number>" },
  ];
  const list: StatementStructures[] = [
    constant("PARAM_NAMES", `Object.freeze(_denseParamNames(${JSON.stringify(layers)}, ${params.length}))`, true, docs),
    {
      kind: structureKind("Function"),
      name: "_denseParamNames",
      parameters: [{ name: "layers", type: "readonly (readonly [number, number, number])[]" }, { name: "count", type: "number" }],
      returnType: "ParamName[]",
      // Runs at import, in V8's interpreter, where each step costs: one prefix per unit, each number
      // turned into a string once, names stored into an array of the final length (2-64-64-1 in fresh
      // processes: 1.3–2.0 ms with push and a conversion per name, 1.1 ms so, of a ~10 ms import).
      docs: ["Per [layer, units, fanIn]: per unit, its weights, then its bias."],
      statements: [
        "let widest = 0;",
        "for (const [, units, fanIn] of layers) widest = Math.max(widest, units, fanIn);",
        "const numbers: string[] = [];",
        "for (let k = 0; k <= widest; k++) numbers.push(String(k));",
        "const names = new Array<ParamName>(count);",
        "let at = 0;",
        "for (const [l, units, fanIn] of layers) {",
        "  for (let j = 1; j <= units; j++) {",
        "    const weight = \"w\" + l + \"_\" + numbers[j]! + \"_\";",
        "    for (let i = 1; i <= fanIn; i++) names[at++] = (weight + numbers[i]!) as ParamName;",
        "    names[at++] = (\"b\" + l + \"_\" + numbers[j]!) as ParamName;",
        "  }",
        "}",
        "return names;",
      ],
    },
  ];
  return { list, types };
}

/** Loops over PARAM_NAMES rather than one statement per parameter: wide models have thousands. */
function packing(params: readonly string[]): FunctionDeclarationStructure[] {
  // A parameter named __proto__ needs an object without a prototype: on a plain object, assigning
  // p["__proto__"] would set the prototype instead of creating the property.
  const emptyParams = params.includes("__proto__") ? "Object.create(null) as Params" : "{} as Params";
  return [
    {
      kind: structureKind("Function"),
      name: "packParams",
      isExported: true,
      parameters: [{ name: "p", type: "Params" }, { name: "out", type: "Float64Array", initializer: `new Float64Array(${PARAM_COUNT})` }],
      returnType: "Float64Array",
      docs: ["Parameters by name -> the flat array the functions below take (in PARAM_NAMES order). Every parameter must be a finite number."],
      statements: [
        'if (typeof p !== "object" || p === null) throw new TypeError("packParams: p must be an object of parameters by name");',
        lengthCheck(`"packParams"`, "out", PARAM_COUNT, "one per parameter"),
        [
          `for (let _k = 0; _k < ${PARAM_COUNT}; _k++) {`,
          "  const _v: unknown = p[PARAM_NAMES[_k]!];",
          '  if (typeof _v !== "number" || !Number.isFinite(_v)) {',
          "    throw new RangeError(`packParams: parameter ${JSON.stringify(PARAM_NAMES[_k])} must be a finite number, got ${typeof _v === \"number\" ? _v : typeof _v}`);",
          "  }",
          "  out[_k] = _v;",
          "}",
        ].join("\n"),
        "return out;",
      ],
    },
    {
      kind: structureKind("Function"),
      name: "unpackParams",
      isExported: true,
      parameters: [{ name: "a", type: "Float64Array" }],
      returnType: "Params",
      docs: ["The flat parameter array -> parameters by name."],
      statements: [
        lengthCheck(`"unpackParams"`, "a", PARAM_COUNT, "one per parameter"),
        `const p = ${emptyParams};`,
        `for (let _k = 0; _k < ${PARAM_COUNT}; _k++) p[PARAM_NAMES[_k]!] = a[_k]!;`,
        "return p;",
      ],
    },
  ];
}

/**
 * What the boundary checks call when one fails (batch.ts writes the checks into each function): they
 * build the message and throw, and are never called when the arrays are right.
 */
function checkErrors(): FunctionDeclarationStructure[] {
  const fn = (name: string, parameters: [string, string][], statements: string[]): FunctionDeclarationStructure => ({
    kind: structureKind("Function"),
    name,
    parameters: parameters.map(([n, type]) => ({ name: n, type })),
    returnType: "never",
    statements,
  });
  return [
    fn("_lengthError", [["fn", "string"], ["arg", "string"], ["array", "unknown"], ["expected", "number"], ["what", "string"]], [
      "if (!(array instanceof Float64Array)) throw new TypeError(`${fn}: ${arg} must be a Float64Array`);",
      "throw new RangeError(`${fn}: ${arg} must have length ${expected} (${what}), got ${array.length}`);",
    ]),
    fn("_rowsError", [["fn", "string"], ["arg", "string"], ["array", "unknown"], ["width", "number"]], [
      "if (!(array instanceof Float64Array)) throw new TypeError(`${fn}: ${arg} must be a Float64Array`);",
      "throw new RangeError(`${fn}: ${arg} must hold n >= 1 rows of ${width} (a positive multiple of ${width}), got length ${array.length}`);",
    ]),
    fn("_aliasError", [["fn", "string"], ["written", "string"], ["read", "string"]], [
      "throw new RangeError(`${fn}: ${written} must not share memory with ${read} (pass separate arrays)`);",
    ]),
  ];
}

/** The program with every symbol read through its local name in generated code. */
function renameSymbols(program: Program, local: (name: string) => string): Program {
  const rename = (o: Operand): Operand => (o.kind === "sym" ? { kind: "sym", name: local(o.name) } : o);
  return {
    ...program,
    inputs: program.inputs.map(local),
    assignments: program.assignments.map((a) => ({ ...a, args: a.args.map(rename) })),
    outputs: program.outputs.map(rename),
  };
}

/** `wasm`: lossAndGradient's WebAssembly form, for a loop model that has one (wasmForm). */
export function moduleStructures(compiled: CompiledModel, options: EmitOptions = DEFAULT_EMIT_OPTIONS, wasm = wasmForm(compiled, options)): StatementStructures[] {
  const d = compiled.definition;
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name);
  const userNames = { params: names(d.params), inputs: names(d.inputs), targets: names(d.targets) };
  // The batch functions read each symbol into a local: its own name unless that would collide with the
  // generated code's own names (then `name_1`, …). PARAM_NAMES, Params, … keep the user's names.
  // (A loop module's head also reads the last layer's outputs through symbols of its own.)
  const headInputs = compiled.strategy === "loops" ? names(compiled.plan.headInputs) : [];
  // The loop H·v's head reads the same last-layer symbols (and their tangents), whatever the strategy.
  const loopHvp = compiled.loopHessianVectorProduct;
  const hvpHeadInputs = loopHvp && compiled.strategy === "unrolled" ? names(loopHvp.plan.headInputs) : [];
  const headTangents = loopHvp?.headTangents ?? [];
  const localName = localNames([...userNames.params, ...userNames.inputs, ...userNames.targets, ...headInputs, ...hvpHeadInputs, ...compiled.direction, ...headTangents]);
  const local = (list: readonly string[]) => list.map(localName);
  const layout: Layout = {
    params: local(userNames.params), inputs: local(userNames.inputs), targets: local(userNames.targets), outputs: d.outputs.length,
  };
  const program = (p: Program) => renameSymbols(p, localName);
  const batches: EmittedBatch[] =
    compiled.strategy === "loops"
      ? [emitLoopModel(compiled, layout, { program, headInputs: local(headInputs) }, wasm)]
      : unrolledBatches(compiled, layout, program, options);
  batches.push(...secondOrderBatches(compiled, layout, local(compiled.direction), program, options));
  if (loopHvp) {
    const hvpNames = { program, headInputs: local(names(loopHvp.plan.headInputs)), headTangents: local(headTangents) };
    batches.push(emitLoopHessianVectorProduct(loopHvp, layout, hvpNames));
  }
  const parameters = parameterNames(compiled, userNames.params);
  const fastMath = fastMathUses(batches.flatMap((b) => b.functions.flatMap((f) => f.statements)));
  return [
    describeModel(compiled),
    ...parameters.list,
    constant(PARAM_COUNT, String(layout.params.length), false, "The number of parameters (PARAM_NAMES.length), for the length checks."),
    constant("INPUT_NAMES", tuple(userNames.inputs), true, "Input names: the columns of X."),
    constant("TARGET_NAMES", tuple(userNames.targets), true, "Target names: the columns of Y."),
    ...parameters.types,
    ...packing(userNames.params),
    ...batches.flatMap((b) => (b.types ?? []).map((t): StatementStructures => ({ kind: structureKind("TypeAlias"), name: t.name, type: t.type, docs: [t.docs] }))),
    ...distinctConstants(batches).map((c) => constant(c.name, c.initializer, c.exported ?? false, c.docs)),
    ...batches.flatMap((b) => b.functions.map(functionStructure)),
    ...fastMathStatements(fastMath),
    ...checkErrors(),
  ];
}

/**
 * The batches' module constants, each once: the gradient's and H·v's loops both declare the layers'
 * shapes (loops.ts, shapeConstant). Two different constants of one name are a bug in an emitter.
 */
function distinctConstants(batches: readonly EmittedBatch[]): EmittedBatch["constants"] {
  const byName = new Map<string, EmittedBatch["constants"][number]>();
  for (const c of batches.flatMap((b) => b.constants)) {
    const seen = byName.get(c.name);
    if (seen && seen.initializer !== c.initializer) throw new Error(`two module constants named ${c.name}: ${seen.initializer} and ${c.initializer}`);
    byName.set(c.name, seen ?? c);
  }
  return [...byName.values()];
}

/** loss, lossAndGradient and predict of the unrolled strategy (batch.ts). */
function unrolledBatches(compiled: UnrolledModel, layout: Layout, program: (p: Program) => Program, options: EmitOptions): EmittedBatch[] {
  const lossSink: Sink = { kind: "loss" };
  return [
    emitBatchFunction({ name: "loss", program: program(compiled.loss), sinks: [lossSink] }, layout, options),
    emitBatchFunction(
      { name: "lossAndGradient", program: program(compiled.lossAndGradient), sinks: [lossSink, ...layout.params.map((_, index) => ({ kind: "grad" as const, index }))] },
      layout,
      options,
    ),
    emitBatchFunction(
      { name: "predict", program: program(compiled.predict), sinks: compiled.predict.outputs.map((_, index) => ({ kind: "out" as const, index, width: layout.outputs })) },
      layout,
      options,
    ),
  ];
}

/**
 * hessianVectorProduct and hessian, where the model has them: unrolled per-sample programs whichever
 * strategy the first-order functions use. The mean over rows goes to `out`/`H` like a gradient.
 */
function secondOrderBatches(
  compiled: CompiledModel,
  layout: Layout,
  direction: readonly string[],
  program: (p: Program) => Program,
  options: EmitOptions,
): EmittedBatch[] {
  const P = layout.params.length;
  const lossSink: Sink = { kind: "loss" };
  const meanSinks = (count: number, index: (k: number) => number): Sink[] =>
    Array.from({ length: count }, (_, k) => ({ kind: "grad" as const, index: index(k) }));
  const batches: EmittedBatch[] = [];
  if (compiled.hessianVectorProduct) {
    const sinks = [lossSink, ...meanSinks(P, (k) => k)];
    const withV = { ...layout, direction }; // H·v reads v; the dense Hessian does not
    batches.push(emitBatchFunction({ name: "hessianVectorProduct", program: program(compiled.hessianVectorProduct), sinks }, withV, options));
  }
  if (compiled.hessian) {
    const upper = upperTriangle(P);
    const sinks = [lossSink, ...meanSinks(upper.length, (k) => upper[k][0] * P + upper[k][1])];
    batches.push(emitBatchFunction({ name: "hessian", program: program(compiled.hessian), sinks }, layout, options));
  }
  return batches;
}

/** lossAndGradient's WebAssembly form, when the options ask for one and the model has one (wasm/backend.ts). */
function wasmForm(compiled: CompiledModel, options: EmitOptions): DenseWasm | undefined {
  return compiled.strategy === "loops" && (options.wasm ?? true) ? denseWasm(compiled) : undefined;
}

/** The module as structures (named kinds, print.ts), to be printed and formatted where ts-morph is loaded. */
export function moduleStructure(
  compiled: CompiledModel,
  options: EmitOptions = DEFAULT_EMIT_OPTIONS,
  provenance?: Provenance,
): ModuleStructure {
  const emitted: CompiledModel =
    options.secondOrder === false
      ? { ...compiled, hessianVectorProduct: undefined, hessian: undefined, loopHessianVectorProduct: undefined, direction: [] }
      : compiled;
  const wasm = wasmForm(emitted, options);
  return { statements: [header(emitted, provenance, wasm !== undefined), ...moduleStructures(emitted, options, wasm)] };
}

/** The module's source text (unformatted; format.ts formats it), printed in this thread. */
export function emitModule(
  compiled: CompiledModel,
  options: EmitOptions = DEFAULT_EMIT_OPTIONS,
  provenance?: Provenance,
): string {
  // Printed straight from the structures: the same text a ts-morph source file would hold, without
  // TypeScript parsing it back into a syntax tree (most of the emit time, and memory, of large modules).
  return printModule(moduleStructure(compiled, options, provenance));
}
