/**
 * What the main thread and the training workers share: the layout of the control block (an Int32Array on
 * a SharedArrayBuffer that both sides wait on and notify with Atomics), the command codes, and how rows
 * are split into shards. Both pool.ts and worker.ts import this file, so the two sides cannot disagree.
 */
import type { MessagePort } from "node:worker_threads";

/** Slots of the control block. */
export const SLOT = {
  /** Bumped by the main thread for every command; workers wait for it to change. */
  generation: 0,
  /** The command of the current generation (COMMAND). */
  command: 1,
  /** Which rows the command reads (SOURCE). */
  source: 2,
  /** How many rows of that source the command covers; each worker takes its shard of them. */
  rows: 3,
  /** Workers finished with the current command (or, during start-up, workers ready). */
  done: 4,
  /** Bumped whenever the staging buffers are replaced; a worker then reads the new ones from its port. */
  stagingVersion: 5,
} as const;

export const CONTROL_SLOTS = 6;

export const COMMAND = { loss: 1, lossAndGradient: 2, hessianVectorProduct: 3, quit: 4 } as const;
export type Command = (typeof COMMAND)[keyof typeof COMMAND];

/** The dataset copied into shared memory once, or the staging area for any other rows (mini-batches). */
export const SOURCE = { dataset: 0, staging: 1 } as const;

/** More threads than this only adds overhead (and would exhaust memory long before helping). */
export const MAX_WORKERS = 256;

/** Bytes of error text each worker may leave (longer messages are cut). */
export const ERROR_BYTES = 1024;

/** Per-worker status: still working, failed (message in its error slot), or the thread ended. */
export const STATUS = { ok: 0, failed: 1, exited: 2 } as const;

/**
 * Rows [start, end) of `rows` that worker `index` of `count` takes: contiguous, in worker order, sizes
 * differing by at most one. The split depends only on (rows, count), so a run is reproducible bit for bit.
 */
export function shardOf(index: number, count: number, rows: number): { start: number; end: number } {
  return { start: Math.floor((index * rows) / count), end: Math.floor(((index + 1) * rows) / count) };
}

/** The shared memory of a pool, handed to each worker in its workerData. */
export interface SharedState {
  control: SharedArrayBuffer;
  /** One Int32 per worker: STATUS. */
  status: SharedArrayBuffer;
  /** ERROR_BYTES of UTF-8 per worker, and one Int32 length per worker. */
  errorText: SharedArrayBuffer;
  errorLength: SharedArrayBuffer;
  /** The parameters (and, for H·v, the vector v) the main thread writes before each command. */
  params: SharedArrayBuffer;
  vector: SharedArrayBuffer;
  /** Worker w's sum (not mean) of the gradient or H·v over its shard: elements [w·p, (w+1)·p). */
  partials: SharedArrayBuffer;
  /** Worker w's sum of the per-row losses over its shard. */
  partialLoss: SharedArrayBuffer;
  /** The dataset, n×inputs and n×targets. */
  X: SharedArrayBuffer;
  Y: SharedArrayBuffer;
}

export interface WorkerData {
  /** worker.ts (or .js in the package), which the bootstrap imports. */
  entryUrl: string;
  /** tsx's API, registered first when TypeScript files must load in the worker (Node 20 does not pass
   *  tsx's hooks on to worker threads). */
  tsxUrl?: string;
  index: number;
  count: number;
  /** What the worker imports: a file URL or a data: URL of the module's JavaScript. */
  moduleUrl: string;
  /** The trained module's identity; the worker refuses a module that differs. */
  expected: { name: string; hash: string; params: number; inputs: number; targets: number };
  shared: SharedState;
  /** Receives the staging buffers (a mini-batch's rows) whenever they are replaced. */
  port: MessagePort;
}

/** Posted on a worker's port when the staging area is replaced. */
export interface StagingMessage {
  X: SharedArrayBuffer;
  Y: SharedArrayBuffer;
}
