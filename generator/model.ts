/**
 * defineModel: a model's roles (inputs, targets, parameters), its outputs and its per-sample loss,
 * checked once, with errors that name the model and the offending symbols.
 *
 * validateModel: the same checks on whatever object a model file exported, at generation time. A
 * model file is code, so its export is treated as data: every node is re-adopted through the
 * constructors (symbolic/adopt.ts), every name and constant checked again, before any text is emitted.
 */
import { adoptExprs } from "./symbolic/adopt.ts";
import { Expr, isGenuine } from "./symbolic/expr.ts";
import { topologicalOrder, type ArgsOf } from "./symbolic/dag.ts";
import { checkSymbolName } from "./symbolic/names.ts";
import { OPS } from "./symbolic/ops.ts";
import { show } from "./symbolic/show.ts";
import { simplifyAll } from "./symbolic/simplify.ts";
import type { DenseLayer } from "./nn/dense.ts";
import { isExactByStructure } from "./nn/layers.ts";

export type Task = "binary" | "multiclass" | "regression";

export interface ModelSpec {
  /** Module and registry name: lower case letters, digits and "_", starting with a letter. */
  readonly name: string;
  readonly inputs: readonly Expr[];
  readonly targets: readonly Expr[];
  readonly params: readonly Expr[];
  /** The model's predictions (functions of inputs and params only). */
  readonly outputs: readonly Expr[];
  /** The loss of one sample; the generated code averages it over a batch. */
  readonly loss: Expr;
  /** What the outputs mean, for metrics. Default: inferred from the outputs (see inferTask). */
  readonly task?: Task;
  /**
   * The dense layers the model is built of, input side first, as `mlp()` and `dense()` record them.
   * With them, wide layers are emitted as loops over the batch (generator/nn/layers.ts checks that they
   * match the loss); without them, or when they do not match, the model is emitted unrolled.
   */
  readonly layers?: readonly DenseLayer[];
}

export interface ModelDefinition extends Required<ModelSpec> {
  readonly kind: "symgrad-model";
}

const MODEL_NAME = /^[a-z][a-z0-9_]*$/;
/** Long enough for any sensible name, short enough for every file system's name limit. */
const MAX_MODEL_NAME_LENGTH = 64;
/** File names the generator writes next to the modules: a model may not take them. */
const RESERVED_MODEL_NAMES: ReadonlySet<string> = new Set(["index"]);

/** A name as it appears in messages: quoted, and cut short when long. */
function quoteName(name: unknown): string {
  if (typeof name !== "string") return "?";
  return JSON.stringify(name.length > MAX_MODEL_NAME_LENGTH ? `${name.slice(0, MAX_MODEL_NAME_LENGTH)}…` : name);
}

/**
 * Definitions checkModel returned whose every expression is one of this copy's own nodes, frozen with
 * all their arrays: nothing in them can have changed since they were checked, so validateModel returns
 * them as they are (a model is defined once, then validated when its file is loaded and again when its
 * module is generated; the checks cost a walk of the whole network each time).
 */
const CHECKED = new WeakSet<ModelDefinition>();

export function isModelDefinition(x: unknown): x is ModelDefinition {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "symgrad-model";
}

export function defineModel(spec: ModelSpec): ModelDefinition {
  return checkModel(spec, `defineModel(${quoteName(spec?.name)})`);
}

/**
 * The model a model file exported, checked as data whatever object it is: a model made by this copy
 * of symgrad, by another copy (nodes rebuilt structurally, so `instanceof` across copies is not
 * needed), or a forgery (refused with a message naming the model and what is wrong).
 */
