/**
 * hessianVectorProduct of a loop-strategy module as blocked loops (compile.ts, LoopHessianVectorProduct):
 * Pearlmutter's R-operator run through the dense layers alongside the forward and backward passes, so
 * H·v costs a small multiple of the gradient and its code stays a few KB whatever the layers' width.
 *
 * Per tile of TILE samples (the layout of loops.ts: unit j's samples contiguous at j·TILE), per layer l:
 *   _hvA{l}  z, then a = f(z)                    (_hvA0: the inputs)
 *   _hvR{l}  Rz, then Ra = f'(z)·Rz
 *   _hvD{l}  f'(z) after the forward pass, then δ = f'(z)·g       (in place: each entry is read once)
 *   _hvE{l}  f''(z)·Rz after the forward pass, then Rδ = f''(z)·Rz·g + f'(z)·Rg
 * for a linear layer a = z, Ra = Rz, δ = g, Rδ = Rg. The buffers are H·v's own (the first-order
 * functions' _a/_z/_d are never touched), module-level, allocated once when the module loads.
 *
 * Blocking: the forward pass does 2 units × 2 samples per inner iteration (each with z and Rz: 8
 * accumulators), the R-gradient 2 units × 2 inputs over the samples, the delta 2 inputs × 2 samples
 * over the units (g and Rg); one-unit/one-sample/one-input tails.
 */
import type { ActivationKernel, LoopHessianVectorProduct } from "../compile.ts";
import type { Program } from "../symbolic/schedule.ts";
import { assignmentLines, boundaryCheck, operandCode, PARAM_COUNT, signature, symbolsRead, temp, useCounts, type EmittedBatch, type EmittedFunction, type Layout } from "./batch.ts";
import { fn, inputTileLoader, range, shapeConstantDeclaration, shapeLocals, TILE } from "./loops.ts";

/** emit/ reads activations through the compiled model, not from nn/ (test/boundaries.test.ts). */
type Activation = ActivationKernel["activation"];

interface HvpLayer {
  readonly index: number; // 1-based
  readonly units: number;
  readonly fanIn: number;
  /** Index of the layer's first parameter (its weights are rows of fanIn + 1: weights, then bias). */
  readonly offset: number;
  readonly activation: Activation | undefined;
}

const A = (l: number) => `_hvA${l}`;
const R = (l: number) => `_hvR${l}`;
const D = (l: number) => `_hvD${l}`;
const E = (l: number) => `_hvE${l}`;
const kernelName = (activation: Activation) => `_hv${activation[0].toUpperCase()}${activation.slice(1)}`;
const plus = (base: string, k: number) => (k > 0 ? `${base} + ${k}` : base);

/**
 * `body(count)` for blocks of 2 over [0, total) then a tail of 1, as a loop over `index`. `total` is
 * the shape's local that holds the count (loops.ts, shapeLocals) and `count` its value.
 */
function pairsThenTail(index: string, total: "units" | "fanIn", count: number, body: (count: number) => string[]): string[] {
  return [
    ...(count > 1 ? [`for (let ${index} = 0; ${index} < ${total} - 1; ${index} += 2) {`, ...body(2), "}"] : []),
    ...(count % 2 ? ["{", `const ${index} = ${total} - 1;`, ...body(1), "}"] : []),
  ];
}

/** The tile's samples in blocks of 2 (up to m2), then one at a time. */
function samplePairs(block: (samples: number) => string[]): string[] {
  return ["let s = 0;", "for (; s < m2; s += 2) {", ...block(2), "}", "for (; s < m; s++) {", ...block(1), "}"];
}

// ---------------------------------------------------------------------------------------------
// Forward: z = W·a + b and Rz = W·Ra + V·a + v_b, then the activation kernel
// ---------------------------------------------------------------------------------------------

