/**
 * symgrad check MODEL_FILE: is the generated code right for this model?
 *
 * Generates the module in memory and compares, on seeded points, its loss and gradient with two
 * oracles that share nothing with the emitted code: the expression interpreter (`evaluate` on the
 * model's own loss and its symbolic gradient) and central finite differences of the generated loss.
 * Points come at three parameter scales (×1, ×30, ×300) so saturated units (|pre-activation| in the
 * hundreds) are covered. Prints the worst errors; exit 1 if any tolerance is exceeded.
 */
import { parseArgs } from "node:util";
import { createRng, type Rng } from "../../src/rng.ts";
import { UsageError } from "../errors.ts";
import { loadModelFile } from "../inputs.ts";
import { importTypeScript } from "../load.ts";
import type { ModelDefinition } from "../model.ts";
import { generateModule } from "../pipeline.ts";
import { gradient } from "../symbolic/differentiate.ts";
import { evaluate } from "../symbolic/evaluate.ts";
import { table } from "./report.ts";

export const CHECK_HELP = `Usage: symgrad check MODEL_FILE [--seed SEED] [--points N] [--rows N]

Checks the code symgrad generates for a model against the expression interpreter and against central
finite differences, on seeded points at parameter scales ×1, ×30 and ×300 (saturated units included).
The interpreter checks every gradient component; finite differences check every one too, or, in a
model of more than 512 parameters, 512 of them per point, evenly spaced and different at each point.
Prints the worst relative errors; exit 0 if all are within tolerance, 1 if not, 2 on bad input.

Options:
  --seed SEED   seed for the points (default: 42)
  --points N    points per scale (default: 3)
  --rows N      rows per point (default: 8)
  -h, --help    show this help`;

/** Generated vs interpreter: both evaluate the same stable forms in float64, so they agree closely. */
const INTERPRETER_TOLERANCE = 1e-9;
/** The step of a central difference, relative to the parameter (at least 1 in size). */
const DIFFERENCE_STEP = 1e-5;
/** Central differences with that step are accurate to about h² and rounding: ~1e-6 relative. */
const DIFFERENCE_TOLERANCE = 1e-4;

/**
 * How many units in the last place of the loss a central difference may carry from rounding alone (a
 * batch's loss is a sum over its rows of a few rounded operations each): below that many ulps of the
 * loss divided by the step, a difference cannot see the gradient. Saturated units make such gradients:
 * tanh at pre-activations of a few hundred has a slope of 1e-100, which a difference reads as 0 or as
 * noise; the interpreter still checks those components exactly.
 */
const LOSS_ROUNDING_ULPS = 100;

export interface GeneratedFunctions {
  loss(params: Float64Array, X: Float64Array, Y: Float64Array): number;
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
}

export interface Point {
  scale: number;
  params: Float64Array;
  X: Float64Array;
  Y: Float64Array;
}

/** Targets a model of this task can take: 0/1 labels, one-hot rows, or real values. */
function randomTargets(model: ModelDefinition, rows: number, rng: Rng): Float64Array {
  const width = model.targets.length;
  const Y = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    if (model.task === "binary") Y[r * width] = rng.uniform() < 0.5 ? 0 : 1;
    else if (model.task === "multiclass") Y[r * width + Math.floor(rng.uniform() * width)] = 1;
    else for (let j = 0; j < width; j++) Y[r * width + j] = rng.normal();
  }
  return Y;
}

function points(model: ModelDefinition, count: number, rows: number, seed: string): Point[] {
  const rng = createRng(`${seed}/check`);
  const result: Point[] = [];
  for (const scale of [1, 30, 300]) {
    for (let k = 0; k < count; k++) {
      const params = Float64Array.from(model.params, () => scale * rng.normal());
      const X = Float64Array.from({ length: rows * model.inputs.length }, () => rng.normal());
      result.push({ scale, params, X, Y: randomTargets(model, rows, rng) });
    }
  }
  return result;
}

