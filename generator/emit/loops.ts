/**
 * The loop strategy (compile.ts, "loops"): a stack of dense layers emitted as blocked loops over the
 * batch, with every bound, stride and parameter offset a constant of the layer (shapeConstant); the
 * small head (loss and outputs of the last layer's outputs) and the activations' elementwise kernels
 * stay unrolled straight-line code from the usual scalar stages, so the stable forms are the same as
 * unrolled code's.
 *
 * Data layout. The batch is processed in tiles of TILE samples. Per tile, every layer's activations,
 * its activation's derivative f'(z) (computed with f(z) in one kernel, so that they share their
 * transcendental call) and its delta ∂loss/∂z are stored unit-major: unit j's TILE samples are one contiguous run, at j·TILE. These
 * buffers are module-level Float64Arrays of a fixed size allocated once, when the module is loaded,
 * so no call allocates, whatever the batch size. (They make the module's functions non-reentrant,
 * which plain synchronous JavaScript never is; each worker thread has its own module instance.)
 *
 * Register blocking (the design measured by hand in issue 10; a plain axpy was 1.45× slower), with B = 4,
 * or 3 in models whose widest layer has WIDE_MIN_UNITS units or more (see blockSize):
 * - forward z = W·a + b: 2 units × B samples per inner iteration, 2B accumulators in locals; then
 *   one pass of the activation's kernel over the layer, a = f(z) in place and f'(z) beside it;
 * - weight gradient ∂W = D·Aᵀ: 2 units × B inputs per iteration over the samples, the bias's sum of
 *   the deltas in the same pass as the last block of inputs;
 * - input delta Wᵀ·D: 2 inputs × B samples per iteration over the units, times the stored f'(z)
 *   of the layer below as it is stored.
 * Odd unit counts and the samples past a multiple of B get one-unit or one-sample tails. The block
 * shape does not change any sum's order: each output still adds its terms input by input (forward),
 * unit by unit (delta) or sample by sample (gradient), so results are bitwise those of any other B.
 *
 * Measured and rejected: writing the inner loop out in full when its extent is ≤ 16 (constant offsets,
 * `a[s + 1280]`) made 2-16-16-1 1.10–1.12× slower (`npm run bench` ratio to the hand loop 3.19–3.21×
 * against 3.49–3.60×): TurboFan issues every load of the unrolled steps first and the arithmetic after,
 * so a block's ~96 loaded values are live at once and go through stack slots (--print-opt-code).
 */
import { widestLayer, type ActivationKernel, type LoopModel } from "../compile.ts";
import type { Program } from "../symbolic/schedule.ts";
import type { DenseWasm } from "./wasm/backend.ts";
import { wasmWrapper } from "./wasm/wrapper.ts";
import {
  assignmentLines, BATCH_KINDS, batchSkeleton, operandCode, PARAM_COUNT, symbolsRead, temp, useCounts,
  type BatchName, type EmittedBatch, type EmittedFunction, type Layout,
} from "./batch.ts";

/**
 * Samples per tile: all of a 200-row batch in one tile, and every buffer of a 256-unit layer
 * (256 × 256 × 8 B = 512 KiB) still within this machine's L2.
 */
export const TILE = 256;

/**
 * Models whose widest layer has at least this many units get 2 × 3 register blocks, others 2 × 4.
 * TurboFan computes a 2 × 4 block's 8 products before its 8 sums: 16 doubles are live, x64 allocates
 * 15, and two accumulators live in stack slots (--print-opt-code: vaddsd with [rbp-…] operands), a
 * loop-carried dependence through memory; 2 × 3 blocks have none. Measured in one process (interleaved,
 * gradients bit for bit equal), lossAndGradient with 2 × 3 relative to 2 × 4: 2-64-64-1 0.83,
 * 2-128-128-1 0.77, 2-256-256-1 0.74, 2-16-16-1 0.93–0.96; but once any ArrayBuffer in the process has
 * been detached (tfjs-wasm growing its memory does it, as in `npm run bench`), V8 reloads typed arrays'
 * lengths in these loops and the ratios become 0.98, 0.90, 0.88 and, for 2-16-16-1, 1.025–1.027. Narrow
 * models keep 2 × 4.
 */
