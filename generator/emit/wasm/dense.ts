/**
 * Dense layers in WebAssembly: the memory layout of an MLP's tile and the blocked kernels over it
 * (forward z = W·a + b, weight gradient D·Aᵀ, input delta Wᵀ·D), with the same sums in the same order
 * as the generated JavaScript loops (generator/emit/loops.ts), so the results are bitwise equal:
 * - the batch in tiles of TILE samples (loops.ts's), activations stored unit-major;
 * - z = b + Σᵢ wᵢ·aᵢ summed from the bias in input order; the weight gradient Σₛ dₛ·aₛ and the delta
 *   Σⱼ wⱼ·dⱼ summed from 0 in sample and unit order; per-tile sums added into grad, then divided by n.
 * Register blocks (2 units × 3 samples and so on) only choose which independent sums run together, so
 * they are free to differ from the JavaScript's without changing a bit.
 *
 * The kernels take the layer's sizes and buffers as arguments (one function per kind of kernel, whatever
 * the layer count): a module stays ~6 KB and V8 compiles it in ~1 ms (see test/bench/wasm/README.md for
 * the measurements behind each choice). With f64x2 lanes (the prototype's `simd`), the forward and delta
 * kernels run two samples per lane pair, each lane keeping its own sum in the same order.
 */
import { TILE } from "../loops.ts";
import {
  add32, EXP_TABLES_END, f64, get, i32, i32Params, indent, load, range, repeat, set, store, typed, whileLoop,
  type Func, type ValueType,
} from "./text.ts";

export { TILE };

/**
 * Samples per pass through the layers (a sub-tile; a divisor of TILE). The weight-gradient sums of a
 * tile carry over from one sub-tile to the next in memory, in the same sample order, so any sub-tile
 * gives the same bits; a smaller one touches less memory. Fresh linear memory costs a page fault per
 * 4 KB on its first touch: with 256-sample buffers (0.9 MB) that was ~3 ms of a 7 ms first call.
 * 64 is the prototype's default (test/bench/wasm/); generated modules use backend.ts's SUB_TILE (16).
 */
export const DEFAULT_SUB_TILE = 64;

/** Where everything lives in linear memory (byte offsets), for the module and its JavaScript wrapper. */
export interface MlpLayout {
  /** Units per layer, inputs first: [inputs, h1, …, outputs]. */
  readonly layers: readonly number[];
  /** Samples per pass (sub-tile), and the bytes between consecutive units of a unit-major buffer. */
  readonly subTile: number;
  readonly row: number;
  readonly paramCount: number;
  readonly params: number;
  readonly grad: number;
  /** The current tile's gradient sums (one per parameter), carried from sub-tile to sub-tile. */
  readonly tileGrad: number;
  /** Per layer l = 0 … L: activations (layer 0: the tile's inputs), then F (f'(z), hidden layers), D (∂loss/∂z). */
  readonly activations: readonly number[];
  readonly derivatives: readonly number[];
  readonly deltas: readonly number[];
  /** Per layer l = 1 … L at index l: where its weights start in params (bytes from params). */
  readonly weights: readonly number[];
  /** Where the data region starts: the prototype copies a whole batch here; dataRegion() lays out one tile. */
  readonly data: number;
}

/**
 * The layout of an MLP's buffers for sub-tiles of `subTile` samples. Layer l's weights are row-major
 * by unit, each row its fanIn weights then its bias (the generated modules' parameter order).
 */