function forwardBlock(layer: HvpLayer, units: number, samples: number): string[] {
  const withRa = layer.index > 1; // the inputs do not depend on the parameters: R{a0} = 0
  const z = (u: number, k: number) => `z${u}${k}`;
  const rz = (u: number, k: number) => `r${u}${k}`;
  const lines: string[] = [];
  for (const u of range(units)) {
    lines.push(`let ${range(samples).map((k) => `${z(u, k)} = params[w${u} + fanIn]!, ${rz(u, k)} = v[w${u} + fanIn]!`).join(", ")};`);
  }
  lines.push(`for (let i = 0, x = s; i < fanIn; i++, x += ${TILE}) {`);
  for (const u of range(units)) lines.push(`const p${u} = params[w${u} + i]!, q${u} = v[w${u} + i]!;`);
  for (const k of range(samples)) lines.push(`const x${k} = a[${plus("x", k)}]!;`, ...(withRa ? [`const y${k} = ra[${plus("x", k)}]!;`] : []));
  for (const u of range(units)) {
    for (const k of range(samples)) {
      lines.push(`${z(u, k)} += p${u} * x${k};`, `${rz(u, k)} += ${withRa ? `p${u} * y${k} + ` : ""}q${u} * x${k};`);
    }
  }
  lines.push("}");
  for (const u of range(units)) {
    for (const k of range(samples)) lines.push(`za[${plus(`o${u} + s`, k)}] = ${z(u, k)};`, `rza[${plus(`o${u} + s`, k)}] = ${rz(u, k)};`);
  }
  return lines;
}

function forwardFunction(layer: HvpLayer): EmittedFunction {
  const units = (count: number) => [
    "const w0 = offset + j * stride;",
    ...(count > 1 ? ["const w1 = w0 + stride;"] : []),
    `const o0 = j * ${TILE};`,
    ...(count > 1 ? [`const o1 = o0 + ${TILE};`] : []),
    ...samplePairs((samples) => forwardBlock(layer, count, samples)),
  ];
  const l = layer.index;
  const statements = [
    ...shapeLocals(l),
    `const a = ${A(l - 1)};`,
    ...(l > 1 ? [`const ra = ${R(l - 1)};`] : []),
    `const za = ${A(l)};`,
    `const rza = ${R(l)};`,
    "const m2 = m - (m % 2);",
    ...pairsThenTail("j", "units", layer.units, units),
    ...(layer.activation ? [`${kernelName(layer.activation)}(za, rza, ${D(l)}, ${E(l)}, units, m);`] : []),
  ];
  return fn(`_hvForward${l}`, [["params", "Float64Array"], ["v", "Float64Array"], ["m", "number"]], "void", statements,
    `Layer ${l} forward over the tile: z = W*a + b and its R-counterpart Rz = W*Ra + V*a + v_b${layer.activation ? `, then ${layer.activation} on both` : ""}.`);
}

/**
 * The activation's kernel over a layer's buffers: from z and Rz, stores a = f(z), Ra = f'(z)·Rz and
 * keeps f'(z) and f''(z)·Rz for the backward pass.
 */
function activationFunction(activation: Activation, program: Program): EmittedFunction {
  const uses = useCounts(program);
  const value = (k: number) => operandCode(program.outputs[k], temp);
  const statements = [
    "for (let _j = 0; _j < _u; _j++) {",
    `for (let _at = _j * ${TILE}, _end = _at + _m; _at < _end; _at++) {`,
    "const z = _a[_at]!;",
    "const rz = _r[_at]!;",
    ...assignmentLines(program, program.assignments.map((_, i) => i), uses),
    `const _f1 = ${value(1)};`,
    `_a[_at] = ${value(0)};`,
    "_r[_at] = _f1 * rz;",
    "_d[_at] = _f1;",
    `_e[_at] = ${value(2)};`,
    "}",
    "}",
  ];
  const buffers: [string, string][] = ["_a", "_r", "_d", "_e"].map((n) => [n, "Float64Array"]);
  return fn(kernelName(activation), [...buffers, ["_u", "number"], ["_m", "number"]], "void", statements,
    `${activation} over _u units x _m samples: z -> a = f(z) in _a, Rz -> f'(z)*Rz in _r; f'(z) to _d and f''(z)*Rz to _e.`);
}