export const WIDE_MIN_UNITS = 64;

/** Samples per register block (forward, input delta) and inputs per block (weight gradient). */
function blockSize(model: LoopModel): number {
  return widestLayer(model.plan) >= WIDE_MIN_UNITS ? 3 : 4;
}

const aBuf = (l: number) => `_a${l}`;
/** f'(z) of layer l's activation, from the forward pass. */
const fBuf = (l: number) => `_f${l}`;
const dBuf = (l: number) => `_d${l}`;
const kernelName = (k: ActivationKernel) => `_${k.activation}Forward`;

/**
 * Layer l's shape, a module constant (`_layer2 = { units: 64, fanIn: 64, offset: 192 }`) that its loop
 * functions read into locals on entry instead of spelling the numbers out. Then a function's text
 * depends on the layer's shape only through the parity of its sizes and the register blocks, so
 * models of the same depth and block size share their loop functions' text, and prettier formats a
 * text once per run (format.ts: prettier had 60 KB less to format in a run of the shipped models). The loops run as fast as with the numbers inline: the bounds are locals, kept in registers
 * (a 64×64 forward pass, 200 samples, medians of 30: 398 µs with literals, 387–424 µs from the
 * constant). loops-hvp.ts reads the same constants.
 */
export const shapeConstant = (l: number) => `_layer${l}`;

/** The module constant shapeConstant(layer) names (emitted once however many emitters use it: module.ts). */
export function shapeConstantDeclaration(layer: { index: number; units: number; fanIn: number; offset: number }) {
  return {
    name: shapeConstant(layer.index),
    initializer: `{ units: ${layer.units}, fanIn: ${layer.fanIn}, offset: ${layer.offset} }`,
    docs: `Layer ${layer.index}: ${layer.units} unit${layer.units === 1 ? "" : "s"} of ${layer.fanIn} input${layer.fanIn === 1 ? "" : "s"}; its parameters from index ${layer.offset} on (per unit: weights, then bias).`,
  };
}

/**
 * A loop function's first statements: layer l's shape as locals, and `stride`, a unit's row of
 * parameters (fanIn weights and a bias).
 */
export function shapeLocals(l: number): string[] {
  return [`const { units, fanIn, offset } = ${shapeConstant(l)};`, "const stride = fanIn + 1;"];
}

interface LayerInfo {
  readonly index: number; // 1-based
  readonly units: number;
  readonly fanIn: number;
  /** Index of the layer's first parameter. */
  readonly offset: number;
  /** The register block's sample (or input) count, the same for every layer of a model: blockSize. */
  readonly block: number;
  readonly kernel: ActivationKernel | undefined;
}

function layerInfos(model: LoopModel): LayerInfo[] {
  const block = blockSize(model);
  return model.plan.layers.map((layer, k) => ({
    block,
    index: k + 1,
    units: layer.z.length,
    fanIn: layer.inputs.length,
    offset: model.plan.offsets[k],
    kernel: layer.activation === "linear" ? undefined : model.kernels.get(layer.activation),
  }));
}

/** A module-private function (loops.ts and loops-hvp.ts). */
export const fn = (name: string, parameters: [string, string][], returnType: string, statements: string[], docs?: string): EmittedFunction => ({
  name,
  exported: false,
  parameters: parameters.map(([n, type]) => ({ name: n, type })),
  returnType,
  statements,
  docs,
});

export const range = (n: number) => Array.from({ length: n }, (_, k) => k);

// ---------------------------------------------------------------------------------------------
// Elementwise kernels
// ---------------------------------------------------------------------------------------------

/**
 * The activation's kernel over a layer's buffers: z (in _a) → a = f(z) in place, and f'(z) in _f; both
 * from one scalar program (compile.ts, activationKernel), so they share their transcendental call.
 */