export function validateModel(candidate: unknown): ModelDefinition {
  if (!isModelDefinition(candidate)) {
    throw new TypeError("not a symgrad model: expected the object defineModel({ name, inputs, targets, params, outputs, loss }) returns");
  }
  if (CHECKED.has(candidate)) return candidate;
  const c = candidate as unknown as Record<string, unknown>;
  const label = `model ${quoteName(c.name)}`;
  const list = (field: string): unknown[] => {
    const value = c[field];
    if (!Array.isArray(value)) throw new TypeError(`${label}: ${field} must be an array of expressions`);
    return [...value];
  };
  const roles = { inputs: list("inputs"), targets: list("targets"), params: list("params"), outputs: list("outputs") };
  // Recorded dense layers come along as data too: their expressions are adopted in the same walk (the
  // nodes they share with the loss are rebuilt once), then checked against the loss by nn/layers.ts.
  const layers = c.layers === undefined ? [] : Array.isArray(c.layers) ? (c.layers as Record<string, unknown>[]) : undefined;
  if (!layers || !layers.every((l) => typeof l === "object" && l !== null && l.kind === "dense")) {
    throw new TypeError(`${label}: layers must be an array of dense() layers`);
  }
  const layerField = (l: Record<string, unknown>, field: string, j: number): unknown[] => {
    if (!Array.isArray(l[field])) throw new TypeError(`${label}: layers[${j}].${field} must be an array of expressions`);
    return l[field] as unknown[];
  };
  const layerRoots = layers.map((l, j) => ({
    inputs: layerField(l, "inputs", j), params: layerField(l, "params", j), z: layerField(l, "z", j), outputs: layerField(l, "outputs", j),
  }));
  const roots = [
    ...roles.inputs, ...roles.targets, ...roles.params, ...roles.outputs, c.loss,
    ...layerRoots.flatMap((l) => [...l.inputs, ...l.params, ...l.z, ...l.outputs]),
  ];
  const where = [
    ...(["inputs", "targets", "params", "outputs"] as const).flatMap((field) => roles[field].map((_, i) => `${label}: ${field}[${i}]`)),
    `${label}: loss`,
    ...layerRoots.flatMap((l, j) => Array<string>(l.inputs.length + l.params.length + l.z.length + l.outputs.length).fill(`${label}: layers[${j}]`)),
  ];
  const adopted = adoptExprs(roots, where);
  let k = 0;
  const take = (n: number) => adopted.slice(k, (k += n));
  const taken = {
    inputs: take(roles.inputs.length),
    targets: take(roles.targets.length),
    params: take(roles.params.length),
    outputs: take(roles.outputs.length),
    loss: take(1)[0],
  };
  const adoptedLayers = layers.map((l, j) => {
    const inputs = take(layerRoots[j].inputs.length);
    const params = take(layerRoots[j].params.length);
    const z = take(layerRoots[j].z.length);
    const outputs = take(layerRoots[j].outputs.length);
    const fanIn = inputs.length;
    return frozenLayer({
      kind: "dense" as const,
      layer: Number(l.layer),
      activation: String(l.activation) as DenseLayer["activation"],
      inputs,
      weights: z.map((_, u) => params.slice(u * (fanIn + 1), u * (fanIn + 1) + fanIn)),
      biases: z.map((_, u) => params[u * (fanIn + 1) + fanIn]),
      params,
      z,
      outputs,
    });
  });
  return checkModel(
    {
      ...taken,
      name: c.name as string,
      task: c.task as Task,
      layers: adoptedLayers,
    },
    label,
  );
}

/**
 * The model's expressions as the checks walk them: like the DAG itself, except that each unit of a
 * recorded dense layer that is exact by its structure (nn/layers.ts) is a single step whose arguments
 * are the layer's inputs. Such a unit uses exactly its row of parameters plus whatever its inputs use,
 * and its own nodes (the products w·a, their sum, the activation) are this copy's nodes over symbols,
 * which hold no name or constant to check; so a 66 000-weight network is checked in a walk of its
 * units instead of all its weights. Models without recorded layers are walked node by node.
 */
interface ModelGraph {
  readonly argsOf: ArgsOf;
  /** The row of parameters a unit node stands for (undefined for every other node). */
  readonly rowOf: (node: Expr) => readonly Expr[] | undefined;
}

function modelGraph(layers: readonly DenseLayer[]): ModelGraph {
  const units = new Map<Expr, { row: readonly Expr[]; inputs: readonly Expr[] }>();
  for (const layer of layers) {
    if (!isExactByStructure(layer)) continue;
    const width = layer.inputs.length + 1;
    layer.z.forEach((z, j) => {
      const unit = { row: layer.params.slice(j * width, (j + 1) * width), inputs: layer.inputs };
      units.set(z, unit);
      units.set(layer.outputs[j], unit);
    });
  }
  return { argsOf: (n) => units.get(n)?.inputs ?? n.args, rowOf: (n) => units.get(n)?.row };
}

/**
 * The symbols the roots use: the names of those the walk meets, and the parameter rows of the dense units
 * it meets (a unit's z and output share one row, so each row is there once). Rows stay rows: a 66 000-weight
 * network has 512 of them, and turning them into names here cost ~0.1 s per walk.
 */