// ---------------------------------------------------------------------------------------------
// The head: loss, g = ∂loss/∂h and Rg = (∂²loss/∂h²)·Rh per sample; the last layer's δ and Rδ
// ---------------------------------------------------------------------------------------------

/** How the module spells the head's symbols (module.ts renames user names that collide). */
export interface HvpLocalNames {
  readonly program: (p: Program) => Program;
  readonly headInputs: readonly string[];
  readonly headTangents: readonly string[];
}

/**
 * δ and Rδ of a layer's entry `at` from g and Rg: times f'(z) (which `d` holds until then, read into
 * the local `f`) and f''(z)·Rz (which `e` holds); a linear layer's are g and Rg themselves.
 */
function storeDeltas(activated: boolean, d: string, e: string, at: string, g: string, rg: string, f: string): string[] {
  if (!activated) return [`${d}[${at}] = ${g};`, `${e}[${at}] = ${rg};`];
  return [`const ${f} = ${d}[${at}]!;`, `${d}[${at}] = ${f} * ${g};`, `${e}[${at}] = ${e}[${at}]! * ${g} + ${f} * ${rg};`];
}

function headFunction(hvp: LoopHessianVectorProduct, last: HvpLayer, layout: Layout, names: HvpLocalNames): EmittedFunction {
  const program = names.program(hvp.head);
  const K = names.headInputs.length;
  const T = layout.targets.length;
  const used = symbolsRead(program);
  const at = (k: number) => (k > 0 ? `${k * TILE} + _s` : "_s");
  const reads = [
    ...names.headInputs.flatMap((h, k) => (used.has(h) ? [`const ${h} = _h[${at(k)}]!;`] : [])),
    ...names.headTangents.flatMap((t, k) => (used.has(t) ? [`const ${t} = _rh[${at(k)}]!;`] : [])),
    ...layout.targets.flatMap((y, k) => (used.has(y) ? [`const ${y} = Y[${plus(`(_s0 + _s) * ${T}`, k)}]!;`] : [])),
  ];
  const value = (k: number) => operandCode(program.outputs[k], temp);
  const deltas = range(K).flatMap((k) => {
    const lines = storeDeltas(last.activation !== undefined, "_d", "_e", "_at", value(1 + k), value(1 + K + k), "_f");
    return ["{", `const _at = ${at(k)};`, ...lines, "}"];
  });
  const statements = [
    `const _h = ${A(last.index)};`,
    `const _rh = ${R(last.index)};`,
    `const _d = ${D(last.index)};`,
    `const _e = ${E(last.index)};`,
    "let _loss = 0;",
    "for (let _s = 0; _s < _m; _s++) {",
    ...reads,
    ...assignmentLines(program, program.assignments.map((_, i) => i), useCounts(program)),
    `_loss += ${value(0)};`,
    ...deltas,
    "}",
    "return _loss;",
  ];
  return fn("_hvHead", [["Y", "Float64Array"], ["_s0", "number"], ["_m", "number"]], "number", statements,
    `The head over the tile: the sum of its samples' losses; stores delta and R{delta} of layer ${last.index}.`);
}

// ---------------------------------------------------------------------------------------------
// R-gradient of the weights and biases: Rδ·aᵀ + δ·Raᵀ, 2 units × 2 inputs over the samples
// ---------------------------------------------------------------------------------------------