function kernelFunction(kernel: ActivationKernel): EmittedFunction {
  const program = kernel.forward;
  const statements = [
    "for (let _j = 0; _j < _u; _j++) {",
    `for (let _at = _j * ${TILE}, _end = _at + _m; _at < _end; _at++) {`,
    "const z = _a[_at]!;",
    ...assignmentLines(program, program.assignments.map((_, i) => i), useCounts(program)),
    `_a[_at] = ${operandCode(program.outputs[0], temp)};`,
    `_f[_at] = ${operandCode(program.outputs[1], temp)};`,
    "}",
    "}",
  ];
  return fn(kernelName(kernel), [["_a", "Float64Array"], ["_f", "Float64Array"], ["_u", "number"], ["_m", "number"]], "void", statements,
    `${kernel.activation} over _u units x _m samples: z -> a = ${kernel.activation}(z) in _a (in place), and ${kernel.activation}'(z) in _f.`);
}

// ---------------------------------------------------------------------------------------------
// Forward: z = W·a + b, 2 units × 4 samples
// ---------------------------------------------------------------------------------------------

/**
 * One block of `units` units (row offsets w0, w1) × `samples` samples (from s), as statements:
 * accumulators start at the biases, the inner loop runs over the inputs.
 */
function forwardBlock(units: number, samples: number): string[] {
  const acc = (u: number, k: number) => `z${u}${k}`;
  const lines: string[] = [];
  for (const u of range(units)) lines.push(`let ${range(samples).map((k) => `${acc(u, k)} = params[w${u} + fanIn]!`).join(", ")};`);
  lines.push(`for (let i = 0, x = s; i < fanIn; i++, x += ${TILE}) {`);
  for (const u of range(units)) lines.push(`const p${u} = params[w${u} + i]!;`);
  for (const k of range(samples)) lines.push(`const x${k} = a[x${k > 0 ? ` + ${k}` : ""}]!;`);
  for (const u of range(units)) for (const k of range(samples)) lines.push(`${acc(u, k)} += p${u} * x${k};`);
  lines.push("}");
  for (const u of range(units)) {
    for (const k of range(samples)) lines.push(`out[o${u} + s${k > 0 ? ` + ${k}` : ""}] = ${acc(u, k)};`);
  }
  return lines;
}

/**
 * The units [first, first + units) over all samples of the tile: blocks of layer.block samples, then
 * single ones. `unitOffset`: the first unit, an expression of the shape's locals.
 */
function forwardUnits(layer: LayerInfo, units: number, header: string, unitOffset: string): string[] {
  return [
    header,
    `const w0 = offset + ${unitOffset} * stride;`,
    ...(units > 1 ? ["const w1 = w0 + stride;"] : []),
    `const o0 = ${unitOffset} * ${TILE};`,
    ...(units > 1 ? [`const o1 = o0 + ${TILE};`] : []),
    "let s = 0;",
    `for (; s < mb; s += ${layer.block}) {`,
    ...forwardBlock(units, layer.block),
    "}",
    "for (; s < m; s++) {",
    ...forwardBlock(units, 1),
    "}",
    "}",
  ];
}

function forwardFunction(layer: LayerInfo): EmittedFunction {
  const U = layer.units;
  const statements = [
    ...shapeLocals(layer.index),
    `const a = ${aBuf(layer.index - 1)};`,
    `const out = ${aBuf(layer.index)};`,
    `const mb = m - (m % ${layer.block});`,
    ...(U > 1 ? forwardUnits(layer, 2, "for (let j = 0; j < units - 1; j += 2) {", "j") : []),
    ...(U % 2 ? forwardUnits(layer, 1, "{", "(units - 1)") : []),
    ...(layer.kernel ? [`${kernelName(layer.kernel)}(out, ${fBuf(layer.index)}, units, m);`] : []),
  ];
  return fn(`_forward${layer.index}`, [["params", "Float64Array"], ["m", "number"]], "void", statements,
    `Layer ${layer.index} forward over the tile's m samples: z = W*a + b, a = activation(z).`);
}