interface SymbolUse {
  readonly names: ReadonlySet<string>;
  readonly rows: ReadonlySet<readonly Expr[]>;
}

function symbolUse(roots: readonly Expr[], graph: ModelGraph): SymbolUse {
  const names = new Set<string>();
  const rows = new Set<readonly Expr[]>();
  for (const n of topologicalOrder(roots, graph.argsOf)) {
    const row = graph.rowOf(n);
    if (row) rows.add(row);
    else if (n.op === "sym") names.add(n.name);
  }
  return { names, rows };
}

/** Calls `visit` with each name the use holds: the walk's own, then each row's parameters (a name may come twice). */
function forEachName(use: SymbolUse, visit: (name: string) => void): void {
  for (const name of use.names) visit(name);
  for (const row of use.rows) for (const p of row) visit(p.name);
}

/**
 * One walk over the model's DAG: every symbol name and constant valid, and no constant
 * sub-expression that failed to fold to a finite number (log(0), exp(800), 1/7e-310, 10^400: the
 * constructors leave those unfolded, and generated code would compute Infinity or NaN from them).
 */
function checkNodes(roots: readonly Expr[], graph: ModelGraph, fail: (message: string) => never): void {
  for (const n of topologicalOrder(roots, graph.argsOf)) {
    if (graph.rowOf(n)) continue;
    if (n.op === "sym") checkSymbolName(n.name);
    else if (n.op === "num") {
      if (!Number.isFinite(n.value)) fail(`constant ${n.value} is not finite`);
    } else if (n.args.every((a) => a.op === "num")) {
      const value = OPS[n.op].evaluate(n.args.map((a) => a.value));
      fail(`the constant sub-expression ${show(n)} is ${value}, not a finite number`);
    }
  }
}

/** checkModel's role codes for inputs and targets (a parameter's code is its index, ≥ 0). */
const INPUT = -1;
const TARGET = -2;

function checkModel(spec: ModelSpec, label: string): ModelDefinition {
  const name = typeof spec?.name === "string" ? spec.name : "";
  const fail = (message: string): never => {
    throw new Error(`${label}: ${message}`);
  };
  if (!MODEL_NAME.test(name) || name.length > MAX_MODEL_NAME_LENGTH) {
    fail(`name must match ${MODEL_NAME} and have at most ${MAX_MODEL_NAME_LENGTH} characters (it names a file and an export), got ${quoteName(spec?.name)}`);
  }
  if (RESERVED_MODEL_NAMES.has(name)) fail(`"${name}" is reserved for the registry: the generator writes ${name}.ts itself`);

  // Each symbol's role by name, as a number: a parameter's index in params (so that the loss's use of it
  // is marked in an array, not a set of 66 000 names), INPUT or TARGET for the others.
  const roleCode = new Map<string, number>();
  const roleName = (code: number) => (code === INPUT ? "inputs" : code === TARGET ? "targets" : "params");
  const roles = [["inputs", spec.inputs], ["targets", spec.targets], ["params", spec.params]] as const;
  for (const [role, list] of roles) {
    if (!Array.isArray(list) || list.length === 0) fail(`${role} must be a non-empty array of symbols`);
    list.forEach((s, k) => {
      if (!(s instanceof Expr) || s.op !== "sym") fail(`${role} must contain only symbols, got ${String(s)}`);
      const other = roleCode.get(s.name);
      if (other !== undefined && roleName(other) === role) fail(`symbol "${s.name}" appears twice in ${role}`);
      if (other !== undefined) fail(`symbol "${s.name}" is in both ${roleName(other)} and ${role}`);
      roleCode.set(s.name, role === "params" ? k : role === "inputs" ? INPUT : TARGET);
    });
  }
  if (!(spec.loss instanceof Expr)) fail("loss must be an Expr");
  if (!Array.isArray(spec.outputs) || spec.outputs.length === 0) fail("outputs must be a non-empty array of Expr");
  spec.outputs.forEach((o, i) => {
    if (!(o instanceof Expr)) fail(`outputs[${i}] is not an Expr`);
  });

  if (spec.layers !== undefined && !(Array.isArray(spec.layers) && spec.layers.every((l) => l?.kind === "dense"))) {
    fail("layers must be an array of dense() layers");
  }

  const graph = modelGraph(spec.layers ?? []);
  const sorted = (names: Set<string>) => [...names].sort().join(", ");
  // One pass over the names the loss uses: each must have a role; the parameters among them are used.
  const lossUse = symbolUse([spec.loss], graph);
  const lossUnknown = new Set<string>();
  const usedByLoss = new Uint8Array(spec.params.length);
  forEachName(lossUse, (name) => {
    const code = roleCode.get(name);
    if (code === undefined) lossUnknown.add(name);
    else if (code >= 0) usedByLoss[code] = 1;
  });
  if (lossUnknown.size > 0) fail(`loss uses symbols in no role: ${sorted(lossUnknown)}`);
  const outputUnknown = new Set<string>();
  const outputTargets = new Set<string>();
  forEachName(symbolUse(spec.outputs, graph), (name) => {
    const code = roleCode.get(name);
    if (code === undefined) outputUnknown.add(name);
    else if (code === TARGET) outputTargets.add(name);
  });
  if (outputUnknown.size > 0) fail(`outputs use symbols in no role: ${sorted(outputUnknown)}`);
  if (outputTargets.size > 0) fail(`outputs must not depend on targets (predict has none): ${sorted(outputTargets)}`);

  // A parameter the loss ignores would get a zero gradient forever: always a modelling mistake.
  const unused = spec.params.filter((_, k) => usedByLoss[k] === 0).map((p) => p.name);
  if (unused.length > 0) fail(`the loss does not depend on parameter(s) ${unused.join(", ")}`);

  checkNodes([spec.loss, ...spec.outputs], graph, fail);

  const task = spec.task ?? inferTask(spec.outputs);
  if (!["binary", "multiclass", "regression"].includes(task)) fail(`unknown task "${task}"`);
  const definition: ModelDefinition = Object.freeze({
    kind: "symgrad-model" as const,
    name,
    inputs: Object.freeze([...spec.inputs]),
    targets: Object.freeze([...spec.targets]),
    params: Object.freeze([...spec.params]),
    outputs: Object.freeze([...spec.outputs]),
    loss: spec.loss,
    task,
    layers: Object.freeze((spec.layers ?? []).map(frozenLayer)),
  });
  if (ownNodesOnly(definition)) CHECKED.add(definition);
  return definition;
}

