/**
 * The training worker: loads the chosen generated module, runs epochs in slices of a few milliseconds, and
 * posts a snapshot (metrics, parameters, the predicted surface and hidden units over the input square) about
 * 30 times a second, so the page only draws.
 */
import type { GeneratedModel } from "../contract.ts";
import { CATALOGUE, customEntry } from "./catalogue.ts";
import { modelInputs, supportsInputs } from "./features.ts";
import { NEURON_GRID, type FromWorker, type ModelChoice, type Ready, type Snapshot, type ToWorker } from "./protocol.ts";
import { Trainer, datasetsFor, splitData, type TrainerSettings } from "./trainer.ts";

/** Milliseconds of epochs between checks for messages; snapshots every SNAPSHOT_MS at most. */
const SLICE_MS = 8;
const SNAPSHOT_MS = 33;
/** Epochs run between clock checks, sized from the last batch to take about CHECK_MS. */
const CHECK_MS = 0.5;
let epochsPerCheck = 1;
/**
 * A snapshot predicts over the whole grid (and the probe over its own, coarser grid): for a 2-16-16-1 net
 * that costs milliseconds, so snapshots are spaced to take at most this share of the worker's time.
 */
const SNAPSHOT_SHARE = 0.35;

interface Session {
  model: GeneratedModel;
  probe?: GeneratedModel;
  settings: TrainerSettings;
  trainer: Trainer;
  grid: number;
  /** Model inputs for every grid point (and neuron-grid point), and the buffers predict writes into. */
  gridInputs: Float64Array;
  neuronInputs: Float64Array;
  surface: Float64Array;
  neuronSurface: Float64Array;
}

let session: Session | undefined;
let running = false;
let stopped = "";
let problem = "";
/** Recent (time, epoch) samples for epochs per second over about the last second. */
let rate: { time: number; epoch: number }[] = [];
let lastSnapshot = 0;
/** How long the last snapshot took (ms), to space the next one. */
let snapshotCost = 0;
/** A counter that ignores stale setups when the page asks for several in a row. */
let generation = 0;

const post = (message: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(message, transfer);

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "setup":
      void setup(message.model, message.settings, message.grid);
      return;
    case "run":
      if (!session || running) return;
      running = true;
      stopped = "";
      problem = "";
      rate = [];
      scheduleSlice();
      return;
    case "pause":
      running = false;
      if (session) snapshot();
      return;
    case "step":
      if (!session) return;
      running = false;
      trainEpoch(session);
      snapshot();
      return;
    case "reset":
      if (!session) return;
      running = false;
      reset(session.model, session.probe, session.settings, session.grid);
      return;
  }
};

async function loadModel(choice: ModelChoice): Promise<{ model: GeneratedModel; probe?: GeneratedModel }> {
  const entry = choice.custom ? customEntry(choice.custom) : CATALOGUE[choice.name];
  if (!entry) throw new Error(`unknown model "${choice.name}"; valid: ${Object.keys(CATALOGUE).join(", ")}`);
  const model = await entry.load();
  // The hidden-unit maps are an extra: a probe that fails to load leaves the model trainable.
  const probe = entry.probe ? await entry.probe().catch(() => undefined) : undefined;
  const sameParams = probe && probe.PARAM_NAMES.every((name, i) => name === model.PARAM_NAMES[i]);
  return { model, probe: sameParams ? probe : undefined };
}

async function setup(choice: ModelChoice, settings: TrainerSettings, grid: number): Promise<void> {
  const mine = ++generation;
  running = false;
  try {
    const { model, probe } = await loadModel(choice);
    if (mine !== generation) return;
    if (!supportsInputs(model.INPUT_NAMES)) throw new Error(`model ${model.MODEL.name} reads inputs the playground cannot make`);
    const datasets = datasetsFor(model.MODEL.task);
    let fitting = datasets.includes(settings.data) ? settings : { ...settings, data: datasets[0], noise: undefined };
    let notice = "";
    if (fitting.optimizer === "newton" && !model.hessianVectorProduct) {
      notice = `newton needs the module's hessianVectorProduct, which ${model.MODEL.name} does not export: using lbfgs`;
      fitting = { ...fitting, optimizer: "lbfgs" };
    }
    reset(model, probe, fitting, grid, notice);
  } catch (error) {
    post({ type: "error", message: (error as Error).message });
  }
}