function gradientBlock(layer: HvpLayer, units: number, inputs: number): string[] {
  const withRa = layer.index > 1;
  const acc = (u: number, k: number) => `g${u}${k}`;
  const lines = [`let ${range(units).flatMap((u) => range(inputs).map((k) => `${acc(u, k)} = 0`)).join(", ")};`];
  for (const k of range(inputs)) lines.push(`const x${k}o = (${plus("i", k)}) * ${TILE};`);
  lines.push("for (let s = 0; s < m; s++) {");
  // Layer 1's inputs have no tangent (Ra = 0), so its δ is not read.
  for (const u of range(units)) lines.push(withRa ? `const d${u} = d[e${u}o + s]!, e${u} = e[e${u}o + s]!;` : `const e${u} = e[e${u}o + s]!;`);
  for (const k of range(inputs)) lines.push(`const x${k} = a[x${k}o + s]!;`, ...(withRa ? [`const y${k} = ra[x${k}o + s]!;`] : []));
  for (const u of range(units)) for (const k of range(inputs)) lines.push(`${acc(u, k)} += e${u} * x${k}${withRa ? ` + d${u} * y${k}` : ""};`);
  lines.push("}");
  for (const u of range(units)) for (const k of range(inputs)) lines.push(`out[${plus(`w${u} + i`, k)}]! += ${acc(u, k)};`);
  return lines;
}

function gradientFunction(layer: HvpLayer): EmittedFunction {
  const units = (count: number) => [
    "const w0 = offset + j * stride;",
    ...(count > 1 ? ["const w1 = w0 + stride;"] : []),
    `const e0o = j * ${TILE};`,
    ...(count > 1 ? [`const e1o = e0o + ${TILE};`] : []),
    ...pairsThenTail("i", "fanIn", layer.fanIn, (inputs) => gradientBlock(layer, count, inputs)),
    // The bias's entry is the sum of Rδ.
    `let ${range(count).map((u) => `b${u} = 0`).join(", ")};`,
    "for (let s = 0; s < m; s++) {",
    ...range(count).map((u) => `b${u} += e[e${u}o + s]!;`),
    "}",
    ...range(count).map((u) => `out[w${u} + fanIn]! += b${u};`),
  ];
  const l = layer.index;
  const statements = [
    ...shapeLocals(l),
    ...(l > 1 ? [`const d = ${D(l)};`] : []), // δ·Raᵀ: the inputs of layer 1 have no tangent
    `const e = ${E(l)};`,
    `const a = ${A(l - 1)};`,
    ...(l > 1 ? [`const ra = ${R(l - 1)};`] : []),
    ...pairsThenTail("j", "units", layer.units, units),
  ];
  return fn(`_hvGradient${l}`, [["out", "Float64Array"], ["m", "number"]], "void", statements,
    `Layer ${l}: adds the tile's R{dloss/dW} = R{delta}*a^T${l > 1 ? " + delta*Ra^T" : ""} and R{dloss/db} = sum of R{delta} into out.`);
}

// ---------------------------------------------------------------------------------------------
// Delta: g = Wᵀ·δ and Rg = Wᵀ·Rδ + Vᵀ·δ, then δ and Rδ of the layer below; 2 inputs × 2 samples
// ---------------------------------------------------------------------------------------------

function deltaBlock(below: HvpLayer, inputs: number, samples: number): string[] {
  const g = (u: number, k: number) => `g${u}${k}`;
  const rg = (u: number, k: number) => `r${u}${k}`;
  const lines = [`let ${range(inputs).flatMap((u) => range(samples).map((k) => `${g(u, k)} = 0, ${rg(u, k)} = 0`)).join(", ")};`];
  lines.push(`for (let j = 0, w = offset + i, x = s; j < units; j++, w += stride, x += ${TILE}) {`);
  for (const u of range(inputs)) lines.push(`const p${u} = params[${plus("w", u)}]!, q${u} = v[${plus("w", u)}]!;`);
  for (const k of range(samples)) lines.push(`const d${k} = d[${plus("x", k)}]!, e${k} = e[${plus("x", k)}]!;`);
  for (const u of range(inputs)) {
    for (const k of range(samples)) lines.push(`${g(u, k)} += p${u} * d${k};`, `${rg(u, k)} += p${u} * e${k} + q${u} * d${k};`);
  }
  lines.push("}");
  for (const u of range(inputs)) {
    for (const k of range(samples)) {
      lines.push("{", `const at = ${plus(`o${u} + s`, k)};`, ...storeDeltas(below.activation !== undefined, "db", "eb", "at", g(u, k), rg(u, k), "f"), "}");
    }
  }
  return lines;
}