/** The record itself when it and its arrays are frozen already (dense() makes them so), else a frozen copy. */
function frozenLayer(layer: DenseLayer): DenseLayer {
  const lists = [layer.inputs, layer.weights, layer.biases, layer.params, layer.z, layer.outputs];
  // A malformed record stays as it is: nn/layers.ts refuses it when it plans the layers.
  if (!lists.every(Array.isArray) || !layer.weights.every(Array.isArray)) return layer;
  if (Object.isFrozen(layer) && [...lists, ...layer.weights].every((list) => Object.isFrozen(list))) return layer;
  return Object.freeze({
    ...layer,
    inputs: Object.freeze([...layer.inputs]),
    weights: Object.freeze(layer.weights.map((row) => Object.freeze([...row]))),
    biases: Object.freeze([...layer.biases]),
    params: Object.freeze([...layer.params]),
    z: Object.freeze([...layer.z]),
    outputs: Object.freeze([...layer.outputs]),
  });
}

/**
 * Whether every expression the definition holds is a node this copy's constructors made. Arguments of
 * such nodes are such nodes too, so the roots decide: a lookalike anywhere (which `instanceof` lets
 * through) keeps the definition out of CHECKED, and validateModel adopts it node by node.
 */
function ownNodesOnly(d: ModelDefinition): boolean {
  const all = (list: unknown) => Array.isArray(list) && Object.isFrozen(list) && list.every(isGenuine);
  return isGenuine(d.loss) && [d.inputs, d.targets, d.params, d.outputs].every(all) &&
    d.layers.every((l) => [l.inputs, l.biases, l.params, l.z, l.outputs, ...l.weights].every(all));
}

/**
 * One sigmoid output → "binary"; several outputs that are a softmax → "multiclass"; else "regression".
 * Recognised on the simplified outputs, so a literal 1/(1 + exp(−z)) counts as a sigmoid.
 */
export function inferTask(outputs: readonly Expr[]): Task {
  const simplified = simplifyAll(outputs);
  if (simplified.length === 1 && simplified[0].op === "sigmoid") return "binary";
  const isSoftmax = (o: Expr) => o.op === "exp" && o.args[0].op === "add" && o.args[0].args.some(
    (t) => t.op === "mul" && t.args.some((f) => f.op === "logsumexp"),
  );
  if (simplified.length > 1 && simplified.every(isSoftmax)) return "multiclass";
  return "regression";
}