export function mlpLayout(layers: readonly number[], subTile = DEFAULT_SUB_TILE): MlpLayout {
  if (!Number.isInteger(subTile) || subTile < 1 || TILE % subTile !== 0)
    throw new Error(`mlpLayout: subTile must divide ${TILE}, got ${subTile}`);
  const row = subTile * 8;
  if (layers.length < 3 || layers.some((w) => !Number.isInteger(w) || w < 1))
    throw new Error(`mlpLayout: layers must be [inputs, hidden…, outputs] with at least one hidden layer, got [${layers.join(", ")}]`);
  const last = layers.length - 1;
  const weights = [0];
  let paramCount = 0;
  for (let l = 1; l <= last; l++) {
    weights.push(paramCount * 8);
    paramCount += layers[l]! * (layers[l - 1]! + 1);
  }
  let at = EXP_TABLES_END;
  const take = (bytes: number) => {
    const start = at;
    at += bytes;
    return start;
  };
  const params = take(paramCount * 8);
  const grad = take(paramCount * 8);
  const tileGrad = take(paramCount * 8);
  // Layers below the output get a row of ones after their units: the weight-gradient kernel then
  // sums the bias gradient Σₛ dₛ·1 = Σₛ dₛ as one more input, bitwise the same.
  const activations = layers.map((units, l) => take((units + (l < last ? 1 : 0)) * row));
  const derivatives = layers.map((units, l) => (l > 0 && l < last ? take(units * row) : -1));
  const deltas = layers.map((units, l) => (l > 0 ? take(units * row) : -1));
  return { layers, subTile, row, paramCount, params, grad, tileGrad, activations, derivatives, deltas, weights, data: at };
}

/** One tile's data (byte offsets), which the wrapper fills and reads at every tile; then the memory's end. */
export interface DataRegion {
  /** The tile's rows of X (row-major, as the caller passes them). */
  readonly inputs: number;
  /** The tile's rows of Y. */
  readonly targets: number;
  /** Per sample, the argument of the loss's log1p and the rest of its loss (summed by the wrapper). */
  readonly terms: number;
  readonly rests: number;
  /** Bytes of memory the module needs: it never grows. */
  readonly end: number;
}

export function dataRegion(layout: MlpLayout, targets: number): DataRegion {
  const inputs = layout.data;
  const targetsAt = inputs + TILE * layout.layers[0]! * 8;
  const terms = targetsAt + TILE * targets * 8;
  const rests = terms + TILE * 8;
  return { inputs, targets: targetsAt, terms, rests, end: rests + TILE * 8 };
}

// ---------------------------------------------------------------------------------------------------
// Dense-layer kernels. Each takes byte pointers and sizes; `m` (1 … subTile) is the pass's sample count.

/** How many samples one pass of a block covers, scalar or in f64x2 lanes. */
export interface Lanes {
  readonly width: 1 | 2;
  /** Prefix of the block's local names (the scalar and the vector blocks of one kernel each have their own). */
  readonly prefix: "" | "v";
  readonly type: "f64" | "v128";
  readonly load: (address: string, offset: number) => string;
  readonly store: (address: string, value: string, offset: number) => string;
  readonly splat: (value: string) => string;
  readonly add: (a: string, b: string) => string;
  readonly mul: (a: string, b: string) => string;
}
export const SCALAR: Lanes = {
  width: 1,
  prefix: "",
  type: "f64",
  load,
  store,
  splat: (v) => v,
  add: (a, b) => `(f64.add ${a} ${b})`,
  mul: (a, b) => `(f64.mul ${a} ${b})`,
};
export const F64X2: Lanes = {
  width: 2,
  prefix: "v",
  type: "v128",
  load: (address, offset) => `(v128.load${offset ? ` offset=${offset}` : ""} ${address})`,
  store: (address, value, offset) => `(v128.store${offset ? ` offset=${offset}` : ""} ${address} ${value})`,
  splat: (v) => `(f64x2.splat ${v})`,
  add: (a, b) => `(f64x2.add ${a} ${b})`,
  mul: (a, b) => `(f64x2.mul ${a} ${b})`,
};

/** The locals of 2 × 3 blocks (accumulators z, weights p, inputs x): scalar ones, and vector ones if `lanes` is. */
function blockLocals(lanes: Lanes): (readonly [string, ValueType])[] {
  const names = (prefix: string) => [
    ...range(2).flatMap((u) => range(3).map((t) => `${prefix}z${u}_${t}`)),
    ...range(2).map((u) => `${prefix}p${u}`),
    ...range(3).map((t) => `${prefix}x${t}`),
  ];
  return [...typed("f64", names("")), ...(lanes.width === 2 ? typed("v128", names("v")) : [])];
}

/**
 * Forward z = W·a + b for `units` outputs from `fanIn` inputs, over the tile's m samples:
 * blocks of 2 units × 3 sample groups (then the leftover unit and samples), each z summed from the
 * bias in input order. W's row j: fanIn weights, then the bias.
 */