/** Mean loss and mean gradient over the rows, by the interpreter on the model's own expressions. */
function interpreted(model: ModelDefinition, grads: readonly ReturnType<typeof gradient>[number][], p: Point) {
  const rows = p.Y.length / model.targets.length;
  const sums = new Float64Array(1 + model.params.length);
  for (let r = 0; r < rows; r++) {
    const env: Record<string, number> = {};
    model.params.forEach((s, k) => (env[s.name] = p.params[k]));
    model.inputs.forEach((s, j) => (env[s.name] = p.X[r * model.inputs.length + j]));
    model.targets.forEach((s, j) => (env[s.name] = p.Y[r * model.targets.length + j]));
    evaluate([model.loss, ...grads], env).forEach((v, i) => (sums[i] += v));
  }
  return sums.map((s) => s / rows);
}

const relativeError = (a: number, b: number, floor: number) =>
  Number.isNaN(a) || Number.isNaN(b) ? Infinity : a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);

interface Worst {
  error: number;
  where: string;
}

export async function checkCommand(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(CHECK_HELP);
    return 0;
  }
  const { model } = await loadModelFile(options.file);
  const generated = (await importTypeScript((await generateModule(model)).content)) as unknown as GeneratedFunctions;
  const grads = gradient(model.loss, model.params);
  const names = ["loss", ...model.params.map((p) => `∂/∂${p.name}`)];

  const worstInterpreter = new Map<number, Worst>();
  const worstDifference = new Map<number, Worst>();
  const note = (map: Map<number, Worst>, scale: number, error: number, where: string) => {
    if (!(error <= (map.get(scale)?.error ?? -1))) map.set(scale, { error, where });
  };
  for (const [index, p] of points(model, options.points, options.rows, options.seed).entries()) {
    const grad = new Float64Array(model.params.length);
    const loss = generated.lossAndGradient(p.params, p.X, p.Y, grad);
    const reference = interpreted(model, grads, p);
    const gradScale = largestMagnitude(grad);
    [loss, ...grad].forEach((v, i) => {
      const floor = i === 0 ? 1e-300 : gradScale * 1e-12;
      note(worstInterpreter, p.scale, relativeError(v, reference[i], floor), `point ${index}, ${names[i]}`);
    });
    const sampled = differenceSample(model.params.length, index);
    differenceErrors(generated, p, grad, sampled).forEach((error, j) => {
      note(worstDifference, p.scale, error, `point ${index}, ${names[sampled[j] + 1]}`);
    });
  }
  return printReport(worstInterpreter, worstDifference);
}

/**
 * Each of `components` (indices; default: all) of `grad`, the gradient at p, against a central
 * difference of the loss, as a relative error: relative to the largest component (a tiny component is
 * judged against the largest one), and never asked to agree more closely than the difference can
 * resolve (LOSS_ROUNDING_ULPS).
 *
 * A component that disagrees is tried again with half the step, because the difference itself may be
 * what is off: its truncation error (h²·f'''/6) is large where the loss bends sharply within a step, as
 * it does through layers of saturated units at the ×300 scale (2-128-128-1 read 4.2e-4 there). The two
 * steps give Richardson's extrapolation, and their disagreement a bound on its error, which the
 * component is then judged within. Where the difference is accurate, that bound is small, and a wrong
 * gradient still fails.
 */
export function differenceErrors(
  f: GeneratedFunctions,
  p: Point,
  grad: Float64Array,
  components: readonly number[] = Array.from(grad, (_, k) => k),
): number[] {
  const gradScale = largestMagnitude(grad);
  const judged = (g: number, value: number, uncertainty: number) =>
    relativeError(g, value, Math.max(gradScale, uncertainty / DIFFERENCE_TOLERANCE));
  return components.map((k) => {
    const g = grad[k];
    const coarse = centralDifference(f, p, k, DIFFERENCE_STEP);
    const error = judged(g, coarse.value, coarse.resolution);
    if (error <= DIFFERENCE_TOLERANCE) return error;
    const fine = centralDifference(f, p, k, DIFFERENCE_STEP / 2);
    const extrapolated = fine.value + (fine.value - coarse.value) / 3;
    return judged(g, extrapolated, fine.resolution + Math.abs(fine.value - coarse.value));
  });
}

