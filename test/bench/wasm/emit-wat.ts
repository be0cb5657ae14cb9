/**
 * A prototype: the WebAssembly text (WAT) of an MLP's mean loss and gradient over a batch, the same
 * function as a generated module's `lossAndGradient` for `mlp([inputs, h1, …, 1])` with tanh hidden
 * layers, a sigmoid output and binary cross-entropy with logits (e.g. generated/mlp_2_64_64_1.ts).
 *
 * It is written to be compared bitwise with the generated JavaScript, so it keeps its arithmetic:
 * - the batch in tiles of 256 samples, activations stored unit-major (unit u's samples in one run);
 * - z = b + Σᵢ wᵢ·aᵢ summed from the bias in input order; the weight gradient Σₛ dₛ·aₛ and the delta
 *   Σⱼ wⱼ·dⱼ summed from 0 in sample and unit order; per-tile sums added into grad, then divided by n;
 * - tanh through `_expm1` and the head's σ/BCE from one exp(−|z|), the same expressions in the same
 *   order, with the same table-driven exp/expm1 (tables from generator/emit/fast-math.ts) inlined, and
 *   JavaScript's Math.round (ties toward +∞) spelled out, as wasm's f64.nearest rounds ties to even.
 * Register blocks (2 units × 3 samples and so on) only choose which independent sums run together,
 * so they are free to differ from the generated code without changing a bit.
 *
 * The kernels take the layer's sizes and buffers as arguments (one function per kind of kernel,
 * whatever the layer count, or all in one function: `oneKernelFunction`): the module stays ~6 KB and
 * compiles in ~1.2 ms. By default it imports nothing (see WasmOptions.mathImports for how the loss's
 * log1p and e^x beyond |x| < 708 are handled); `mathImports` imports Math.exp, Math.expm1, Math.log1p.
 * See README.md beside this file for the measurements behind each choice.
 *
 * With `simd`, the forward and delta kernels run two samples per f64x2 lane pair: each lane keeps
 * its own sum in the same order, so the results stay bitwise equal. The weight gradient sums over
 * samples, which lanes would reorder, so it stays scalar.
 */
import { EXP_TABLE_HI, EXP_TABLE_LO, INV_LN2_32, LN2_32_HI, LN2_32_LO } from "../../../generator/emit/fast-math.ts";

/** Samples per tile, as in the generated modules: the loss and each gradient component are summed per tile. */
export const TILE = 256;
/**
 * Samples per pass through the layers (a sub-tile; a divisor of TILE). The weight-gradient sums of a
 * tile carry over from one sub-tile to the next in memory, in the same sample order, so any sub-tile
 * gives the same bits; a smaller one touches less memory. Fresh linear memory costs a page fault per
 * 4 KB on its first touch: with 256-sample buffers (0.9 MB) that was ~3 ms of a 7 ms first call.
 */
export const DEFAULT_SUB_TILE = 64;
/** Largest |x| the exp table path takes (beyond it Math.exp/Math.expm1 answer), as in fast-math.ts. */
const TABLE_RANGE = 708;

export interface WasmOptions {
  /** f64x2 lanes over samples in the forward and delta kernels. */
  readonly simd?: boolean;
  /** Samples per pass through the layers (default DEFAULT_SUB_TILE). */
  readonly subTile?: number;
  /**
   * Import Math.exp, Math.expm1 and Math.log1p (bitwise equal everywhere). Without (the default), the
   * module imports nothing: its exports return no loss; instead the head stores each sample's e^(−|z|)
   * and its other loss term, and the wrapper sums log1p(·) + term in the generated code's order, in
   * JavaScript, bitwise the same. e^x and e^x − 1 outside |x| < 708 are computed in wasm, within
   * 1 ulp of Math.exp/Math.expm1 but not always bitwise equal (only there: output |z| of 708 … 745,
   * hidden |z| of 354 … 355; beyond those e^(−|z|) is 0 and tanh's e^(2|z|) − 1 is +∞ in both).
   * Why: V8 compiles a wrapper per imported function when the module is compiled, ~2 ms each time.
   */
  readonly mathImports?: boolean;
  /** All kernels in one function, dispatched on an argument (see mergeKernels). */
  readonly oneKernelFunction?: boolean;
  /** Kernels printed from the compiler's scheduled programs (program-kernels.ts) instead of the hand-written ones. */
  readonly printedKernels?: PrintedKernels;
}

/** Replacements for the hand-written kernels, with the same names, parameters and results. */
export interface PrintedKernels {
  /** tanh in place over `units` × m and tanh' into f: parameters (a, f, units, m), as tanhKernel. */
  readonly tanh?: (layout: MlpLayout, mathImports: boolean) => Func;
  /** The head, with headKernel's parameters and result (which depend on mathImports). */
  readonly head?: (layout: MlpLayout, mathImports: boolean) => Func;
}