function deltaFunction(layer: HvpLayer, below: HvpLayer): EmittedFunction {
  const inputs = (count: number) => [
    `const o0 = i * ${TILE};`,
    ...(count > 1 ? [`const o1 = o0 + ${TILE};`] : []),
    ...samplePairs((samples) => deltaBlock(below, count, samples)),
  ];
  const l = layer.index;
  const statements = [
    ...shapeLocals(l),
    `const d = ${D(l)};`,
    `const e = ${E(l)};`,
    `const db = ${D(below.index)};`,
    `const eb = ${E(below.index)};`,
    "const m2 = m - (m % 2);",
    ...pairsThenTail("i", "fanIn", layer.fanIn, inputs),
  ];
  return fn(`_hvDelta${l}`, [["params", "Float64Array"], ["v", "Float64Array"], ["m", "number"]], "void", statements,
    `Layer ${l}: delta and R{delta} of layer ${below.index} from g = W^T*delta and Rg = W^T*R{delta} + V^T*delta.`);
}

// ---------------------------------------------------------------------------------------------
// The exported function
// ---------------------------------------------------------------------------------------------

function exportedFunction(layers: readonly HvpLayer[], layout: Layout): EmittedFunction {
  const backward = [...layers].reverse().flatMap((l) => [`_hvGradient${l.index}(out, _m);`, ...(l.index > 1 ? [`_hvDelta${l.index}(params, v, _m);`] : [])]);
  return {
    ...signature("hessianVectorProduct"),
    statements: [
      ...boundaryCheck("hessianVectorProduct", layout),
      "out.fill(0);",
      "let _loss = 0;",
      `for (let _s0 = 0; _s0 < _n; _s0 += ${TILE}) {`,
      `const _m = Math.min(${TILE}, _n - _s0);`,
      "_hvLoadInputs(X, _s0, _m);",
      ...layers.map((l) => `_hvForward${l.index}(params, v, _m);`),
      "_loss += _hvHead(Y, _s0, _m);",
      ...backward,
      "}",
      `for (let _k = 0; _k < ${PARAM_COUNT}; _k++) out[_k]! /= _n;`,
      "return _loss / _n;",
    ],
  };
}

/** hessianVectorProduct and its helpers, for a model with the loop form of H·v. */
export function emitLoopHessianVectorProduct(hvp: LoopHessianVectorProduct, layout: Layout, names: HvpLocalNames): EmittedBatch {
  const layers: HvpLayer[] = hvp.plan.layers.map((layer, k) => ({
    index: k + 1,
    units: layer.z.length,
    fanIn: layer.inputs.length,
    offset: hvp.plan.offsets[k],
    activation: layer.activation === "linear" ? undefined : layer.activation,
  }));
  const buffer = (name: string, units: number) => ({ name, initializer: `new Float64Array(${units * TILE})` });
  const constants = [
    ...layers.map(shapeConstantDeclaration),
    buffer(A(0), layers[0].fanIn),
    ...layers.flatMap((l) => [A, R, D, E].map((b) => buffer(b(l.index), l.units))),
  ];
  const functions = [
    exportedFunction(layers, layout),
    inputTileLoader("_hvLoadInputs", A(0), layout, hvp.features && names.program(hvp.features),
      hvp.features
        ? "The tile's features (the first layer's inputs, from the rows of X), stored unit-major (feature i's samples at i*TILE), for H*v."
        : "The tile's rows of X, stored unit-major (input i's samples at i*TILE), for H*v."),
    ...layers.map(forwardFunction),
    headFunction(hvp, layers[layers.length - 1], layout, names),
    ...[...layers].reverse().flatMap((l) => [gradientFunction(l), ...(l.index > 1 ? [deltaFunction(l, layers[l.index - 2])] : [])]),
    ...[...hvp.kernels].map(([activation, program]) => activationFunction(activation, program)),
  ];
  return { functions, constants };
}