export function forwardKernel(lanes: Lanes, row: number): Func {
  const samplesPerBlock = 3 * lanes.width;
  /** units × groups accumulators for units j…, samples s…, then their stores. */
  const block = (units: number, groups: number, ln: Lanes) => {
    const z = (u: number, t: number) => `${ln.prefix}z${u}_${t}`;
    const p = (u: number) => `${ln.prefix}p${u}`;
    const x = (t: number) => `${ln.prefix}x${t}`;
    const lines: string[] = [];
    for (let u = 0; u < units; u++) {
      lines.push(set(`wp${u}`, u === 0 ? get("wRow") : add32(get("wRow"), get("rowBytes"))));
      const bias = ln.splat(load(add32(get(`wp${u}`), get("biasAt"))));
      for (let t = 0; t < groups; t++) lines.push(set(z(u, t), bias));
    }
    lines.push(set("xp", add32(get("a"), `(i32.shl ${get("s")} (i32.const 3))`)));
    const body: string[] = [];
    for (let u = 0; u < units; u++) body.push(set(p(u), ln.splat(load(get(`wp${u}`)))));
    for (let t = 0; t < groups; t++) body.push(set(x(t), ln.load(get("xp"), t * 8 * ln.width)));
    for (let u = 0; u < units; u++)
      for (let t = 0; t < groups; t++) body.push(set(z(u, t), ln.add(get(z(u, t)), ln.mul(get(p(u)), get(x(t))))));
    for (let u = 0; u < units; u++) body.push(set(`wp${u}`, add32(get(`wp${u}`), i32(8))));
    body.push(set("xp", add32(get("xp"), i32(row))));
    lines.push(repeat("inputs", "i", get("fanIn"), body.join("\n")));
    lines.push(set("op", add32(get("outRow"), `(i32.shl ${get("s")} (i32.const 3))`)));
    for (let u = 0; u < units; u++)
      for (let t = 0; t < groups; t++) lines.push(ln.store(get("op"), get(z(u, t)), u * row + t * 8 * ln.width));
    lines.push(set("s", add32(get("s"), i32(groups * ln.width))));
    return lines.join("\n");
  };
  const overSamples = (units: number) =>
    [
      set("s", i32(0)),
      whileLoop("block", `(i32.le_s (i32.add ${get("s")} ${i32(samplesPerBlock)}) ${get("m")})`, block(units, 3, lanes)),
      whileLoop("rest", `(i32.lt_s ${get("s")} ${get("m")})`, block(units, 1, SCALAR)),
    ].join("\n");
  const unitStep = (units: number) =>
    [
      set("wRow", add32(get("w"), `(i32.mul ${get("j")} ${get("rowBytes")})`)),
      set("outRow", add32(get("out"), `(i32.mul ${get("j")} ${i32(row)})`)),
      overSamples(units),
      set("j", add32(get("j"), i32(units))),
    ].join("\n");
  return {
    name: "forward",
    params: i32Params("a", "out", "w", "fanIn", "units", "m"),
    locals: [...typed("i32", ["j", "s", "i", "rowBytes", "biasAt", "wRow", "outRow", "wp0", "wp1", "xp", "op"]), ...blockLocals(lanes)],
    body: [
    set("rowBytes", `(i32.shl (i32.add ${get("fanIn")} (i32.const 1)) (i32.const 3))`),
    set("biasAt", `(i32.shl ${get("fanIn")} (i32.const 3))`),
    set("j", i32(0)),
    whileLoop("pairs", `(i32.le_s (i32.add ${get("j")} (i32.const 2)) ${get("units")})`, unitStep(2)),
    `(if (i32.lt_s ${get("j")} ${get("units")}) (then\n${indent(unitStep(1))}))`,
    ].join("\n"),
  };
}

/**
 * The delta of the layer below: out[i][s] = f[i][s] · Σⱼ W[j][i]·d[j][s] (summed from 0 in unit
 * order), for i < fanIn, in blocks of 2 inputs × 3 sample groups.
 */
