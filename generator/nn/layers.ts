/**
 * Layer plans: whether a model is a stack of recorded dense layers (dense.ts) followed by a small head,
 * and if so the pieces the loop emitter needs.
 *
 *   inputs ─► [features] ─► dense 1 ─► … ─► dense L ─► head(h, y) ─► loss, outputs
 *
 * The head is the loss and the outputs with the last layer's outputs replaced by fresh symbols h_k, so
 * it is an ordinary small scalar model (σ + BCE, softmax + cross-entropy, MSE, …) that goes through
 * the usual simplify → gradient → lowerStable → schedule stages and is printed unrolled. Everything a
 * record claims is checked against the model's own expressions; when anything does not fit (a weight
 * shared between layers, a regulariser on the weights, parameters out of layer order, a loss that
 * reads the inputs, a first layer reading a parameter), there is no plan and the model is emitted unrolled, as before.
 */
import { add, Expr, isGenuine, mul, rebuild, sym } from "../symbolic/expr.ts";
import { ACTIVATIONS } from "./activations.ts";
import { freeSymbols } from "../symbolic/dag.ts";
import type { DenseLayer } from "./dense.ts";

/** What a plan reads of a model definition (model.ts's ModelDefinition has these and more). */
export interface LayeredModelParts {
  readonly inputs: readonly Expr[];
  readonly targets: readonly Expr[];
  readonly params: readonly Expr[];
  readonly outputs: readonly Expr[];
  readonly loss: Expr;
  readonly layers: readonly DenseLayer[];
}

export interface LayerPlan {
  readonly layers: readonly DenseLayer[];
  /** Index in the model's parameter array of each layer's first parameter. */
  readonly offsets: readonly number[];
  /** Symbols standing for the last layer's outputs in the head. */
  readonly headInputs: readonly Expr[];
  /** The per-sample loss as a function of headInputs and the targets. */
  readonly headLoss: Expr;
  /** The model's outputs as functions of headInputs. */
  readonly headOutputs: readonly Expr[];
  /**
   * What the first layer reads when it is not the model's inputs themselves: per input of the layer, an
   * expression of the model's inputs alone (features such as x1², sin x2), computed per sample.
   */
  readonly features?: readonly Expr[];
}

/** A plan, or why the model is not a plain stack of its recorded dense layers. */
export function planLayers(model: LayeredModelParts): LayerPlan | { readonly reason: string } {
  const layers = model.layers;
  if (layers.length === 0) return { reason: "no dense layers recorded" };
  const same = (a: readonly Expr[], b: readonly Expr[]) => a.length === b.length && a.every((e, i) => e === b[i]);
  const features = same(layers[0].inputs, model.inputs) ? undefined : layers[0].inputs;
  if (features && !readsOnlyInputs(features, model.inputs)) {
    return { reason: "the first layer reads something other than the model's inputs or expressions of them alone" };
  }
  for (let l = 1; l < layers.length; l++) {
    if (!same(layers[l].inputs, layers[l - 1].outputs)) return { reason: `layer ${l + 1} does not read layer ${l}'s outputs` };
  }
  for (const [l, layer] of layers.entries()) {
    const problem = isExactByStructure(layer) ? undefined : layerProblem(layer);
    if (problem) return { reason: `layer ${l + 1}: ${problem}` };
  }
  const offsets = layerOffsets(layers, model.params);
  if (typeof offsets === "string") return { reason: offsets };

  const last = layers[layers.length - 1];
  const taken = namesLike("h", [model.inputs, model.targets, model.params]);
  const headInputs = last.outputs.map((_, j) => sym(freshName(`h${j + 1}`, taken)));
  const replace = new Map(last.outputs.map((o, j) => [o, headInputs[j]]));
  const [headLoss, ...headOutputs] = substitute([model.loss, ...model.outputs], replace, absorbedSums(last, headInputs));
  const allowed = new Set([...headInputs, ...model.targets].map((s) => s.name));
  const stray = [...freeSymbols([headLoss, ...headOutputs])].filter((n) => !allowed.has(n));
  if (stray.length > 0) return { reason: `the loss or outputs read ${stray.slice(0, 3).join(", ")} other than through the last layer` };
  return { layers, offsets, headInputs, headLoss, headOutputs, ...(features ? { features } : {}) };
}

/*
 * The loops over every parameter live in small functions of their own: inside planLayers, a loop over
 * 66 000 parameters made V8 optimize all of planLayers mid-loop (on-stack replacement), inlining the
 * substitution below, which took its background compiler ~0.18 s of CPU in every `generate`.
 */