/** Where everything lives in linear memory (byte offsets), for the module and its JavaScript wrapper. */
export interface MlpLayout {
  readonly layers: readonly number[];
  /** Samples per pass (sub-tile), and the bytes between consecutive units of a unit-major buffer. */
  readonly subTile: number;
  readonly row: number;
  readonly paramCount: number;
  readonly params: number;
  readonly grad: number;
  /** The current tile's gradient sums (one per parameter), carried from sub-tile to sub-tile. */
  readonly tileGrad: number;
  /** Per layer l = 0 … L: activations (layer 0: the tile's inputs), then F (tanh'), D (∂loss/∂z). */
  readonly activations: readonly number[];
  readonly derivatives: readonly number[];
  readonly deltas: readonly number[];
  /** Per layer l = 1 … L at index l: where its weights start in params (bytes from params). */
  readonly weights: readonly number[];
  /** X (n × inputs) and then Y (n) are copied here by the wrapper; without imports, the loss terms follow (2n). */
  readonly data: number;
}

export const EXP_HI = 0;
export const EXP_LO = EXP_HI + 32 * 8;

export function mlpLayout(layers: readonly number[], subTile = DEFAULT_SUB_TILE): MlpLayout {
  if (!Number.isInteger(subTile) || subTile < 1 || TILE % subTile !== 0)
    throw new Error(`mlpLayout: subTile must divide ${TILE}, got ${subTile}`);
  const row = subTile * 8;
  if (layers.length < 3 || layers[layers.length - 1] !== 1 || layers.some((w) => !Number.isInteger(w) || w < 1))
    throw new Error(`mlpLayout: layers must be [inputs, hidden…, 1] with at least one hidden layer, got [${layers.join(", ")}]`);
  const last = layers.length - 1;
  const weights = [0];
  let paramCount = 0;
  for (let l = 1; l <= last; l++) {
    weights.push(paramCount * 8);
    paramCount += layers[l]! * (layers[l - 1]! + 1);
  }
  let at = EXP_LO + 32 * 8;
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

// ---------------------------------------------------------------------------------------------------
// Small WAT spelling helpers.

/** An f64 constant spelled exactly (hexadecimal float), so no decimal parsing can change a bit. */
export function f64(value: number): string {
  if (Number.isNaN(value) || !Number.isFinite(value)) throw new Error(`f64: not a finite number: ${value}`);
  if (value === 0) return Object.is(value, -0) ? "(f64.const -0x0p+0)" : "(f64.const 0x0p+0)";
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, value);
  const hi = bits.getUint32(0);
  const lo = bits.getUint32(4);
  const sign = hi >>> 31 ? "-" : "";
  const exponent = (hi >>> 20) & 0x7ff;
  const mantissa = ((hi & 0xfffff).toString(16).padStart(5, "0") + lo.toString(16).padStart(8, "0")).replace(/0+$/, "");
  const frac = mantissa ? `.${mantissa}` : "";
  return exponent === 0
    ? `(f64.const ${sign}0x0${frac}p-1022)`
    : `(f64.const ${sign}0x1${frac}p${exponent - 1023})`;
}
export const i32 = (value: number) => `(i32.const ${value})`;
export const get = (name: string) => `(local.get $${name})`;
export const set = (name: string, value: string) => `(local.set $${name} ${value})`;
export const add32 = (a: string, b: string) => `(i32.add ${a} ${b})`;
export const load = (address: string, offset = 0) => `(f64.load${offset ? ` offset=${offset}` : ""} ${address})`;
export const store = (address: string, value: string, offset = 0) =>
  `(f64.store${offset ? ` offset=${offset}` : ""} ${address} ${value})`;
const range = (n: number) => Array.from({ length: n }, (_, k) => k);
const locals = (type: string, names: readonly string[]) => names.map((n) => `(local $${n} ${type})`).join(" ");
const indent = (text: string, by = "  ") => text.replace(/^(?=.)/gm, by);

export type ValueType = "i32" | "f64" | "v128";
/** A function before printing: parameters and locals by name, and its body's statements. */
export interface Func {
  readonly name: string;
  readonly params: readonly (readonly [string, ValueType])[];
  readonly result?: ValueType;
  readonly locals: readonly (readonly [string, ValueType])[];
  readonly body: string;
}
export const typed = (type: ValueType, names: readonly string[]) => names.map((n) => [n, type] as const);
const i32Params = (...names: string[]) => typed("i32", names);