// ---------------------------------------------------------------------------------------------
// Weight and bias gradients: ∂W += D·Aᵀ, 2 units × layer.block inputs
// ---------------------------------------------------------------------------------------------

/**
 * The gradients of `units` units × `inputs` inputs (from `inputIndex`), summed over the tile's samples
 * in locals; with `bias`, the same pass also sums the deltas themselves (the bias gradient: its input
 * is 1), so the deltas are not read in a pass of their own.
 */
function gradientBlock(units: number, inputs: number, inputIndex: string, bias: boolean): string[] {
  const acc = (u: number, k: number) => `g${u}${k}`;
  const biasAcc = (u: number) => `gb${u}`;
  const lines: string[] = [];
  const accumulators = range(units).flatMap((u) => [...range(inputs).map((k) => acc(u, k)), ...(bias ? [biasAcc(u)] : [])]);
  lines.push(`let ${accumulators.map((a) => `${a} = 0`).join(", ")};`);
  for (const k of range(inputs)) lines.push(`const x${k}o = (${inputIndex}${k > 0 ? ` + ${k}` : ""}) * ${TILE};`);
  lines.push("for (let s = 0; s < m; s++) {");
  for (const u of range(units)) lines.push(`const e${u} = d[e${u}o + s]!;`);
  for (const k of range(inputs)) lines.push(`const x${k} = a[x${k}o + s]!;`);
  for (const u of range(units)) {
    for (const k of range(inputs)) lines.push(`${acc(u, k)} += e${u} * x${k};`);
    if (bias) lines.push(`${biasAcc(u)} += e${u};`);
  }
  lines.push("}");
  for (const u of range(units)) {
    for (const k of range(inputs)) lines.push(`grad[w${u} + ${inputIndex}${k > 0 ? ` + ${k}` : ""}]! += ${acc(u, k)};`);
    if (bias) lines.push(`grad[w${u} + fanIn]! += ${biasAcc(u)};`);
  }
  return lines;
}

/**
 * The units [unitOffset, unitOffset + units): inputs in blocks of layer.block over the samples; the
 * last block (1 to layer.block inputs) also sums the bias gradient.
 */
function gradientUnits(layer: LayerInfo, units: number, header: string, unitOffset: string): string[] {
  const F = layer.fanIn;
  const B = layer.block;
  const lastCount = F % B || B; // inputs in the last block, which starts at fanIn - lastCount
  const lines = [
    header,
    `const w0 = offset + ${unitOffset} * stride;`,
    ...(units > 1 ? ["const w1 = w0 + stride;"] : []),
    `const e0o = ${unitOffset} * ${TILE};`,
    ...(units > 1 ? [`const e1o = e0o + ${TILE};`] : []),
  ];
  if (F > lastCount) lines.push(`for (let i = 0; i < fanIn - ${lastCount}; i += ${B}) {`, ...gradientBlock(units, B, "i", false), "}");
  lines.push("{", `const i = fanIn - ${lastCount};`, ...gradientBlock(units, lastCount, "i", true), "}");
  lines.push("}");
  return lines;
}

function gradientFunction(layer: LayerInfo): EmittedFunction {
  const U = layer.units;
  const statements = [
    ...shapeLocals(layer.index),
    `const d = ${dBuf(layer.index)};`,
    `const a = ${aBuf(layer.index - 1)};`,
    ...(U > 1 ? gradientUnits(layer, 2, "for (let j = 0; j < units - 1; j += 2) {", "j") : []),
    ...(U % 2 ? gradientUnits(layer, 1, "{", "(units - 1)") : []),
  ];
  return fn(`_gradient${layer.index}`, [["grad", "Float64Array"], ["m", "number"]], "void", statements,
    `Layer ${layer.index}: adds the tile's weight and bias gradients (sums over its m samples) into grad.`);
}