export function deltaKernel(lanes: Lanes, row: number): Func {
  const samplesPerBlock = 3 * lanes.width;
  const block = (inputs: number, groups: number, ln: Lanes) => {
    const h = (u: number, t: number) => `${ln.prefix}z${u}_${t}`;
    const p = (u: number) => `${ln.prefix}p${u}`;
    const x = (t: number) => `${ln.prefix}x${t}`;
    const lines: string[] = [];
    for (let u = 0; u < inputs; u++) for (let t = 0; t < groups; t++) lines.push(set(h(u, t), ln.splat(f64(0))));
    lines.push(set("wp0", add32(get("w"), `(i32.shl ${get("i")} (i32.const 3))`)));
    lines.push(set("xp", add32(get("d"), `(i32.shl ${get("s")} (i32.const 3))`)));
    const body: string[] = [];
    for (let u = 0; u < inputs; u++) body.push(set(p(u), ln.splat(load(get("wp0"), u * 8))));
    for (let t = 0; t < groups; t++) body.push(set(x(t), ln.load(get("xp"), t * 8 * ln.width)));
    for (let u = 0; u < inputs; u++)
      for (let t = 0; t < groups; t++) body.push(set(h(u, t), ln.add(get(h(u, t)), ln.mul(get(p(u)), get(x(t))))));
    body.push(set("wp0", add32(get("wp0"), get("rowBytes"))));
    body.push(set("xp", add32(get("xp"), i32(row))));
    lines.push(repeat("units", "j", get("units"), body.join("\n")));
    const at = add32(`(i32.mul ${get("i")} ${i32(row)})`, `(i32.shl ${get("s")} (i32.const 3))`);
    lines.push(set("op", at));
    for (let u = 0; u < inputs; u++)
      for (let t = 0; t < groups; t++) {
        const offset = u * row + t * 8 * ln.width;
        const fAt = ln.load(add32(get("f"), get("op")), offset);
        lines.push(ln.store(add32(get("out"), get("op")), ln.mul(fAt, get(h(u, t))), offset));
      }
    lines.push(set("s", add32(get("s"), i32(groups * ln.width))));
    return lines.join("\n");
  };
  const overSamples = (inputs: number) =>
    [
      set("s", i32(0)),
      whileLoop("block", `(i32.le_s (i32.add ${get("s")} ${i32(samplesPerBlock)}) ${get("m")})`, block(inputs, 3, lanes)),
      whileLoop("rest", `(i32.lt_s ${get("s")} ${get("m")})`, block(inputs, 1, SCALAR)),
      set("i", add32(get("i"), i32(inputs))),
    ].join("\n");
  return {
    name: "delta",
    params: i32Params("d", "w", "f", "out", "fanIn", "units", "m"),
    locals: [...typed("i32", ["i", "j", "s", "rowBytes", "wp0", "xp", "op"]), ...blockLocals(lanes)],
    body: [
    set("rowBytes", `(i32.shl (i32.add ${get("fanIn")} (i32.const 1)) (i32.const 3))`),
    set("i", i32(0)),
    whileLoop("pairs", `(i32.le_s (i32.add ${get("i")} (i32.const 2)) ${get("fanIn")})`, overSamples(2)),
    `(if (i32.lt_s ${get("i")} ${get("fanIn")}) (then\n${indent(overSamples(1))}))`,
    ].join("\n"),
  };
}

/**
 * Continues the tile's weight and bias gradient sums (at g, in tileGrad) over this sub-tile: for
 * unit j and input i ≤ fanIn (i = fanIn: the row of ones, i.e. the bias), g[j][i] + Σₛ d[j][s]·a[i][s]
 * in sample order, in blocks of 2 units × 3 inputs. The sums start from 0 at each tile, as the
 * generated code's do. Scalar in both variants (lanes over samples would reorder the sum).
 */