export function printFunc(f: Func, exportAs?: string): string {
  const params = f.params.map(([n, t]) => `(param $${n} ${t})`).join(" ");
  const header = [`(func $${f.name}`, exportAs ? `(export "${exportAs}")` : "", params, f.result ? `(result ${f.result})` : ""].filter(Boolean).join(" ");
  const declared = f.locals.map(([n, t]) => `(local $${n} ${t})`).join(" ");
  return `${header}\n  ${declared}\n${indent(f.body)})`;
}

/**
 * The kernels as one function that dispatches on its first argument (br_table): V8 then tiers up one
 * function instead of six, so fewer TurboFan jobs compete with the first call for this machine's two
 * cores. Each kernel's parameters become locals set from the shared i32 arguments; kernels whose
 * signature is not all-i32 without a result (the head with Math imports) stay separate.
 */
function mergeKernels(kernels: readonly Func[]): { readonly funcs: Func[]; readonly call: (name: string, args: readonly string[]) => string } {
  const mergeable = kernels.filter((k) => !k.result && k.params.every(([, t]) => t === "i32"));
  const arity = Math.max(...mergeable.map((k) => k.params.length));
  const locals = new Map<string, ValueType>();
  for (const k of mergeable)
    for (const [n, t] of [...k.params, ...k.locals]) {
      if (locals.has(n) && locals.get(n) !== t) throw new Error(`mergeKernels: ${n} is ${locals.get(n)} in one kernel and ${t} in ${k.name}`);
      locals.set(n, t);
    }
  const cases = mergeable.map((k, c) => {
    const params = k.params.map(([n], a) => set(n, get(`arg${a}`))).join(" ");
    return { label: `case${c}`, code: `${params}\n${k.body}` };
  });
  // (block $done (block $caseN … (block $case0 (br_table …)) case0 (br $done)) … caseN)
  let body = `(br_table ${cases.map((c) => `$${c.label}`).join(" ")} ${get("kind")})`;
  cases.forEach((c, k) => {
    body = `(block $${c.label}\n${indent(body)})\n${c.code}${k < cases.length - 1 ? "\n(br $done)" : ""}`;
  });
  const merged: Func = {
    name: "kernels",
    params: [["kind", "i32"], ...range(arity).map((a) => [`arg${a}`, "i32"] as const)],
    locals: [...locals],
    body: `(block $done\n${indent(body)})`,
  };
  const index = new Map(mergeable.map((k, c) => [k.name, c]));
  const call = (name: string, args: readonly string[]) => {
    const c = index.get(name);
    if (c === undefined) return `(call $${name} ${args.join(" ")})`;
    const padded = [...args, ...range(arity - args.length).map(() => i32(0))];
    return `(call $kernels ${i32(c)} ${padded.join(" ")})`;
  };
  return { funcs: [merged, ...kernels.filter((k) => !mergeable.includes(k))], call };
}

/** `body` while `condition` holds, checked before each pass. */
function whileLoop(label: string, condition: string, body: string): string {
  return `(block $${label}_end (loop $${label}\n  (br_if $${label}_end (i32.eqz ${condition}))\n${indent(body)}\n  (br $${label})))`;
}
/** `body` `count` ≥ 1 times, counting the local `counter` down. */
export function repeat(label: string, counter: string, count: string, body: string): string {
  const decrement = `(local.tee $${counter} (i32.sub ${get(counter)} (i32.const 1)))`;
  return `${set(counter, count)}\n(loop $${label}\n${indent(body)}\n  (br_if $${label} ${decrement}))`;
}

// ---------------------------------------------------------------------------------------------------
// e^x and e^x − 1, inlined: the statements of fast-math.ts's _exp and _expm1, in their order.

/** out = Math.round(v) as V8 computes it: ceil(v), minus one if that is more than ½ above v. */
function mathRoundInto(out: string, v: string, ceil: string): string {
  return [
    set(out, v),
    set(ceil, `(f64.ceil ${get(out)})`),
    set(out, `(select (f64.sub ${get(ceil)} ${f64(1)}) ${get(ceil)} (f64.gt (f64.sub ${get(ceil)} ${f64(0.5)}) ${get(out)}))`),
  ].join("\n");
}

/** 1/2! + t/3! + … + t^(last−2)/last! in Horner form into `name`, as fast-math.ts's taylorTail. */
function taylorTail(name: string, t: string, last: number): string {
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const lines = [set(name, f64(1 / factorial(last)))];
  for (let n = last - 1; n >= 2; n--) lines.push(set(name, `(f64.add ${f64(1 / factorial(n))} (f64.mul ${t} ${get(name)}))`));
  return lines.join("\n");
}