// ---------------------------------------------------------------------------------------------
// Input delta: ∂loss/∂z of the layer below = f'(z_below) ⊙ Wᵀ·D, 2 inputs × layer.block samples
// ---------------------------------------------------------------------------------------------

function deltaBlock(below: LayerInfo, inputs: number, samples: number): string[] {
  const acc = (u: number, k: number) => `h${u}${k}`;
  const lines: string[] = [];
  lines.push(`let ${range(inputs).flatMap((u) => range(samples).map((k) => `${acc(u, k)} = 0`)).join(", ")};`);
  lines.push(`for (let j = 0, w = offset + i, e = s; j < units; j++, w += stride, e += ${TILE}) {`);
  for (const u of range(inputs)) lines.push(`const p${u} = params[w${u > 0 ? ` + ${u}` : ""}]!;`);
  for (const k of range(samples)) lines.push(`const e${k} = d[e${k > 0 ? ` + ${k}` : ""}]!;`);
  for (const u of range(inputs)) for (const k of range(samples)) lines.push(`${acc(u, k)} += p${u} * e${k};`);
  lines.push("}");
  for (const u of range(inputs)) {
    for (const k of range(samples)) {
      const at = `o${u} + s${k > 0 ? ` + ${k}` : ""}`;
      const value = below.kernel ? `f[${at}]! * ${acc(u, k)}` : acc(u, k);
      lines.push(`db[${at}] = ${value};`);
    }
  }
  return lines;
}

function deltaInputs(layer: LayerInfo, below: LayerInfo, inputs: number, header: string): string[] {
  return [
    header,
    `const o0 = i * ${TILE};`,
    ...(inputs > 1 ? [`const o1 = o0 + ${TILE};`] : []),
    "let s = 0;",
    `for (; s < mb; s += ${layer.block}) {`,
    ...deltaBlock(below, inputs, layer.block),
    "}",
    "for (; s < m; s++) {",
    ...deltaBlock(below, inputs, 1),
    "}",
    "}",
  ];
}

function deltaFunction(layer: LayerInfo, below: LayerInfo): EmittedFunction {
  const F = layer.fanIn;
  const statements = [
    ...shapeLocals(layer.index),
    `const d = ${dBuf(layer.index)};`,
    `const db = ${dBuf(below.index)};`,
    ...(below.kernel ? [`const f = ${fBuf(below.index)};`] : []),
    `const mb = m - (m % ${layer.block});`,
    ...(F > 1 ? deltaInputs(layer, below, 2, "for (let i = 0; i < fanIn - 1; i += 2) {") : []),
    ...(F % 2 ? deltaInputs(layer, below, 1, "{\nconst i = fanIn - 1;") : []),
  ];
  return fn(`_delta${layer.index}`, [["params", "Float64Array"], ["m", "number"]], "void", statements,
    `Layer ${layer.index}: dloss/dz of layer ${below.index} from layer ${layer.index}'s deltas (W^T*D, times the activation's derivative).`);
}

// ---------------------------------------------------------------------------------------------
// Inputs and the head
// ---------------------------------------------------------------------------------------------

/**
 * The tile's rows of X into `buffer`, unit-major (unit i's samples at i·TILE): the inputs themselves,
 * or, when the first layer reads features, the feature program per sample (renamed to the inputs'
 * locals), whose outputs are the first layer's inputs. Shared by the gradient's and H·v's loaders.
 */
export function inputTileLoader(name: string, buffer: string, layout: Layout, features: Program | undefined, docs: string): EmittedFunction {
  const D = layout.inputs.length;
  const column = (i: number) => `X[row${i > 0 ? ` + ${i}` : ""}]!`;
  let body: string[];
  if (!features) {
    body = range(D).map((i) => `a[${i * TILE} + s] = ${column(i)};`);
  } else {
    const used = symbolsRead(features);
    body = [
      ...layout.inputs.flatMap((x, i) => (used.has(x) ? [`const ${x} = ${column(i)};`] : [])),
      ...assignmentLines(features, features.assignments.map((_, i) => i), useCounts(features)),
      ...features.outputs.map((o, i) => `a[${i * TILE} + s] = ${operandCode(o, temp)};`),
    ];
  }
  return fn(name, [["X", "Float64Array"], ["s0", "number"], ["m", "number"]], "void", [
    `const a = ${buffer};`,
    "for (let s = 0; s < m; s++) {",
    `const row = (s0 + s) * ${D};`,
    ...body,
    "}",
  ], docs);
}