/** Index in `params` of each layer's first parameter, or why the parameters are not the layers' in layer order. */
function layerOffsets(layers: readonly DenseLayer[], params: readonly Expr[]): number[] | string {
  const offsets: number[] = [];
  let k = 0;
  for (const layer of layers) {
    offsets.push(k);
    for (const p of layer.params) if (params[k++] !== p) return "the parameters are not the layers' parameters in layer order";
  }
  return k === params.length ? offsets : "some parameters belong to no layer";
}

/**
 * The names that start with `prefix` among the symbols of `lists`: only those can clash with h1, h2, …
 * (and their fresh variants h1x, …); a 66 000-name set of every symbol cost ~0.05 s.
 */
function namesLike(prefix: string, lists: readonly (readonly Expr[])[]): Set<string> {
  const names = new Set<string>();
  for (const list of lists) for (const s of list) if (s.name.startsWith(prefix)) names.add(s.name);
  return names;
}

/** Whether every expression reads the model's inputs and nothing else (no parameter, no target). */
function readsOnlyInputs(features: readonly Expr[], inputs: readonly Expr[]): boolean {
  const names = new Set(inputs.map((x) => x.name));
  return [...freeSymbols(features)].every((name) => names.has(name));
}

/**
 * Whether the record says what its expressions are: z_j = Σ_i w_j_i·a_i + b_j and outputs_j = f(z_j)
 * (hash-consing makes the rebuilt expression the very node the model holds), the parameters per unit
 * its weights then its bias, all distinct symbols.
 */
function layerProblem(layer: DenseLayer): string | undefined {
  const fanIn = layer.inputs.length;
  if (layer.activation !== "linear" && !(layer.activation in ACTIVATIONS)) return `unknown activation "${String(layer.activation)}"`;
  if (layer.params.length !== layer.z.length * (fanIn + 1) || layer.outputs.length !== layer.z.length) return "sizes do not match";
  if (!layer.params.every((p) => p.op === "sym") || new Set(layer.params).size !== layer.params.length) return "parameters must be distinct symbols";
  for (let j = 0; j < layer.z.length; j++) {
    const row = layer.params.slice(j * (fanIn + 1), (j + 1) * (fanIn + 1));
    const z = add(...row.slice(0, fanIn).map((w, i) => mul(w, layer.inputs[i])), row[fanIn]);
    if (z !== layer.z[j]) return `z${j + 1} is not its weights times the inputs plus its bias`;
    const out = layer.activation === "linear" ? z : ACTIVATIONS[layer.activation](z);
    if (out !== layer.outputs[j]) return `output ${j + 1} is not ${layer.activation}(z${j + 1})`;
  }
  return undefined;
}

/**
 * Whether a record is right by the structure of its nodes alone, reading each node once: every z_j is
 * a sum of exactly fanIn + 1 arguments, its bias and one product w_j_i·a_i of two factors per input i,
 * and outputs_j is activation(z_j). Hash-consing makes such a z_j the very node
 * add(w_j_1·a_1, …, w_j_F·a_F, b_j) that layerProblem rebuilds (products of distinct weights cannot be
 * collected as like terms), so this proves what layerProblem proves without sorting and interning the
 * sums again, and a little more: no term vanished, so z_j uses every weight of its row and every input
 * (model.ts relies on that to skip the network when it checks a model). A record that fails it may still
 * be right (an input that is the constant 0 drops its term): layerProblem decides then.
 */
export function isExactByStructure(layer: DenseLayer): boolean {
  if (EXACT_RECORDS.has(layer)) return true;
  const exact = checkStructure(layer);
  // A frozen record over frozen arrays cannot change, and its nodes are immutable: the answer holds for
  // good. (A model is checked when defineModel runs, and its layers planned when it is compiled: for a
  // 66 000-weight network each walk took ~0.2 s.)
  const lists = [layer.inputs, layer.params, layer.z, layer.outputs];
  if (exact && Object.isFrozen(layer) && lists.every((list) => Object.isFrozen(list))) EXACT_RECORDS.add(layer);
  return exact;
}

/** Records isExactByStructure has proved exact, frozen (so that the proof stays true). */
const EXACT_RECORDS = new WeakSet<DenseLayer>();