/** The locals the inlined exp/expm1 use. */
export const EXP_LOCALS = ["ex_ax", "ex_k", "ex_ceil", "ex_r", "ex_hi", "ex_scale", "ex_tail", "ex_small", "ex_scaled", "ex_sum", "ex_back", "ex_error"];
export const EXP_I32_LOCALS = ["ex_ki", "ex_j"];

/** 2^m, m an i32 expression in −1022 … 1023: the exponent field m + 1023 and mantissa 0 (exact). */
const powerOfTwo = (m: string) => `(f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add ${m} (i32.const 1023))) (i64.const 52)))`;

/** x = k·ln2/32 + r; then hi = 2^(j/32)'s high part, and (`scale`) ex_scale = 2^(k>>5), for |x| < 708. */
function reduce(x: string, scale = true): string {
  return [
    mathRoundInto("ex_k", `(f64.mul ${x} ${f64(INV_LN2_32)})`, "ex_ceil"),
    set("ex_r", `(f64.sub (f64.sub ${x} (f64.mul ${get("ex_k")} ${f64(LN2_32_HI)})) (f64.mul ${get("ex_k")} ${f64(LN2_32_LO)}))`),
    set("ex_ki", `(i32.trunc_f64_s ${get("ex_k")})`),
    set("ex_j", `(i32.shl (i32.and ${get("ex_ki")} (i32.const 31)) (i32.const 3))`), // byte offset in a table
    set("ex_hi", load(get("ex_j"), EXP_HI)),
    ...(scale ? [set("ex_scale", powerOfTwo(`(i32.shr_s ${get("ex_ki")} (i32.const 5))`))] : []), // k >> 5 in −1022 … 1021
    taylorTail("ex_tail", get("ex_r"), 6),
  ].join("\n");
}

/** hi + (lo + hi·(r + r²·tail)) — 2^(j/32)·e^r as fast-math.ts sums it (without the scale). */
const tableTerm = () =>
  `(f64.add ${load(get("ex_j"), EXP_LO)} (f64.mul ${get("ex_hi")} (f64.add ${get("ex_r")} (f64.mul (f64.mul ${get("ex_r")} ${get("ex_r")}) ${get("ex_tail")}))))`;

/** Beyond these e^x overflows to +∞ or underflows to 0 (fdlibm's o_threshold and u_threshold). */
const EXP_OVERFLOW = 709.782712893384;
const EXP_UNDERFLOW = -745.1332191019411;

/**
 * e^x into `out` for x outside |x| < 708 without Math.exp: NaN, +∞ and 0 beyond the thresholds, else
 * the table path with 2^(k>>5) applied as two exact powers of two (k>>5 reaches −1077 … 1024, past the
 * normal exponents), so a subnormal or huge result is rounded once. Within 1 ulp of Math.exp.
 */
function expOutsideInto(x: string, out: string, label: string): string {
  const half = `(i32.shr_s (i32.shr_s ${get("ex_ki")} (i32.const 5)) (i32.const 1))`;
  const otherHalf = `(i32.sub (i32.shr_s ${get("ex_ki")} (i32.const 5)) ${half})`;
  return [
    `(if (f64.ne ${get(x)} ${get(x)}) (then ${set(out, `(f64.add ${get(x)} ${get(x)})`)} (br $${label})))`,
    `(if (f64.gt ${get(x)} ${f64(EXP_OVERFLOW)}) (then ${set(out, "(f64.const inf)")} (br $${label})))`,
    `(if (f64.lt ${get(x)} ${f64(EXP_UNDERFLOW)}) (then ${set(out, f64(0))} (br $${label})))`,
    reduce(get(x), false),
    set(out, `(f64.mul (f64.mul ${powerOfTwo(half)} (f64.add ${get("ex_hi")} ${tableTerm()})) ${powerOfTwo(otherHalf)})`),
    `(br $${label})`,
  ].join("\n");
}

/** Statements leaving e^x in local `out` (x: a local's name), as _exp. */
export function expInto(x: string, out: string, label: string, mathImports: boolean): string {
  const outside = mathImports ? `${set(out, `(call $mathExp ${get(x)})`)} (br $${label})` : `\n${indent(expOutsideInto(x, out, label), "    ")}`;
  return `(block $${label}
${indent(`(if (i32.eqz (f64.lt (f64.abs ${get(x)}) ${f64(TABLE_RANGE)}))
  (then ${outside}))
${reduce(get(x))}
${set(out, `(f64.mul ${get("ex_scale")} (f64.add ${get("ex_hi")} ${tableTerm()}))`)}`)})`;
}

/**
 * e^x − 1 into `out` for x outside 0 < |x| < 708 without Math.expm1: NaN and ±0 as they are, −1 below
 * −708, and e^x above 708 (where the − 1 cannot change the rounded result).
 */