export function gradientKernel(row: number): Func {
  const block = (units: number, inputs: number) => {
    const g = (u: number, k: number) => `g${u}_${k}`;
    const lines: string[] = [];
    for (let u = 0; u < units; u++) {
      const at = add32(get("g"), add32(`(i32.mul (i32.add ${get("j")} ${i32(u)}) ${get("rowBytes")})`, `(i32.shl ${get("i")} (i32.const 3))`));
      lines.push(set(`op${u}`, at));
      for (let k = 0; k < inputs; k++) lines.push(set(g(u, k), load(get(`op${u}`), k * 8)));
    }
    lines.push(set("dp", add32(get("d"), `(i32.mul ${get("j")} ${i32(row)})`)));
    lines.push(set("xp", add32(get("a"), `(i32.mul ${get("i")} ${i32(row)})`)));
    const body: string[] = [];
    for (let u = 0; u < units; u++) body.push(set(`e${u}`, load(get("dp"), u * row)));
    for (let k = 0; k < inputs; k++) body.push(set(`x${k}`, load(get("xp"), k * row)));
    for (let u = 0; u < units; u++)
      for (let k = 0; k < inputs; k++) body.push(set(g(u, k), `(f64.add ${get(g(u, k))} (f64.mul ${get(`e${u}`)} ${get(`x${k}`)}))`));
    body.push(set("dp", add32(get("dp"), i32(8))));
    body.push(set("xp", add32(get("xp"), i32(8))));
    lines.push(repeat("samples", "s", get("m"), body.join("\n")));
    for (let u = 0; u < units; u++) for (let k = 0; k < inputs; k++) lines.push(store(get(`op${u}`), get(g(u, k)), k * 8));
    lines.push(set("i", add32(get("i"), i32(inputs))));
    return lines.join("\n");
  };
  const overInputs = (units: number) =>
    [
      set("i", i32(0)),
      whileLoop("block", `(i32.le_s (i32.add ${get("i")} (i32.const 3)) ${get("inputs")})`, block(units, 3)),
      whileLoop("rest", `(i32.lt_s ${get("i")} ${get("inputs")})`, block(units, 1)),
      set("j", add32(get("j"), i32(units))),
    ].join("\n");
  const accumulators = range(2).flatMap((u) => range(3).map((k) => `g${u}_${k}`));
  return {
    name: "gradient",
    params: i32Params("d", "a", "g", "fanIn", "units", "m"),
    locals: [...typed("i32", ["i", "j", "s", "inputs", "rowBytes", "dp", "xp", "op0", "op1"]), ...typed("f64", [...accumulators, "e0", "e1", "x0", "x1", "x2"])],
    body: [
    set("inputs", `(i32.add ${get("fanIn")} (i32.const 1))`),
    set("rowBytes", `(i32.shl ${get("inputs")} (i32.const 3))`),
    set("j", i32(0)),
    whileLoop("pairs", `(i32.le_s (i32.add ${get("j")} (i32.const 2)) ${get("units")})`, overInputs(2)),
    `(if (i32.lt_s ${get("j")} ${get("units")}) (then\n${indent(overInputs(1))}))`,
    ].join("\n"),
  };
}

/**
 * How a module spells its layout's numbers (buffer addresses, layer sizes), as WAT i32 expressions:
 * as constants (constantNumbers, the prototype's), or as globals a module imports (backend.ts), which
 * makes the text of every model of one shape the same, and so assembled once per run.
 */
export interface LayoutNumbers {
  /** Layer l's activations (layer 0: the tile's inputs), f'(z) (hidden layers) and deltas (l ≥ 1). */
  readonly activations: (l: number) => string;
  readonly derivatives: (l: number) => string;
  readonly deltas: (l: number) => string;
  /** Layer l's weights in params, and their sums in the tile's gradient (l ≥ 1). */
  readonly weights: (l: number) => string;
  readonly tileGradient: (l: number) => string;
  /** Layer l's unit count (layer 0: the inputs). */
  readonly units: (l: number) => string;
  /** Where the row of ones after layer l's units starts (the bias "input" of layer l + 1's gradient). */
  readonly onesRow: (l: number) => string;
}

/** The numbers LayoutNumbers spells, as values. */
export function layoutValues(layout: MlpLayout): { readonly [K in keyof LayoutNumbers]: (l: number) => number } {
  return {
    activations: (l) => layout.activations[l]!,
    derivatives: (l) => layout.derivatives[l]!,
    deltas: (l) => layout.deltas[l]!,
    weights: (l) => layout.params + layout.weights[l]!,
    tileGradient: (l) => layout.tileGrad + layout.weights[l]!,
    units: (l) => layout.layers[l]!,
    onesRow: (l) => layout.activations[l]! + layout.layers[l]! * layout.row,
  };
}