function checkStructure(layer: DenseLayer): boolean {
  const { inputs, params, z, outputs } = layer;
  if (![inputs, params, z, outputs].every(Array.isArray)) return false;
  const fanIn = inputs.length;
  if (layer.activation !== "linear" && !Object.hasOwn(ACTIVATIONS, layer.activation)) return false;
  const activation = layer.activation === "linear" ? undefined : ACTIVATIONS[layer.activation];
  if (params.length !== z.length * (fanIn + 1) || outputs.length !== z.length) return false;
  const position = new Map<Expr, number>();
  for (const [k, p] of params.entries()) {
    if (!isGenuine(p) || p.op !== "sym" || position.has(p)) return false;
    position.set(p, k);
  }
  const used = new Uint8Array(fanIn + 1);
  for (let j = 0; j < z.length; j++) {
    const zj = z[j];
    if (!isGenuine(zj) || zj.op !== "add" || zj.args.length !== fanIn + 1) return false;
    const first = j * (fanIn + 1);
    used.fill(0);
    for (const term of zj.args) {
      const slot = term === params[first + fanIn] ? fanIn : productSlot(term, position, first, fanIn, inputs);
      if (slot < 0 || used[slot]) return false;
      used[slot] = 1;
    }
    if (outputs[j] !== (activation ? activation(zj) : zj)) return false;
  }
  return true;
}

/** Which input i a term w_j_i·a_i of unit j's sum stands for (its row starts at params[first]), or −1. */
function productSlot(term: Expr, position: ReadonlyMap<Expr, number>, first: number, fanIn: number, inputs: readonly Expr[]): number {
  if (term.op !== "mul" || term.args.length !== 2) return -1;
  for (const [w, a] of [[term.args[0], term.args[1]], [term.args[1], term.args[0]]]) {
    const i = (position.get(w) ?? -1) - first;
    if (i >= 0 && i < fanIn && inputs[i] === a) return i;
  }
  return -1;
}

function freshName(base: string, taken: Set<string>): string {
  let name = base;
  while (taken.has(name)) name += "x";
  taken.add(name);
  return name;
}

/**
 * A linear last layer's z_j = Σ w·a + b is a sum, and the constructors flatten a sum of up to 16 terms
 * into any sum it is added to: (z − y)² holds add(w·a…, b, −y), not z. Such a sum still reads the layer
 * only through z_j if it has every term of z_j: it is then h_j + the other terms. Returns that rewrite
 * for a node, or undefined. Hash-consing makes equal terms the same node, and like terms are collected,
 * so a term of z_j that also appears among the others would have merged with it and fails the test.
 */
type SumRewrite = (node: Expr) => Expr | undefined;

function absorbedSums(last: DenseLayer, headInputs: readonly Expr[]): SumRewrite {
  const sums = last.outputs.flatMap((z, j) => (z.op === "add" ? [{ terms: new Set(z.args), z, h: headInputs[j] }] : []));
  if (sums.length === 0) return () => undefined;
  return (node) => {
    if (node.op !== "add") return undefined;
    for (const { terms, z, h } of sums) {
      if (node === z || node.args.length <= terms.size) continue;
      const rest = node.args.filter((term) => !terms.has(term));
      if (rest.length === node.args.length - terms.size) return add(h, ...rest);
    }
    return undefined;
  };
}

/**
 * `roots` with every node of `replace` replaced, and every sum that `rewriteSum` rewrites replaced by
 * its rewrite (whose other terms are then substituted in turn). Iterative post-order that does not
 * descend into replaced nodes, so the (large) network below the last layer is never walked.
 */
function substitute(roots: readonly Expr[], replace: ReadonlyMap<Expr, Expr>, rewriteSum: SumRewrite): Expr[] {
  const done = new Map<Expr, Expr>(replace);
  // node: what is rebuilt (the rewrite, for a rewritten sum); original: the model's node it stands for.
  const stack: { node: Expr; original: Expr; next: number }[] = [];
  const visit = (original: Expr) => stack.push({ node: rewriteSum(original) ?? original, original, next: 0 });
  for (const root of roots) {
    if (done.has(root)) continue;
    visit(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.args.length) {
        const child = top.node.args[top.next++];
        if (!done.has(child)) visit(child);
      } else {
        stack.pop();
        const n = top.node;
        const rebuilt = done.get(n) ?? (n.args.length === 0 ? n : rebuild(n.op, n.args.map((a) => done.get(a)!), n));
        done.set(n, rebuilt);
        done.set(top.original, rebuilt);
      }
    }
  }
  return roots.map((r) => done.get(r)!);
}
