/**
 * One training worker (started by pool.ts through its bootstrap). It imports the generated module the
 * main thread trains, then loops: wait for a command, run the module's batch function on its own
 * contiguous shard of the rows, leave the shard's sums (not means) in shared memory, count itself done.
 * It never allocates in steady state: the views on the rows are made once per (source, row count).
 *
 * A failure (the module does not load, is not the trained one, or throws) is written as one line into
 * this worker's error slot; the main thread reads it and raises it. The worker never throws past here.
 */
import { receiveMessageOnPort, workerData } from "node:worker_threads";
import type { GeneratedModel } from "../contract.ts";
import {
  COMMAND, ERROR_BYTES, SLOT, SOURCE, STATUS, shardOf,
  type Command, type StagingMessage, type WorkerData,
} from "./protocol.ts";

const { index, count, moduleUrl, expected, shared, port } = workerData as WorkerData;
const control = new Int32Array(shared.control);
const status = new Int32Array(shared.status);
const errorText = new Uint8Array(shared.errorText, index * ERROR_BYTES, ERROR_BYTES);
const errorLength = new Int32Array(shared.errorLength);
const params = new Float64Array(shared.params);
const vector = new Float64Array(shared.vector);
const partial = new Float64Array(shared.partials, index * expected.params * 8, expected.params);
const partialLoss = new Float64Array(shared.partialLoss);
const dataset = { X: new Float64Array(shared.X), Y: new Float64Array(shared.Y) };
let staging = { X: new Float64Array(new SharedArrayBuffer(0)), Y: new Float64Array(new SharedArrayBuffer(0)), version: 0 };

function fail(error: unknown): void {
  const message = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
  const oneLine = message.replace(/\s*\n\s*/g, " ").trim() || "unknown error";
  errorLength[index] = new TextEncoder().encodeInto(oneLine, errorText).written;
  Atomics.store(status, index, STATUS.failed);
}

function signalDone(): void {
  Atomics.add(control, SLOT.done, 1);
  Atomics.notify(control, SLOT.done);
}

async function loadModule(): Promise<GeneratedModel> {
  const module = (await import(moduleUrl)) as Partial<GeneratedModel>;
  const info = module.MODEL;
  if (info?.hash !== expected.hash || info.name !== expected.name) {
    const found = info ? `model ${info.name} (hash ${info.hash})` : "no MODEL export";
    const source = moduleUrl.startsWith("data:") ? "the module it loaded" : moduleUrl;
    throw new Error(
      `${source} has ${found}, not the trained model ${expected.name} (hash ${expected.hash}); workers must load the trained module itself (workerModule)`,
    );
  }
  return module as GeneratedModel;
}

/** The views on a shard's rows, made once per (source, rows) and kept: commands repeat the same few shapes. */
const shardViews = new Map<number, { X: Float64Array; Y: Float64Array; size: number }>();

function viewsFor(source: number, rows: number) {
  const key = rows * 2 + source;
  let views = shardViews.get(key);
  if (views === undefined) {
    const rowsOf = source === SOURCE.dataset ? dataset : staging;
    const { start, end } = shardOf(index, count, rows);
    views = {
      X: rowsOf.X.subarray(start * expected.inputs, end * expected.inputs),
      Y: rowsOf.Y.subarray(start * expected.targets, end * expected.targets),
      size: end - start,
    };
    if (shardViews.size >= 16) shardViews.clear(); // a few shapes repeat; never let odd ones pile up
    shardViews.set(key, views);
  }
  return views;
}

/** Takes the staging buffers the main thread posted for the current staging version. */
function refreshStaging(): void {
  const version = Atomics.load(control, SLOT.stagingVersion);
  while (staging.version !== version) {
    const received = receiveMessageOnPort(port);
    if (received === undefined) continue; // posted before the version was bumped: it is on its way
    const { X, Y } = received.message as StagingMessage;
    staging = { X: new Float64Array(X), Y: new Float64Array(Y), version: staging.version + 1 };
    for (const key of shardViews.keys()) if (key % 2 === SOURCE.staging) shardViews.delete(key);
  }
}

function scale(values: Float64Array, factor: number): void {
  for (let k = 0; k < values.length; k++) values[k] *= factor;
}

/** Runs one command on this worker's shard, leaving sums over the shard in shared memory. */
function run(model: GeneratedModel, command: Command): void {
  const source = control[SLOT.source];
  if (source === SOURCE.staging) refreshStaging();
  const { X, Y, size } = viewsFor(source, control[SLOT.rows]);
  if (size === 0) {
    // More workers than rows in this batch: this shard is empty and adds nothing.
    partialLoss[index] = 0;
    partial.fill(0);
    return;
  }
  let meanLoss: number;
  if (command === COMMAND.loss) {
    meanLoss = model.loss(params, X, Y);
  } else if (command === COMMAND.lossAndGradient) {
    meanLoss = model.lossAndGradient(params, X, Y, partial);
    scale(partial, size);
  } else {
    meanLoss = model.hessianVectorProduct!(params, X, Y, vector, partial);
    scale(partial, size);
  }
  partialLoss[index] = meanLoss * size;
}

/** Serves commands until quit; `seen` is the generation before this worker said it was ready. */
function serve(model: GeneratedModel, seen: number): void {
  for (;;) {
    Atomics.wait(control, SLOT.generation, seen);
    const generation = Atomics.load(control, SLOT.generation);
    if (generation === seen) continue;
    seen = generation;
    const command = control[SLOT.command] as Command;
    if (command === COMMAND.quit) return;
    try {
      run(model, command);
    } catch (error) {
      fail(error);
    }
    signalDone();
  }
}

let model: GeneratedModel | undefined;
try {
  model = await loadModule();
} catch (error) {
  fail(error);
}
// Read before saying ready: the main thread sends the first command only once every worker is ready.
const startGeneration = Atomics.load(control, SLOT.generation);
signalDone(); // start-up: counted as ready (or failed)
if (model !== undefined) serve(model, startGeneration);
port.close();
