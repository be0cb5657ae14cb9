/**
 * A fixed set of worker threads that run a generated module's batch functions on shards of the rows,
 * driven synchronously from the main thread: write the inputs into shared memory, bump the command
 * generation and notify (Atomics), wait until every worker has counted itself done. Synchronous on
 * purpose: `train()` is synchronous, and Atomics.wait costs microseconds where a message round trip
 * through the event loop costs more and allocates.
 *
 * The pool owns its threads: `close()` ends them, and every caller closes in a `finally`. A worker's
 * failure (its module failed to load or threw) is raised here as a WorkerError with the worker's message.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { GeneratedModel } from "../contract.ts";
import {
  COMMAND, CONTROL_SLOTS, ERROR_BYTES, SLOT, STATUS,
  type Command, type SharedState, type StagingMessage, type WorkerData,
} from "./protocol.ts";

/** A worker thread failed; the message names the worker and says why, in one line. */
export class WorkerError extends Error {
  override name = "WorkerError";
}

/** worker.ts beside this file: .ts when running from source (tsx, vitest), .js in the built package. */
const WORKER_URL = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

/** How often a waiting main thread looks whether a worker thread has ended without reporting. */
const LIVENESS_POLL_MS = 200;

/**
 * The code each worker thread starts with, plain JavaScript so that it always loads. Before importing
 * worker.ts it makes sure that a worker that dies, or cannot import it (or the module), is seen by the
 * main thread at once: it marks the worker ended on exit, and it reports an import failure in the
 * worker's error slot. It registers tsx first when TypeScript must load (Node 20 does not pass tsx's
 * hooks on to worker threads).
 */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const { index, shared, entryUrl, tsxUrl } = workerData;