type HeadKind = "loss" | "lossAndGradient" | "predict";

/**
 * The head over the tile's samples: the last layer's outputs and the targets read into locals named
 * after the head's symbols, the head program straight-line, its outputs accumulated (loss), stored as
 * the last layer's deltas (a function with means, i.e. lossAndGradient: ∂loss/∂h times the last layer's
 * activation derivative), or written to out row by row (predict). What to do is read off BATCH_KINDS.
 */
function headFunction(model: LoopModel, last: LayerInfo, layout: Layout, names: LocalNames, kind: HeadKind): EmittedFunction {
  const { returnsLoss, writes } = BATCH_KINDS[kind];
  const storesDeltas = writes?.holds === "means";
  const program = names.program({ loss: model.headLoss, lossAndGradient: model.headLossAndGradient, predict: model.headPredict }[kind]);
  const T = layout.targets.length;
  const K = layout.outputs;
  const used = symbolsRead(program);
  const reads = [
    ...names.headInputs.flatMap((h, j) => (used.has(h) ? [`const ${h} = _h[${j ? `${j * TILE} + ` : ""}_s]!;`] : [])),
    ...layout.targets.flatMap((y, k) => (used.has(y) ? [`const ${y} = Y[(_s0 + _s) * ${T}${k > 0 ? ` + ${k}` : ""}]!;`] : [])),
  ];
  const value = (k: number) => operandCode(program.outputs[k], temp);
  const sinks =
    writes?.holds === "rows"
      ? range(K).map((k) => `${writes.array}[(_s0 + _s) * ${K}${k > 0 ? ` + ${k}` : ""}] = ${value(k)};`)
      : [
          `_loss += ${value(0)};`,
          ...(storesDeltas
            ? model.plan.headInputs.map((_, j) => {
                const at = `${j ? `${j * TILE} + ` : ""}_s`;
                const g = value(j + 1);
                const d = last.kernel ? `_f[${at}]! * ${g}` : g;
                return `_d[${at}] = ${d};`;
              })
            : []),
        ];
  const statements = [
    `const _h = ${aBuf(last.index)};`,
    ...(storesDeltas ? [`const _d = ${dBuf(last.index)};`] : []),
    ...(storesDeltas && last.kernel ? [`const _f = ${fBuf(last.index)};`] : []),
    ...(returnsLoss ? ["let _loss = 0;"] : []),
    "for (let _s = 0; _s < _m; _s++) {",
    ...reads,
    ...assignmentLines(program, program.assignments.map((_, i) => i), useCounts(program)),
    ...sinks,
    "}",
    ...(returnsLoss ? ["return _loss;"] : []),
  ];
  const name = `_head${kind[0].toUpperCase()}${kind.slice(1)}`;
  const arrays: [string, string][] = writes?.holds === "rows" ? [[writes.array, "Float64Array"]] : [["Y", "Float64Array"]];
  const docs = {
    loss: "The head over the tile: the sum of its samples' losses.",
    lossAndGradient: `The head over the tile: the sum of its samples' losses; stores dloss/dz of layer ${last.index}.`,
    predict: "The head over the tile: writes its samples' outputs.",
  }[kind];
  return fn(name, [...arrays, ["_s0", "number"], ["_m", "number"]], returnsLoss ? "number" : "void", statements, docs);
}

// ---------------------------------------------------------------------------------------------
// The batch functions
// ---------------------------------------------------------------------------------------------

