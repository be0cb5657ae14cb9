/**
 * prettier, with symgrad's own fixed options: generated text must not depend on the prettier
 * configuration of whatever project runs the generator. (The repository's .prettierrc.json says the
 * same for hand-written code.)
 *
 * Two ways to run it: in this thread (formatTypeScript), or on a worker thread (FormatWorker), which
 * `symgrad generate` uses so that prettier formats one module while the main thread differentiates the
 * next: prettier is a third of a full rebuild's work, and the machine has a second core.
 */
import type { Options } from "prettier";
import { Worker } from "node:worker_threads";

const OPTIONS: Options = {
  parser: "babel-ts",
  printWidth: 120,
  trailingComma: "all",
  semi: true,
  singleQuote: false,
};

/** Imported on first use: a main thread that formats on a worker never loads prettier itself. */
export async function formatTypeScript(source: string): Promise<string> {
  const prettier = await import("prettier");
  return prettier.format(source, OPTIONS);
}

/** Formats source text; `seconds` is the time prettier took. */
export type Formatter = (source: string) => Promise<{ text: string; seconds: number }>;

/** formatTypeScript as a Formatter. */
export const formatInThisThread: Formatter = async (source) => {
  const start = performance.now();
  const text = await formatTypeScript(source);
  return { text, seconds: (performance.now() - start) / 1000 };
};

/**
 * The worker's code: plain JavaScript, so that it runs without a TypeScript loader. It loads prettier
 * and formats an empty file at once (prettier loads its parser and printer on first use), while the
 * main thread is still loading model files.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ready = import(workerData.prettierUrl).then(async (prettier) => {
  await prettier.format("", workerData.options);
  return prettier;
});
parentPort.on("message", async ({ id, source }) => {
  try {
    const prettier = await ready;
    const start = performance.now();
    const text = await prettier.format(source, workerData.options);
    parentPort.postMessage({ id, text, seconds: (performance.now() - start) / 1000 });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

type Reply = { id: number; text: string; seconds: number } | { id: number; error: string };

/** prettier on a worker thread, started at once; close() ends it (the process cannot exit before). */
export class FormatWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: { text: string; seconds: number }) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private closed = false;

  constructor() {
    const workerData = { prettierUrl: import.meta.resolve("prettier"), options: OPTIONS };
    // No node flags: the worker needs no TypeScript loader (--import tsx would cost it a start-up of
    // its own), and V8's flags are the process's anyway (a worker refuses them in execArgv).
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData, execArgv: [] });
    this.worker.on("message", (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ("error" in reply) waiting?.reject(new Error(`prettier: ${reply.error}`));
      else waiting?.resolve({ text: reply.text, seconds: reply.seconds });
    });
    this.worker.on("error", (error) => this.failAll(error));
    this.worker.on("exit", (code) => {
      if (!this.closed) this.failAll(new Error(`the prettier worker thread stopped (exit code ${code})`));
    });
  }

  readonly format: Formatter = (source) => {
    if (this.closed) return Promise.reject(new Error("the prettier worker thread is closed"));
    const id = this.nextId++;
    const result = new Promise<{ text: string; seconds: number }>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ id, source });
    return result;
  };

  private failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  /** Ends the worker; results still pending are dropped (their promises never settle). */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    await this.worker.terminate();
  }
}