function expm1OutsideInto(x: string, out: string, label: string): string {
  return [
    `(if (f64.ne ${get(x)} ${get(x)}) (then ${set(out, `(f64.add ${get(x)} ${get(x)})`)} (br $${label})))`,
    `(if (f64.eq ${get(x)} ${f64(0)}) (then ${set(out, get(x))} (br $${label})))`,
    `(if (f64.lt ${get(x)} ${f64(0)}) (then ${set(out, f64(-1))} (br $${label})))`,
    expOutsideInto(x, out, label),
  ].join("\n");
}

/** Statements leaving e^x − 1 in local `out`, as _expm1. */
export function expm1Into(x: string, out: string, label: string, mathImports: boolean): string {
  const small = [
    taylorTail("ex_small", get(x), 9),
    set(out, `(f64.add ${get(x)} (f64.mul (f64.mul ${get(x)} ${get(x)}) ${get("ex_small")}))`),
  ].join("\n");
  const outside = mathImports ? `${set(out, `(call $mathExpm1 ${get(x)})`)} (br $${label})` : `\n${indent(expm1OutsideInto(x, out, label), "    ")}`;
  return `(block $${label}
${indent(`${set("ex_ax", `(f64.abs ${get(x)})`)}
(if (i32.eqz (i32.and (f64.gt ${get("ex_ax")} ${f64(0)}) (f64.lt ${get("ex_ax")} ${f64(TABLE_RANGE)})))
  (then ${outside}))
(if (f64.lt ${get("ex_ax")} ${f64(0.0625)})
  (then
${indent(small, "    ")}
    (br $${label})))
${reduce(get(x))}
;; scale·hi − 1 = sum + error exactly (TwoSum), then the small terms.
${set("ex_scaled", `(f64.mul ${get("ex_scale")} ${get("ex_hi")})`)}
${set("ex_sum", `(f64.sub ${get("ex_scaled")} ${f64(1)})`)}
${set("ex_back", `(f64.sub ${get("ex_sum")} ${get("ex_scaled")})`)}
${set("ex_error", `(f64.add (f64.sub ${get("ex_scaled")} (f64.sub ${get("ex_sum")} ${get("ex_back")})) (f64.sub ${f64(-1)} ${get("ex_back")}))`)}
${set(out, `(f64.add ${get("ex_sum")} (f64.add ${get("ex_error")} (f64.mul ${get("ex_scale")} ${tableTerm()})))`)}`)})`;
}

// ---------------------------------------------------------------------------------------------------
// Dense-layer kernels. Each takes byte pointers and sizes; `m` (1 … subTile) is the pass's sample count.