/** LayoutNumbers that spell layer l's number of each field as `spell(field, l)`. */
export function spelledNumbers(spell: (field: keyof LayoutNumbers, l: number) => string): LayoutNumbers {
  const field = (name: keyof LayoutNumbers) => (l: number) => spell(name, l);
  return {
    activations: field("activations"),
    derivatives: field("derivatives"),
    deltas: field("deltas"),
    weights: field("weights"),
    tileGradient: field("tileGradient"),
    units: field("units"),
    onesRow: field("onesRow"),
  };
}

/** The layout's numbers as constants. */
export function constantNumbers(layout: MlpLayout): LayoutNumbers {
  const v = layoutValues(layout);
  return spelledNumbers((field, l) => i32(v[field](l)));
}

/** The tile's rows of X, unit-major into layer 0's activations (at `numbers.activations(0)`). */
export function loadInputsKernel(layout: MlpLayout, numbers = constantNumbers(layout)): Func {
  const inputs = layout.layers[0]!;
  const row = layout.row;
  const sample = [
    ...range(inputs).map((i) => store(get("ap"), load(get("xp"), i * 8), i * row)),
    set("ap", add32(get("ap"), i32(8))),
    set("xp", add32(get("xp"), i32(inputs * 8))),
  ].join("\n");
  return {
    name: "loadInputs",
    params: i32Params("x", "m"),
    locals: typed("i32", ["s", "ap", "xp"]),
    body: [set("ap", numbers.activations(0)), set("xp", get("x")), repeat("samples", "s", get("m"), sample)].join("\n"),
  };
}

/**
 * Rows of ones after the units of every layer below the output (the bias "input" of the gradient),
 * written at each call (192 stores): a start function instead cost ~0.3 ms of instantiation.
 */
export function onesFunction(layout: MlpLayout, numbers = constantNumbers(layout)): Func {
  const below = range(layout.layers.length - 1);
  const fill = below.map((l) => [set("k", numbers.onesRow(l)), repeat(`ones${l}`, "left", i32(layout.subTile), [store(get("k"), f64(1)), set("k", add32(get("k"), i32(8)))].join("\n"))].join("\n"));
  return { name: "ones", params: [], locals: typed("i32", ["k", "left"]), body: fill.join("\n") };
}


/** A call of a function by name with WAT arguments (a direct `call`, or the prototype's dispatch into one merged function). */
export type Call = (name: string, args: readonly string[]) => string;

/** What one pass needs besides the layout: how to load its rows, run an activation, and run the head. */
export interface PassSteps {
  readonly call: Call;
  /** The pass's rows of X into layer 0's activations (a call of loadInputs). */
  readonly loadInputs: string;
  /** The kernel function applying layer l's activation (1-based, hidden layers). */
  readonly activation: (layer: number) => string;
  /** The head's statement: the loss terms and ∂loss/∂z of the output layer. */
  readonly head: string;
}

/**
 * One pass of `m` samples (a local) through the layers: inputs, then per layer forward and activation,
 * the head, then from the last layer down the weight gradient and (above the first) the delta.
 */
export function passStatements(layout: MlpLayout, steps: PassSteps, numbers = constantNumbers(layout)): string[] {
  const { activations: A, derivatives: F, deltas: D, weights: P, tileGradient: TG, units: U } = numbers;
  const { call } = steps;
  const last = layout.layers.length - 1;
  const pass = [steps.loadInputs];
  for (let l = 1; l <= last; l++) {
    pass.push(call("forward", [A(l - 1), A(l), P(l), U(l - 1), U(l), get("m")]));
    if (l < last) pass.push(call(steps.activation(l), [A(l), F(l), U(l), get("m")]));
  }
  pass.push(steps.head);
  for (let l = last; l >= 1; l--) {
    pass.push(call("gradient", [D(l), A(l - 1), TG(l), U(l - 1), U(l), get("m")]));
    if (l > 1) pass.push(call("delta", [D(l), P(l), F(l - 1), D(l - 1), U(l - 1), U(l), get("m")]));
  }
  return pass;
}