/**
 * The largest |v|, at least 1e-300 (a loop: spreading a gradient into Math.max overflows the stack from
 * ~120 000 parameters).
 */
function largestMagnitude(values: Float64Array): number {
  let largest = 1e-300;
  for (const v of values) largest = Math.max(largest, Math.abs(v));
  return largest;
}

/**
 * Most gradient components per point checked against finite differences: each costs two loss
 * evaluations (four if it is tried again); checking all 17 025 of 2-128-128-1's took 80 s.
 */
const MAX_DIFFERENCES = 512;

/**
 * Which components point number `point` checks against finite differences: all of them, or
 * MAX_DIFFERENCES evenly spaced ones, shifted at each point (by the golden ratio's fraction of a
 * spacing) so that the points between them check different parameters of every layer.
 */
export function differenceSample(count: number, point: number): number[] {
  if (count <= MAX_DIFFERENCES) return Array.from({ length: count }, (_, k) => k);
  const shift = (point * 0.6180339887498949) % 1;
  return Array.from({ length: MAX_DIFFERENCES }, (_, j) => Math.floor(((j + shift) * count) / MAX_DIFFERENCES));
}

/** ∂loss/∂params[k] by a central difference, and the smallest slope it can tell from 0 (rounding). */
function centralDifference(f: GeneratedFunctions, p: Point, k: number, relativeStep: number): { value: number; resolution: number } {
  const params = Float64Array.from(p.params);
  const h = relativeStep * Math.max(1, Math.abs(params[k]));
  const [above, below] = [p.params[k] + h, p.params[k] - h];
  params[k] = above;
  const up = f.loss(params, p.X, p.Y);
  params[k] = below;
  const down = f.loss(params, p.X, p.Y);
  const step = above - below; // the step float64 actually took
  const resolution = (LOSS_ROUNDING_ULPS * Number.EPSILON * Math.max(Math.abs(up), Math.abs(down))) / step;
  return { value: (up - down) / step, resolution };
}

function printReport(interpreter: Map<number, Worst>, difference: Map<number, Worst>): number {
  const rows = [["parameter scale", "vs interpreter", "where", "vs finite differences", "where"]];
  let failed = false;
  for (const scale of [...interpreter.keys()].sort((a, b) => a - b)) {
    const i = interpreter.get(scale)!;
    const d = difference.get(scale)!;
    failed ||= !(i.error <= INTERPRETER_TOLERANCE) || !(d.error <= DIFFERENCE_TOLERANCE);
    const at = (w: Worst) => (w.error === 0 ? "(all equal)" : w.where);
    rows.push([`×${scale}`, i.error.toExponential(1), at(i), d.error.toExponential(1), at(d)]);
  }
  console.log(table(rows));
  console.log(
    `tolerances: interpreter ${INTERPRETER_TOLERANCE}, finite differences ${DIFFERENCE_TOLERANCE} (relative, or within ` +
      `the difference's own error: ${LOSS_ROUNDING_ULPS} ulps of the loss over the step, and its truncation from a second step)`,
  );
  console.log(failed ? "FAILED: the generated gradient disagrees with an oracle" : "ok");
  return failed ? 1 : 0;
}

function parseOptions(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        seed: { type: "string", default: "42" },
        points: { type: "string", default: "3" },
        rows: { type: "string", default: "8" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${CHECK_HELP}`);
  }
  const { values, positionals } = parsed;
  const count = (flag: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--${flag}: expected a whole number 1…1000, got ${text}`);
    return n;
  };
  if (values.help) return { help: true, file: "", seed: "", points: 0, rows: 0 };
  if (positionals.length !== 1) throw new UsageError(`expected one model file, got ${positionals.length}\n\n${CHECK_HELP}`);
  return {
    help: false,
    file: positionals[0],
    seed: values.seed!,
    points: count("points", values.points!),
    rows: count("rows", values.rows!),
  };
}
