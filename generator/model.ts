/**
 * defineModel: a model's roles (inputs, targets, parameters), its outputs and its per-sample loss,
 * checked once, with errors that name the model and the offending symbols.
 *
 * validateModel: the same checks on whatever object a model file exported, at generation time. A
 * model file is code, so its export is treated as data: every node is re-adopted through the
 * constructors (symbolic/adopt.ts), every name and constant checked again, before any text is emitted.
 */
import { adoptExprs } from "./symbolic/adopt.ts";
import { Expr } from "./symbolic/expr.ts";
import { freeSymbols, topologicalOrder } from "./symbolic/dag.ts";
import { checkSymbolName } from "./symbolic/names.ts";
import { OPS } from "./symbolic/ops.ts";
import { show } from "./symbolic/show.ts";
import { simplifyAll } from "./symbolic/simplify.ts";

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
  const c = candidate as unknown as Record<string, unknown>;
  const label = `model ${quoteName(c.name)}`;
  const list = (field: string): unknown[] => {
    const value = c[field];
    if (!Array.isArray(value)) throw new TypeError(`${label}: ${field} must be an array of expressions`);
    return [...value];
  };
  const roles = { inputs: list("inputs"), targets: list("targets"), params: list("params"), outputs: list("outputs") };
  const roots = [...roles.inputs, ...roles.targets, ...roles.params, ...roles.outputs, c.loss];
  const where = [
    ...(["inputs", "targets", "params", "outputs"] as const).flatMap((field) => roles[field].map((_, i) => `${label}: ${field}[${i}]`)),
    `${label}: loss`,
  ];
  const adopted = adoptExprs(roots, where);
  let k = 0;
  const take = (n: number) => adopted.slice(k, (k += n));
  return checkModel(
    {
      name: c.name as string,
      inputs: take(roles.inputs.length),
      targets: take(roles.targets.length),
      params: take(roles.params.length),
      outputs: take(roles.outputs.length),
      loss: take(1)[0],
      task: c.task as Task,
    },
    label,
  );
}

/**
 * One walk over the model's DAG: every symbol name and constant valid, and no constant
 * sub-expression that failed to fold to a finite number (log(0), exp(800), 1/7e-310, 10^400: the
 * constructors leave those unfolded, and generated code would compute Infinity or NaN from them).
 */
function checkNodes(roots: readonly Expr[], fail: (message: string) => never): void {
  for (const n of topologicalOrder(roots)) {
    if (n.op === "sym") checkSymbolName(n.name);
    else if (n.op === "num") {
      if (!Number.isFinite(n.value)) fail(`constant ${n.value} is not finite`);
    } else if (n.args.every((a) => a.op === "num")) {
      const value = OPS[n.op].evaluate(n.args.map((a) => a.value));
      fail(`the constant sub-expression ${show(n)} is ${value}, not a finite number`);
    }
  }
}

function checkModel(spec: ModelSpec, label: string): ModelDefinition {
  const name = typeof spec?.name === "string" ? spec.name : "";
  const fail = (message: string): never => {
    throw new Error(`${label}: ${message}`);
  };
  if (!MODEL_NAME.test(name) || name.length > MAX_MODEL_NAME_LENGTH) {
    fail(`name must match ${MODEL_NAME} and have at most ${MAX_MODEL_NAME_LENGTH} characters (it names a file and an export), got ${quoteName(spec?.name)}`);
  }
  if (RESERVED_MODEL_NAMES.has(name)) fail(`"${name}" is reserved for the registry: the generator writes ${name}.ts itself`);

  const roles = { inputs: spec.inputs, targets: spec.targets, params: spec.params } as const;
  const roleOf = new Map<string, string>();
  for (const [role, list] of Object.entries(roles)) {
    if (!Array.isArray(list) || list.length === 0) fail(`${role} must be a non-empty array of symbols`);
    for (const s of list) {
      if (!(s instanceof Expr) || s.op !== "sym") fail(`${role} must contain only symbols, got ${String(s)}`);
      const other = roleOf.get(s.name);
      if (other === role) fail(`symbol "${s.name}" appears twice in ${role}`);
      if (other) fail(`symbol "${s.name}" is in both ${other} and ${role}`);
      roleOf.set(s.name, role);
    }
  }
  if (!(spec.loss instanceof Expr)) fail("loss must be an Expr");
  if (!Array.isArray(spec.outputs) || spec.outputs.length === 0) fail("outputs must be a non-empty array of Expr");
  spec.outputs.forEach((o, i) => {
    if (!(o instanceof Expr)) fail(`outputs[${i}] is not an Expr`);
  });

  const unknown = (names: Set<string>) => [...names].filter((n) => !roleOf.has(n)).sort();
  const lossSymbols = freeSymbols([spec.loss]);
  const lossUnknown = unknown(lossSymbols);
  if (lossUnknown.length > 0) fail(`loss uses symbols in no role: ${lossUnknown.join(", ")}`);
  const outputSymbols = freeSymbols(spec.outputs);
  const outputUnknown = unknown(outputSymbols);
  if (outputUnknown.length > 0) fail(`outputs use symbols in no role: ${outputUnknown.join(", ")}`);
  const outputTargets = [...outputSymbols].filter((n) => roleOf.get(n) === "targets").sort();
  if (outputTargets.length > 0) fail(`outputs must not depend on targets (predict has none): ${outputTargets.join(", ")}`);

  // A parameter the loss ignores would get a zero gradient forever: always a modelling mistake.
  const unused = spec.params.filter((p) => !lossSymbols.has(p.name)).map((p) => p.name);
  if (unused.length > 0) fail(`the loss does not depend on parameter(s) ${unused.join(", ")}`);

  checkNodes([spec.loss, ...spec.outputs], fail);

  const task = spec.task ?? inferTask(spec.outputs);
  if (!["binary", "multiclass", "regression"].includes(task)) fail(`unknown task "${task}"`);
  return Object.freeze({
    kind: "symgrad-model" as const,
    name,
    inputs: [...spec.inputs],
    targets: [...spec.targets],
    params: [...spec.params],
    outputs: [...spec.outputs],
    loss: spec.loss,
    task,
  });
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