function reset(model: GeneratedModel, probe: GeneratedModel | undefined, settings: TrainerSettings, grid: number, notice = ""): void {
  const data = splitData(model, settings);
  const trainer = new Trainer(model, data, settings);
  epochsPerCheck = 1; // a new model's epochs may take far longer than the last one's
  const domain = squareAround(data.points);
  const gridInputs = modelInputs(gridPoints(grid, domain), model.INPUT_NAMES);
  const neuronInputs = modelInputs(gridPoints(NEURON_GRID, domain), model.INPUT_NAMES);
  const neurons = probe ? probe.MODEL.outputs : 0;
  session = {
    model,
    probe,
    settings,
    trainer,
    grid,
    gridInputs,
    neuronInputs,
    surface: new Float64Array(grid * grid * model.MODEL.outputs),
    neuronSurface: new Float64Array(NEURON_GRID * NEURON_GRID * neurons),
  };
  stopped = "";
  problem = "";
  const ready: Ready = {
    type: "ready",
    modelName: model.MODEL.name,
    task: model.MODEL.task,
    outputs: model.MODEL.outputs,
    paramNames: model.PARAM_NAMES,
    inputNames: model.INPUT_NAMES,
    ops: model.MODEL.ops,
    points: data.points,
    targets: data.targets,
    targetWidth: model.TARGET_NAMES.length,
    isTest: data.isTest,
    domain,
    neurons,
    datasets: datasetsFor(model.MODEL.task),
    optimizer: settings.optimizer,
    hasHessianVectorProduct: model.hessianVectorProduct !== undefined,
    notice,
  };
  post(ready);
  snapshot();
}

function trainEpoch(s: Session): boolean {
  const loss = s.trainer.step();
  if (s.trainer.finished) {
    running = false;
    stopped = s.trainer.finished;
    return false;
  }
  if (Number.isFinite(loss)) return true;
  running = false;
  problem = `the loss became ${loss} at epoch ${s.trainer.epoch - 1}: lower the learning rate and reset`;
  return false;
}

/** Runs epochs for SLICE_MS, then yields (a MessageChannel hop, which is not clamped like setTimeout). */
const channel = new MessageChannel();
channel.port1.onmessage = () => slice();
function scheduleSlice(): void {
  channel.port2.postMessage(null);
}

function slice(): void {
  const s = session;
  if (!s || !running) return;
  const start = performance.now();
  const spacing = Math.max(SNAPSHOT_MS, (snapshotCost * (1 - SNAPSHOT_SHARE)) / SNAPSHOT_SHARE);
  // Stop at the end of the slice, or as soon as a snapshot is due, so a slow model's epochs never hold
  // back the views (16 epochs of 2-16-16-1 between clock checks once cost 80 ms on a loaded machine).
  const end = Math.min(start + SLICE_MS, lastSnapshot + spacing);
  let now = start;
  do {
    const batchStart = now;
    let done = 0;
    while (done < epochsPerCheck && running && trainEpoch(s)) done++;
    now = performance.now();
    if (done > 0) epochsPerCheck = epochsFor(CHECK_MS, (now - batchStart) / done);
  } while (running && now < end);
  if (!running || now - lastSnapshot >= spacing) snapshot();
  if (running) scheduleSlice();
}

/** Epochs that fit in `ms` at `msPerEpoch` each: at least one, and at most 256 between clock checks. */
function epochsFor(ms: number, msPerEpoch: number): number {
  return Math.max(1, Math.min(256, Math.floor(ms / Math.max(msPerEpoch, 1e-4))));
}

function snapshot(): void {
  const s = session;
  if (!s) return;
  const now = performance.now();
  lastSnapshot = now;
  rate.push({ time: now, epoch: s.trainer.epoch });
  while (rate.length > 2 && now - rate[1].time > 1000) rate.shift();
  const first = rate[0];
  const epochsPerSecond = running && now > first.time ? ((s.trainer.epoch - first.epoch) * 1000) / (now - first.time) : 0;
  s.model.predict(s.trainer.params, s.gridInputs, s.surface);
  if (s.probe) s.probe.predict(s.trainer.params, s.neuronInputs, s.neuronSurface);
  const message: Snapshot = {
    type: "snapshot",
    ...s.trainer.metrics(),
    epoch: s.trainer.epoch,
    running,
    epochsPerSecond,
    params: Float64Array.from(s.trainer.params),
    surface: Float64Array.from(s.surface),
    neuronSurface: Float64Array.from(s.neuronSurface),
    stopped,
    problem,
  };
  post(message, [message.params.buffer, message.surface.buffer, message.neuronSurface.buffer]);
  snapshotCost = performance.now() - now;
}

/** A square a little larger than the points' bounding box on both axes. */
function squareAround(points: Float64Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of points) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const pad = 0.08 * (max - min || 1);
  return [min - pad, max + pad];
}

/** grid×grid (x1, x2) points, row-major from the top-left corner (x2 at its largest). */
function gridPoints(grid: number, [min, max]: [number, number]): Float64Array {
  const points = new Float64Array(grid * grid * 2);
  const step = (max - min) / (grid - 1);
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      const i = row * grid + col;
      points[2 * i] = min + col * step;
      points[2 * i + 1] = max - row * step;
    }
  }
  return points;
}