const status = new Int32Array(shared.status);
const control = new Int32Array(shared.control);
process.on("exit", () => {
  Atomics.compareExchange(status, index, ${STATUS.ok}, ${STATUS.exited});
  Atomics.notify(control, ${SLOT.done});
});
(async () => {
  if (tsxUrl) (await import(tsxUrl)).register();
  await import(entryUrl);
})().catch((error) => {
  const text = new Uint8Array(shared.errorText, index * ${ERROR_BYTES}, ${ERROR_BYTES});
  const message = String(error && error.message || error).replace(/\\s*\\n\\s*/g, " ");
  new Int32Array(shared.errorLength)[index] = new TextEncoder().encodeInto(message, text).written;
  Atomics.store(status, index, ${STATUS.failed});
  Atomics.add(control, ${SLOT.done}, 1);
  Atomics.notify(control, ${SLOT.done});
});
`;

const isTypeScript = (url: string) => /^file:.*\.[cm]?ts$/.test(url);

/**
 * tsx's ESM API, when the worker must load TypeScript (symgrad running from its sources, or a .ts
 * module): found from symgrad's own folder, else from the current project, through tsx's exports map.
 */
function tsxApiUrl(moduleUrl: string): string | undefined {
  if (!isTypeScript(WORKER_URL) && !isTypeScript(moduleUrl)) return undefined;
  for (const base of [import.meta.url, pathToFileURL(`${process.cwd()}/`).href]) {
    try {
      const manifest = createRequire(base).resolve("tsx/package.json");
      const { exports } = JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import?: { default?: string } }> };
      const entry = exports["./esm/api"]?.import?.default;
      if (entry) return new URL(entry, pathToFileURL(manifest)).href;
    } catch {
      // not installed there: try the next place
    }
  }
  throw new WorkerError(
    `workers: ${moduleUrl.startsWith("file:") ? fileURLToPath(moduleUrl) : "the module"} is TypeScript, and loading it in a worker thread needs tsx (npm install --save-dev tsx); or pass the compiled .js module`,
  );
}

/**
 * Flags that change how the worker loads modules or reports errors, with the option's value as the next
 * argument when it is not written `--flag=value`. Only these are passed on: V8's flags
 * (--max-old-space-size, --stack-size, …) and per-process ones (--title, …) already apply to every
 * thread, and a Worker given them in execArgv throws ERR_WORKER_INVALID_EXEC_ARGV.
 */
const WORKER_FLAGS_WITH_VALUE = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader", "--conditions", "-C"]);
const WORKER_FLAGS = [
  ...WORKER_FLAGS_WITH_VALUE, "--experimental-", "--no-experimental-", "--enable-source-maps", "--no-warnings",
  "--no-deprecation", "--trace-warnings", "--trace-uncaught", "--preserve-symlinks", "--input-type",
];

/** The parent's flags a worker takes (see WORKER_FLAGS), without tsx's own (the worker registers tsx itself, once). */
function workerExecArgv(): string[] {
  const flags: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const name = flag.split("=")[0];
    const value = WORKER_FLAGS_WITH_VALUE.has(name) && !flag.includes("=") ? args[++i] : undefined;
    const kept = WORKER_FLAGS.some((f) => (f.endsWith("-") ? name.startsWith(f) : name === f));
    if (kept && !`${flag} ${value ?? ""}`.includes("tsx")) flags.push(flag, ...(value === undefined ? [] : [value]));
  }
  return flags;
}

const sharedFloat64 = (length: number) => new Float64Array(new SharedArrayBuffer(Math.max(1, length) * 8));

export interface PoolSpec {
  /** The module the main thread trains; the workers load `moduleUrl` and check it is this one. */
  model: GeneratedModel;
  /** A file: URL (or path) of the module, or a data: URL of its JavaScript. */
  moduleUrl: string;
  count: number;
  /** The dataset, copied once into shared memory. */
  X: Float64Array;
  Y: Float64Array;
}

export class WorkerPool {
  readonly count: number;
  readonly params: Float64Array;
  readonly vector: Float64Array;
  /** Worker w's sums over its shard: elements [w·p, (w+1)·p). */
  readonly partials: Float64Array;
  readonly partialLoss: Float64Array;
  /** The dataset in shared memory. */
  readonly X: Float64Array;
  readonly Y: Float64Array;
  /** Rows for commands on anything but the dataset (mini-batches); grown when a larger set comes. */
  stagingX = sharedFloat64(0);
  stagingY = sharedFloat64(0);

  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  private readonly status: Int32Array;
  private readonly errorText: Uint8Array;
  private readonly errorLength: Int32Array;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private closed = false;

  /** Starts `count` workers and waits until each has loaded the module (or throws why one could not). */
  constructor(spec: PoolSpec) {
    const { model, count } = spec;
    const p = model.MODEL.params;
    this.count = count;
    this.params = sharedFloat64(p);
    this.vector = sharedFloat64(p);
    this.partials = sharedFloat64(count * p);
    this.partialLoss = sharedFloat64(count);
    this.X = sharedFloat64(spec.X.length);
    this.Y = sharedFloat64(spec.Y.length);
    this.X.set(spec.X);
    this.Y.set(spec.Y);
    this.status = new Int32Array(new SharedArrayBuffer(count * 4));
    this.errorText = new Uint8Array(new SharedArrayBuffer(count * ERROR_BYTES));
    this.errorLength = new Int32Array(new SharedArrayBuffer(count * 4));
    const shared: SharedState = {
      control: this.control.buffer as SharedArrayBuffer,
      status: this.status.buffer as SharedArrayBuffer,
      errorText: this.errorText.buffer as SharedArrayBuffer,
      errorLength: this.errorLength.buffer as SharedArrayBuffer,
      params: this.params.buffer as SharedArrayBuffer,
      vector: this.vector.buffer as SharedArrayBuffer,
      partials: this.partials.buffer as SharedArrayBuffer,
      partialLoss: this.partialLoss.buffer as SharedArrayBuffer,
      X: this.X.buffer as SharedArrayBuffer,
      Y: this.Y.buffer as SharedArrayBuffer,
    };
    const { name, hash, params, inputs, targets } = model.MODEL;
    const tsxUrl = tsxApiUrl(spec.moduleUrl);
    const execArgv = workerExecArgv();
    try {
      for (let index = 0; index < count; index++) {
        const { port1, port2 } = new MessageChannel();
        const workerData: WorkerData = {
          entryUrl: WORKER_URL,
          tsxUrl,
          index,
          count,
          moduleUrl: spec.moduleUrl,
          expected: { name, hash, params, inputs, targets },
          shared,
          port: port2,
        };
        this.ports.push(port1);
        this.workers.push(new Worker(BOOTSTRAP, { eval: true, workerData, transferList: [port2], execArgv }));
      }
      this.waitForAll("start");
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * Runs `command` on the first `rows` rows of the dataset (staged = false) or of the staging area, each
   * worker on its shard; on return the partial sums are in `partials` and `partialLoss`.
   */
  run(command: Command, staged: boolean, rows: number): void {
    if (this.closed) throw new WorkerError("workers: the pool was closed");
    const { control } = this;
    control[SLOT.command] = command;
    control[SLOT.source] = staged ? 1 : 0;
    control[SLOT.rows] = rows;
    Atomics.store(control, SLOT.done, 0);
    Atomics.add(control, SLOT.generation, 1);
    Atomics.notify(control, SLOT.generation);
    this.waitForAll("run");
  }

  /** Makes the staging area hold at least `rows` rows and hands new buffers to every worker. */
  reserveStaging(rows: number, inputs: number, targets: number): void {
    if (this.stagingY.length >= rows * targets && this.stagingX.length >= rows * inputs) return;
    this.stagingX = sharedFloat64(rows * inputs);
    this.stagingY = sharedFloat64(rows * targets);
    const message: StagingMessage = {
      X: this.stagingX.buffer as SharedArrayBuffer,
      Y: this.stagingY.buffer as SharedArrayBuffer,
    };
    for (const port of this.ports) port.postMessage(message);
    Atomics.add(this.control, SLOT.stagingVersion, 1);
  }

  /** Ends every worker thread; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const { control } = this;
    control[SLOT.command] = COMMAND.quit;
    Atomics.add(control, SLOT.generation, 1);
    Atomics.notify(control, SLOT.generation);
    for (const port of this.ports) port.close();
    // terminate() also ends a worker stuck in its module; its promise only reports the exit code.
    for (const worker of this.workers) void worker.terminate().catch(() => undefined);
  }

  /** Blocks until every worker has counted itself done, then raises the first worker's failure, if any. */
  private waitForAll(phase: "start" | "run"): void {
    const { control, count } = this;
    for (;;) {
      const done = Atomics.load(control, SLOT.done);
      if (done >= count) break;
      const ended = this.endedWorker();
      if (ended >= 0) throw this.failureOf(ended, phase);
      Atomics.wait(control, SLOT.done, done, LIVENESS_POLL_MS);
    }
    for (let index = 0; index < count; index++) {
      if (Atomics.load(this.status, index) !== STATUS.ok) throw this.failureOf(index, phase);
    }
  }

  /** A worker that ended without counting itself done (it called process.exit, or could not start). */
  private endedWorker(): number {
    for (let index = 0; index < this.count; index++) {
      if (Atomics.load(this.status, index) === STATUS.exited) return index;
    }
    return -1;
  }

  private failureOf(index: number, phase: "start" | "run"): WorkerError {
    const where = `worker ${index + 1} of ${this.count}`;
    if (Atomics.load(this.status, index) === STATUS.failed) {
      const text = new TextDecoder().decode(this.errorText.subarray(index * ERROR_BYTES, index * ERROR_BYTES + this.errorLength[index]));
      return new WorkerError(`${where} failed${phase === "start" ? " to start" : ""}: ${text}`);
    }
    return new WorkerError(`${where} ended unexpectedly${phase === "start" ? " while starting" : ""}`);
  }
}