/** How many samples one pass of a block covers, scalar or in f64x2 lanes. */
interface Lanes {
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
const SCALAR: Lanes = {
  width: 1,
  prefix: "",
  type: "f64",
  load,
  store,
  splat: (v) => v,
  add: (a, b) => `(f64.add ${a} ${b})`,
  mul: (a, b) => `(f64.mul ${a} ${b})`,
};
const F64X2: Lanes = {
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
function forwardKernel(lanes: Lanes, row: number): Func {
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
function deltaKernel(lanes: Lanes, row: number): Func {
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
function gradientKernel(row: number): Func {
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

/** tanh in place over `units` × m, and tanh' into f: the generated _tanhForward's expressions. */
function tanhKernel(row: number, mathImports: boolean): Func {
  const v = (name: string) => get(name);
  const sample = [
    set("z", load(get("ap"))),
    set("t1", `(f64.abs ${v("z")})`),
    set("t2", `(f64.add ${f64(-1)} ${v("t1")})`),
    set("t5", `(select (f64.mul ${f64(2)} ${v("t1")}) (f64.mul ${f64(-2)} ${v("t1")}) (f64.ge ${v("t2")} ${f64(0)}))`),
    expm1Into("t5", "t6", "expm1", mathImports),
    set("t7", `(f64.add ${f64(2)} ${v("t6")})`),
    set("t8", `(f64.div ${f64(1)} ${v("t7")})`),
    set(
      "t12",
      `(select (f64.add ${f64(1)} (f64.mul ${f64(-2)} ${v("t8")})) (f64.mul (f64.neg ${v("t8")}) ${v("t6")}) (f64.ge ${v("t2")} ${f64(0)}))`,
    ),
    set(
      "t15",
      `(select (select ${v("z")} ${v("t12")} (f64.ge (f64.neg ${v("z")}) ${f64(0)})) (f64.neg ${v("t12")}) (f64.ge ${v("z")} ${f64(0)}))`,
    ),
    set("t16", `(f64.mul ${f64(2)} ${v("t8")})`),
    set("t20", `(f64.add (f64.neg (f64.mul ${v("t16")} ${v("t16")})) (f64.mul ${f64(4)} ${v("t8")}))`),
    store(get("ap"), v("t15")),
    store(get("fp"), v("t20")),
    set("ap", add32(get("ap"), i32(8))),
    set("fp", add32(get("fp"), i32(8))),
  ].join("\n");
  const unit = [
    set("ap", add32(get("a"), `(i32.mul ${get("j")} ${i32(row)})`)),
    set("fp", add32(get("f"), `(i32.mul ${get("j")} ${i32(row)})`)),
    repeat("samples", "s", get("m"), sample),
  ].join("\n");
  return {
    name: "tanh",
    params: i32Params("a", "f", "units", "m"),
    locals: [...typed("i32", ["j", "s", "unitsLeft", "ap", "fp", ...EXP_I32_LOCALS]), ...typed("f64", ["z", "t1", "t2", "t5", "t6", "t7", "t8", "t12", "t15", "t16", "t20", ...EXP_LOCALS])],
    body: [set("j", i32(0)), repeat("units", "unitsLeft", get("units"), [unit, set("j", add32(get("j"), i32(1)))].join("\n"))].join("\n"),
  };
}

/**
 * The head over the sub-tile (one sigmoid output, BCE with logits), with the generated
 * _headLossAndGradient's expressions: stores ∂loss/∂z of the output layer and, with Math imports,
 * returns the tile's loss sum continued over these samples (from tileLoss). Without imports it stores
 * each sample's t2 = e^(−|z|) at `terms` and t8 (the loss less log1p(t2)) at `rest`, for the wrapper.
 */
function headKernel(layout: MlpLayout, mathImports: boolean): Func {
  const last = layout.layers.length - 1;
  const v = (name: string) => get(name);
  const lossTerm = mathImports
    ? [set("t3", `(call $mathLog1p ${v("t2")})`), set("loss", `(f64.add ${v("loss")} (f64.add ${v("t3")} ${v("t8")}))`)]
    : [store(get("tp"), v("t2")), store(get("rp"), v("t8")), set("tp", add32(get("tp"), i32(8))), set("rp", add32(get("rp"), i32(8)))];
  const sample = [
    set("h1", load(get("hp"), layout.activations[last])),
    set("y", load(get("yp"))),
    set("t0", `(f64.abs ${v("h1")})`),
    set("t1", `(f64.neg ${v("t0")})`),
    expInto("t1", "t2", "exp", mathImports),
    set("t4", `(f64.neg ${v("y")})`),
    set("t5", `(f64.add ${f64(1)} ${v("t4")})`),
    set("pos", `(f64.ge ${v("h1")} ${f64(0)})`),
    set("t8", `(select (f64.mul ${v("h1")} ${v("t5")}) (f64.mul ${v("t4")} ${v("h1")}) ${get("pos")})`),
    ...lossTerm,
    set("t11", `(f64.div ${f64(1)} (f64.add ${f64(1)} ${v("t2")}))`),
    set("t12", `(f64.mul ${v("t11")} ${v("t2")})`),
    set("t14", `(f64.mul ${v("t4")} (select ${v("t12")} ${v("t11")} ${get("pos")}))`),
    set("t16", `(f64.mul ${v("t5")} (select ${v("t11")} ${v("t12")} ${get("pos")}))`),
    store(get("hp"), `(f64.add ${v("t14")} ${v("t16")})`, layout.deltas[last]),
    set("hp", add32(get("hp"), i32(8))),
    set("yp", add32(get("yp"), i32(8))),
  ].join("\n");
  const body = [
    ...(mathImports ? [set("loss", get("tileLoss"))] : [set("tp", get("terms")), set("rp", get("rest"))]),
    set("hp", i32(0)),
    set("yp", get("targets")),
    repeat("samples", "s", get("m"), sample),
    ...(mathImports ? [get("loss")] : []),
  ];
  return {
    name: "head",
    params: [...i32Params("targets", "m"), ...(mathImports ? typed("f64", ["tileLoss"]) : i32Params("terms", "rest"))],
    ...(mathImports ? { result: "f64" as const } : {}),
    locals: [
      ...typed("i32", ["s", "hp", "yp", "tp", "rp", "pos", ...EXP_I32_LOCALS]),
      ...typed("f64", ["loss", "h1", "y", "t0", "t1", "t2", "t3", "t4", "t5", "t8", "t11", "t12", "t14", "t16", ...EXP_LOCALS]),
    ],
    body: body.join("\n"),
  };
}

/** The tile's rows of X, unit-major into layer 0's activations. */
function loadInputsKernel(layout: MlpLayout): Func {
  const inputs = layout.layers[0]!;
  const row = layout.row;
  const sample = [
    ...range(inputs).map((i) => store(get("ap"), load(get("xp"), i * 8), layout.activations[0]! + i * row)),
    set("ap", add32(get("ap"), i32(8))),
    set("xp", add32(get("xp"), i32(inputs * 8))),
  ].join("\n");
  return {
    name: "loadInputs",
    params: i32Params("x", "m"),
    locals: typed("i32", ["s", "ap", "xp"]),
    body: [set("ap", i32(0)), set("xp", get("x")), repeat("samples", "s", get("m"), sample)].join("\n"),
  };
}

/**
 * The exported entry: mean loss over n samples at layout.data (X, then Y); the mean gradient into
 * grad. Tiles of TILE samples, each run through the layers in sub-tiles; at a tile's end its loss and
 * gradient sums are added into the totals, as the generated code adds each tile's.
 */
type Call = (name: string, args: readonly string[]) => string;
const directCall: Call = (name, args) => `(call $${name} ${args.join(" ")})`;

function lossAndGradientFunction(layout: MlpLayout, mathImports: boolean, call: Call): string {
  const { layers, activations: A, derivatives: F, deltas: D, weights: W, subTile } = layout;
  const last = layers.length - 1;
  const P = (l: number) => i32(layout.params + W[l]!);
  const TG = (l: number) => i32(layout.tileGrad + W[l]!);
  const pass: string[] = [
    call("loadInputs", [`(i32.add ${i32(layout.data)} (i32.mul ${get("s1")} ${i32(layers[0]! * 8)}))`, get("m")]),
  ];
  for (let l = 1; l <= last; l++) {
    pass.push(call("forward", [i32(A[l - 1]!), i32(A[l]!), P(l), i32(layers[l - 1]!), i32(layers[l]!), get("m")]));
    if (l < last) pass.push(call("tanh", [i32(A[l]!), i32(F[l]!), i32(layers[l]!), get("m")]));
  }
  const targets = `(i32.add ${get("y")} (i32.shl ${get("s1")} (i32.const 3)))`;
  if (mathImports) pass.push(set("tileLoss", call("head", [targets, get("m"), get("tileLoss")])));
  else {
    const terms = `(i32.add ${get("terms")} (i32.shl ${get("s1")} (i32.const 3)))`;
    pass.push(call("head", [targets, get("m"), terms, `(i32.add ${terms} (i32.shl ${get("n")} (i32.const 3)))`]));
  }
  for (let l = last; l >= 1; l--) {
    pass.push(call("gradient", [i32(D[l]!), i32(A[l - 1]!), TG(l), i32(layers[l - 1]!), i32(layers[l]!), get("m")]));
    if (l > 1) pass.push(call("delta", [i32(D[l]!), P(l), i32(F[l - 1]!), i32(D[l - 1]!), i32(layers[l - 1]!), i32(layers[l]!), get("m")]));
  }
  const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
  const addTileGradient = [
    store(get("k"), `(f64.add ${load(get("k"), layout.grad)} ${load(get("k"), layout.tileGrad)})`, layout.grad),
    set("k", add32(get("k"), i32(8))),
  ].join("\n");
  const divide = [
    store(get("k"), `(f64.div ${load(get("k"), layout.grad)} ${get("nf")})`, layout.grad),
    set("k", add32(get("k"), i32(8))),
  ].join("\n");
  const tile = [
    set("end", min(add32(get("s0"), i32(TILE)), get("n"))),
    `(memory.fill ${i32(layout.tileGrad)} (i32.const 0) ${i32(layout.paramCount * 8)})`,
    set("tileLoss", f64(0)),
    set("s1", get("s0")),
    whileLoop(
      "passes",
      `(i32.lt_s ${get("s1")} ${get("end")})`,
      [set("m", min(i32(subTile), `(i32.sub ${get("end")} ${get("s1")})`)), ...pass, set("s1", add32(get("s1"), i32(subTile)))].join("\n"),
    ),
    set("loss", `(f64.add ${get("loss")} ${get("tileLoss")})`),
    set("k", i32(0)),
    repeat("addTile", "left", i32(layout.paramCount), addTileGradient),
    set("s0", get("end")),
  ].join("\n");
  return `(func (export "lossAndGradient") (param $n i32)${mathImports ? " (result f64)" : ""}
  ${locals("i32", ["y", "terms", "s0", "s1", "end", "m", "k", "left"])}
  ${locals("f64", ["loss", "tileLoss", "nf"])}
${indent(
  [
    call("ones", []),
    set("y", add32(i32(layout.data), `(i32.mul ${get("n")} ${i32(layers[0]! * 8)})`)),
    set("terms", add32(get("y"), `(i32.shl ${get("n")} (i32.const 3))`)),
    `(memory.fill ${i32(layout.grad)} (i32.const 0) ${i32(layout.paramCount * 8)})`,
    set("loss", f64(0)),
    set("s0", i32(0)),
    whileLoop("tiles", `(i32.lt_s ${get("s0")} ${get("n")})`, tile),
    set("nf", `(f64.convert_i32_s ${get("n")})`),
    set("k", i32(0)),
    repeat("divide", "left", i32(layout.paramCount), divide),
    ...(mathImports ? [`(f64.div ${get("loss")} ${get("nf")})`] : []),
  ].join("\n"),
)})`;
}

/**
 * Rows of ones after the units of every layer below the output (the bias "input" of the gradient),
 * written at each call (192 stores): a start function instead cost ~0.3 ms of instantiation.
 */
function onesFunction(layout: MlpLayout): Func {
  const rows = layout.layers.slice(0, -1).map((units, l) => layout.activations[l]! + units * layout.row);
  const fill = rows.map((at) => [set("k", i32(at)), repeat(`ones${at}`, "left", i32(layout.subTile), [store(get("k"), f64(1)), set("k", add32(get("k"), i32(8)))].join("\n"))].join("\n"));
  return { name: "ones", params: [], locals: typed("i32", ["k", "left"]), body: fill.join("\n") };
}

/** The little-endian bytes of doubles as a WAT data string. */
export function dataString(values: readonly number[]): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  return Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}

/** The whole module's text. Memory starts with room for `rows` samples of data. */
export function emitWat(layers: readonly number[], options: WasmOptions = {}, rows = TILE): string {
  const layout = mlpLayout(layers, options.subTile);
  const lanes = options.simd ? F64X2 : SCALAR;
  const mathImports = options.mathImports ?? false;
  const imports = mathImports
    ? `(import "math" "exp" (func $mathExp (param f64) (result f64)))
  (import "math" "expm1" (func $mathExpm1 (param f64) (result f64)))
  (import "math" "log1p" (func $mathLog1p (param f64) (result f64)))`
    : ";; no imports";
  const kernels = [
    loadInputsKernel(layout),
    forwardKernel(lanes, layout.row),
    options.printedKernels?.tanh?.(layout, mathImports) ?? tanhKernel(layout.row, mathImports),
    options.printedKernels?.head?.(layout, mathImports) ?? headKernel(layout, mathImports),
    gradientKernel(layout.row),
    deltaKernel(lanes, layout.row),
    onesFunction(layout),
  ];
  const { funcs, call } = options.oneKernelFunction ? mergeKernels(kernels) : { funcs: kernels, call: directCall };
  const bytes = layout.data + rows * (layers[0]! + 3) * 8;
  const pages = Math.ceil(bytes / 65536);
  return `;; mlp([${layers.join(", ")}]) loss and gradient, emitted by test/bench/wasm/emit-wat.ts${options.simd ? " (f64x2)" : ""}.
(module
  ${imports}
  (memory (export "memory") ${pages})
  (data (i32.const ${EXP_HI}) "${dataString(EXP_TABLE_HI)}")
  (data (i32.const ${EXP_LO}) "${dataString(EXP_TABLE_LO)}")
${indent([...funcs.map((f) => printFunc(f)), lossAndGradientFunction(layout, mathImports, call)].join("\n"))})
`;
}

/** A module exporting the inlined e^x, e^x − 1 and Math.round as functions `exp`, `expm1`, `round`, for tests. */
export function emitExpTestWat(mathImports = false): string {
  const fn = (name: string, into: string) => `(func (export "${name}") (param $x f64) (result f64)
  ${locals("i32", EXP_I32_LOCALS)}
  ${locals("f64", ["out", ...EXP_LOCALS])}
${indent(into)}
  ${get("out")})`;
  const imports = mathImports
    ? `(import "math" "exp" (func $mathExp (param f64) (result f64)))
  (import "math" "expm1" (func $mathExpm1 (param f64) (result f64)))`
    : "";
  return `(module
  ${imports}
  (memory 1)
  (data (i32.const ${EXP_HI}) "${dataString(EXP_TABLE_HI)}")
  (data (i32.const ${EXP_LO}) "${dataString(EXP_TABLE_LO)}")
${indent(fn("exp", expInto("x", "out", "exp", mathImports)))}
${indent(fn("expm1", expm1Into("x", "out", "expm1", mathImports)))}
${indent(fn("round", mathRoundInto("out", get("x"), "ex_ceil")))})
`;
}