/** `wasmDispatch`: lossAndGradient's first statement after its checks, running its WebAssembly form (wasm/wrapper.ts). */
function batchFunctions(layers: readonly LayerInfo[], layout: Layout, wasmDispatch?: string): EmittedFunction[] {
  const forward = ["_loadInputs(X, _s0, _m);", ...layers.map((l) => `_forward${l.index}(params, _m);`)];
  const tiles = (body: string[]) => [
    `for (let _s0 = 0; _s0 < _n; _s0 += ${TILE}) {`,
    `const _m = Math.min(${TILE}, _n - _s0);`,
    ...body,
    "}",
  ];
  const backward = [...layers].reverse().flatMap((l) => [
    `_gradient${l.index}(grad, _m);`,
    ...(l.index > 1 ? [`_delta${l.index}(params, _m);`] : []),
  ]);
  // The skeleton (batch.ts) adds the checks, the zeroed gradient, the loss sum and the means.
  const tiled = (name: BatchName, body: string[], finish: string[] = []) => {
    const setup = name === "lossAndGradient" && wasmDispatch ? [wasmDispatch] : [];
    return batchSkeleton(BATCH_KINDS[name], layout, { setup, sums: "in place", loop: tiles(body), finish });
  };
  return [
    tiled("loss", [...forward, "_loss += _headLoss(Y, _s0, _m);"]),
    tiled("lossAndGradient", [...forward, "_loss += _headLossAndGradient(Y, _s0, _m);", ...backward], [
      `for (let _k = 0; _k < ${PARAM_COUNT}; _k++) grad[_k]! /= _n;`,
    ]),
    tiled("predict", [...forward, "_headPredict(out, _s0, _m);"]),
  ];
}

/** How the module spells symbols in generated code (module.ts: user names that collide get renamed). */
export interface LocalNames {
  /** A head program with its symbols renamed to their locals. */
  readonly program: (p: Program) => Program;
  /** The locals of plan.headInputs. */
  readonly headInputs: readonly string[];
}

/** Everything a loop-strategy module defines besides its description, packing and checks. */
/** `wasm`: lossAndGradient's WebAssembly form, when the module carries one (wasm/backend.ts). */
export function emitLoopModel(model: LoopModel, layout: Layout, names: LocalNames, wasm?: DenseWasm): EmittedBatch {
  const layers = layerInfos(model);
  const wrapper = wasm && wasmWrapper(wasm, TILE);
  const last = layers[layers.length - 1];
  const buffer = (name: string, units: number) => ({ name, initializer: `new Float64Array(${units * TILE})` });
  const constants = [
    ...layers.map(shapeConstantDeclaration),
    buffer(aBuf(0), layers[0].fanIn),
    ...layers.flatMap((l) => [
      buffer(aBuf(l.index), l.units),
      ...(l.kernel ? [buffer(fBuf(l.index), l.units)] : []),
      buffer(dBuf(l.index), l.units),
    ]),
  ];
  const functions = [
    ...batchFunctions(layers, layout, wrapper?.dispatch),
    inputTileLoader("_loadInputs", aBuf(0), layout, model.features && names.program(model.features), model.features
      ? "The tile's features (the first layer's inputs, computed from the rows of X), stored unit-major (feature i's samples at i*TILE)."
      : "The tile's rows of X, stored unit-major (input i's samples at i*TILE)."),
    ...layers.map(forwardFunction),
    headFunction(model, last, layout, names, "loss"),
    headFunction(model, last, layout, names, "lossAndGradient"),
    headFunction(model, last, layout, names, "predict"),
    ...[...layers].reverse().flatMap((l) => [gradientFunction(l), ...(l.index > 1 ? [deltaFunction(l, layers[l.index - 2])] : [])]),
    ...[...model.kernels.values()].map(kernelFunction),
    ...(wrapper?.functions ?? []),
  ];
  return { functions, constants: [...constants, ...(wrapper?.constants ?? [])], types: wrapper?.types ?? [] };
}
