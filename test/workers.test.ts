/**
 * `train --workers N`: data-parallel training on worker threads. Oracles: the same run on one thread
 * (to 1e-12 relative), the same run twice (bit for bit), and the module's own batch functions on
 * saturated parameters. Then a user's module file, a worker that throws or exits, Ctrl-C, and that the
 * process ends on its own (no thread left behind).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as mlp from "../generated/mlp_2_16_1.ts";
import * as seed from "../generated/seed.ts";
import { moons } from "../src/data.ts";
import { randomParams } from "../src/init.ts";
import { checkWorkers, startWorkers, train as trainWithWorkers } from "../src/parallel/train.ts";
import { train, type TrainOptions, type TrainResult } from "../src/train.ts";
import { runMain, scratchDir, type Result } from "./cli-harness.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** 500 rows: not a multiple of 2, 3 or the batch, so shards and the last mini-batch are uneven. */
const data = moons({ n: 250, seed: 3 });
const init = randomParams(mlp.PARAM_NAMES, "workers");

const RUNS: [string, TrainOptions][] = [
  ["gd, full batch", { optimizer: "gd", lr: 0.5, epochs: 20 }],
  ["momentum, full batch", { optimizer: "momentum", lr: 0.1, epochs: 20 }],
  ["adam, full batch", { optimizer: "adam", lr: 0.02, epochs: 20 }],
  ["gd, batches of 64", { optimizer: "gd", lr: 0.5, epochs: 20, batch: 64, seed: "b" }],
  ["momentum, batches of 64", { optimizer: "momentum", lr: 0.1, epochs: 20, batch: 64, seed: "b" }],
  ["adam, batches of 64", { optimizer: "adam", lr: 0.02, epochs: 20, batch: 64, seed: "b" }],
];

/** Largest |a − b| relative to the largest |b|: the error of a vector as a whole. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let error = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    error = Math.max(error, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return error / scale;
}

const bits = (values: ArrayLike<number>) => Buffer.from(Float64Array.from(values as ArrayLike<number>).buffer).toString("hex");

function expectBitwiseEqual(a: TrainResult, b: TrainResult): void {
  expect(bits(a.params)).toBe(bits(b.params));
  expect(bits(a.losses)).toBe(bits(b.losses));
  expect(bits([a.finalLoss])).toBe(bits([b.finalLoss]));
}

for (const count of [2, 3]) {
  describe(`${count} workers on ${data.n} rows of ${mlp.MODEL.name}`, () => {
    let parallel: ReturnType<typeof startWorkers>;
    beforeAll(() => {
      parallel = startWorkers(mlp, data, count);
    });
    afterAll(() => parallel.close());

    it.each(RUNS)("%s: two runs agree bit for bit and equal the single-thread run to 1e-12", (_, options) => {
      const first = train(parallel.model, parallel.data, init, options);
      const second = train(parallel.model, parallel.data, init, options);
      expectBitwiseEqual(first, second);
      const single = train(mlp, data, init, options);
      expect(first.epochs).toBe(20);
      expect(first.stop).toBe("epochs");
      expect(relativeError(first.params, single.params)).toBeLessThan(1e-12);
      expect(relativeError(first.losses, single.losses)).toBeLessThan(1e-12);
      expect(relativeError([first.finalLoss], [single.finalLoss])).toBeLessThan(1e-12);
      expect(relativeError(first.params, init)).toBeGreaterThan(1e-3); // it did train
    });

    it.each([1, 30, 300])("loss, gradient and H·v equal the module's at parameters ×%i (saturated units)", (scale) => {
      const params = init.map((p) => p * scale);
      const v = init.map((_, i) => Math.sin(i + 1));
      const expected = { grad: new Float64Array(params.length), hv: new Float64Array(params.length) };
      const found = { grad: new Float64Array(params.length), hv: new Float64Array(params.length) };
      const loss = mlp.lossAndGradient(params, data.X, data.Y, expected.grad);
      expect(relativeError([parallel.model.lossAndGradient(params, parallel.data.X, parallel.data.Y, found.grad)], [loss])).toBeLessThan(1e-13);
      expect(relativeError(found.grad, expected.grad)).toBeLessThan(1e-13);
      expect(relativeError([parallel.model.loss(params, data.X, data.Y)], [loss])).toBeLessThan(1e-13); // staged rows
      mlp.hessianVectorProduct(params, data.X, data.Y, v, expected.hv);
      parallel.model.hessianVectorProduct!(params, parallel.data.X, parallel.data.Y, v, found.hv);
      expect(relativeError(found.hv, expected.hv)).toBeLessThan(1e-12);
      expect(found.grad.every(Number.isFinite) && found.hv.every(Number.isFinite)).toBe(true);
    });

    it("L-BFGS and Newton run through the workers and follow the single-thread path", () => {
      for (const optimizer of ["lbfgs", "newton"] as const) {
        const options: TrainOptions = { optimizer, lr: 1, epochs: 5 };
        const a = train(parallel.model, parallel.data, init, options);
        expectBitwiseEqual(a, train(parallel.model, parallel.data, init, options));
        const single = train(mlp, data, init, options);
        expect(a.epochs).toBe(single.epochs);
        expect(a.finalLoss).toBeLessThan(a.losses[0]);
        // Five iterations from the start, far from the minimum: no cancellation amplifies rounding yet.
        expect(relativeError(a.params, single.params)).toBeLessThan(1e-10);
      }
    });
  });
}

describe("the runtime's train({ workers })", () => {
  it("starts its own workers, ends them, and gives the result of the same worker count bit for bit", () => {
    const options: TrainOptions = { optimizer: "adam", lr: 0.02, epochs: 20, batch: 64, seed: "b" };
    const viaOption = trainWithWorkers(mlp, data, init, { ...options, workers: 2 });
    const parallel = startWorkers(mlp, data, 2);
    try {
      expectBitwiseEqual(viaOption, train(parallel.model, parallel.data, init, options));
    } finally {
      parallel.close();
    }
    // workers: 1 is the single-thread path itself.
    expectBitwiseEqual(trainWithWorkers(mlp, data, init, { ...options, workers: 1 }), train(mlp, data, init, options));
  });

  it("checks workers: an integer from 1 to the rows (and at most 256)", () => {
    expect(checkWorkers(undefined, data)).toBe(1);
    expect(checkWorkers(3, data)).toBe(3);
    expect(() => checkWorkers(0, data)).toThrow(/^workers: expected an integer ≥ 1, got 0$/);
    expect(() => checkWorkers(1.5, data)).toThrow(/^workers: expected an integer ≥ 1, got 1.5$/);
    expect(() => checkWorkers(4, { n: 3 })).toThrow(/^workers: 4 is more than the 3 rows; use at most 3$/);
    expect(() => checkWorkers(300, data)).toThrow(/^workers: 300 is more than the maximum, 256$/);
  });

  it("refuses a worker module that is not the trained one, naming both", () => {
    const other = pathToFileURL(join(root, "generated", "seed.ts")).href;
    expect(() => trainWithWorkers(mlp, data, init, { lr: 0.1, epochs: 1, workers: 2, workerModule: other })).toThrow(
      /^worker 1 of 2 failed to start: .*seed\.ts has model seed \(hash \w+\), not the trained model mlp_2_16_1 \(hash \w+\)/,
    );
  });

  it("raises a worker's exception as one line naming the worker, and a worker that exits as ended", () => {
    const dir = scratchDir("symgrad-workers-");
    const throwing = join(dir, "throwing.mts");
    writeFileSync(throwing, throwingModule("throw new Error(\"injected failure\\nsecond line\");"));
    const seedData = moons({ n: 20, seed: 1 });
    const seedInit = randomParams(seed.PARAM_NAMES, 1);
    expect(() => trainWithWorkers(seed, seedData, seedInit, { lr: 0.1, epochs: 3, workers: 2, workerModule: throwing })).toThrow(
      /^worker 1 of 2 failed: injected failure second line$/,
    );
    const exiting = join(dir, "exiting.mts");
    writeFileSync(exiting, throwingModule("process.exit(3);"));
    expect(() => trainWithWorkers(seed, seedData, seedInit, { lr: 0.1, epochs: 3, workers: 2, workerModule: exiting })).toThrow(
      /^worker [12] of 2 ended unexpectedly$/,
    );
  });
});

/** An ES module (.mts: the scratch folder has no package.json): the seed module with a lossAndGradient that runs `body` (the generated one is shadowed). */
const throwingModule = (body: string) =>
  `export * from ${JSON.stringify(join(root, "generated", "seed.ts"))};\n` +
  `export function lossAndGradient(): number {\n  ${body}\n  return 0;\n}\n`;

/** `symgrad train …` in a child process, as a user runs it (`nodeFlags` before the script, as `node --flag symgrad …`). */
function symgrad(args: string[], nodeFlags: string[] = []): Promise<Result> {
  return new Promise((resolve) => {
    const argv = [...nodeFlags, "--import", "tsx", join(root, "generator", "bin.ts"), "train", ...args];
    execFile(process.execPath, argv, { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ code: failure ? (failure.code ?? null) : 0, signal: failure?.signal ?? null, stdout, stderr });
    });
  });
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("symgrad train --workers", () => {
  it("runs under V8 flags such as --max-old-space-size, which a worker's execArgv refuses (they apply to every thread anyway)", async () => {
    const dir = scratchDir("symgrad-workers-flags-");
    const r = await symgrad(["seed", "--epochs", "3", "--workers", "2", "--out", join(dir, "o")], ["--max-old-space-size=2048", "--stack-size=1500", "--no-warnings"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 workers/);
  }, 120_000);

  it("trains a user's generated module file with 2 workers like 1 (to 1e-12) and says so in --json", async () => {
    const dir = scratchDir("symgrad-workers-");
    const file = join(dir, "net.ts");
    copyFileSync(join(root, "generated", "mlp_2_16_1.ts"), file);
    const common = ["--data", "moons", "--optimizer", "adam", "--lr", "0.05", "--epochs", "20"];
    const [two, one] = await Promise.all(
      ["2", "1"].map((workers) =>
        symgrad([file, ...common, "--workers", workers, "--out", join(dir, `o${workers}`), "--json", join(dir, `run${workers}.json`)]),
      ),
    );
    expect(two.code, two.stderr).toBe(0);
    expect(one.code, one.stderr).toBe(0);
    expect(two.stdout).toMatch(/full batch, 2 workers/);
    const [a, b] = [readJson(join(dir, "run2.json")), readJson(join(dir, "run1.json"))];
    expect([a.workers, b.workers]).toEqual([2, 1]);
    const values = (doc: { params: Record<string, number> }) => mlp.PARAM_NAMES.map((name) => doc.params[name]);
    expect(relativeError(values(a), values(b))).toBeLessThan(1e-12);
    expect(relativeError([a.finalLoss], [b.finalLoss])).toBeLessThan(1e-12);
  });

  it("a worker that throws: one line, exit 1, nothing written, and the process ends", async () => {
    const dir = scratchDir("symgrad-workers-");
    const file = join(dir, "broken.mts");
    writeFileSync(file, throwingModule("throw new RangeError(\"injected failure\");"));
    const r = await symgrad([file, "--epochs", "5", "--workers", "2", "--out", join(dir, "o"), "--json", join(dir, "run.json")]);
    expect(r.stderr).toBe("error: worker 1 of 2 failed: RangeError: injected failure; nothing was written.\n");
    expect(r.code).toBe(1);
    expect(readdirSync(dir)).toEqual(["broken.mts"]);
  });

  it("validates --workers: an integer ≥ 1, at most the rows", async () => {
    for (const [value, message] of [
      ["0", /^error: --workers: "0" is not valid; expected a positive integer, e.g. 100$/m],
      ["two", /^error: --workers: "two" is not valid; expected a positive integer/m],
      ["201", /^error: --workers: 201 is more than the 200 rows of clusters; valid: 1 … 200$/m],
      ["257", /^error: --workers: 257 is more than the maximum, 256$/m],
    ] as const) {
      const r = await runMain(["--workers", value, "--out", scratchDir("symgrad-workers-")]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    }
  });

  it("Ctrl-C with workers: stops after the epoch, writes the outputs, exits 130", async () => {
    const dir = scratchDir("symgrad-workers-");
    const json = join(dir, "run.json");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--import", "./test/fixtures/announce-sigint.ts", "src/cli.ts", "--epochs", "1000000000", "--workers", "2", "--out", join(dir, "o"), "--json", json],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (stderr.includes("[test] listening for SIGINT")) resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 3000)); // past the workers' start-up, into training
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const doc = readJson(json);
    expect(doc).toMatchObject({ stop: "interrupted", workers: 2 });
    expect(doc.epochs).toBeGreaterThan(0);
  }, 60_000);

  it("leaves no thread behind: a script that trains with workers (and survives a failing worker) ends by itself", async () => {
    const dir = scratchDir("symgrad-workers-");
    writeFileSync(join(dir, "throwing.mts"), throwingModule("throw new Error(\"injected\");"));
    const script = join(dir, "script.mts");
    const runtime = pathToFileURL(join(root, "src", "runtime.ts")).href;
    const module = pathToFileURL(join(root, "generated", "seed.ts")).href;
    writeFileSync(
      script,
      `import { clusters, randomParams, train } from ${JSON.stringify(runtime)};\n` +
        `import * as seed from ${JSON.stringify(module)};\n` +
        `const data = clusters({ seed: 1 });\n` +
        `const result = train(seed, data, randomParams(seed.PARAM_NAMES, 1), { lr: 0.5, epochs: 50, workers: 2 });\n` +
        `try { train(seed, data, result.params, { lr: 0.5, epochs: 5, workers: 2, workerModule: ${JSON.stringify(join(dir, "throwing.mts"))} }); }\n` +
        `catch (error) { console.log("caught:", error.message); }\n` +
        `console.log("trained:", result.finalLoss < result.losses[0]);\n`,
    );
    // No process.exit in the script: it ends only once every worker thread has ended.
    const r = await new Promise<Result>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", script], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
        resolve({ code: failure ? (failure.code ?? null) : 0, signal: failure?.signal ?? null, stdout, stderr });
      });
    });
    expect(r.signal, "killed by the timeout: a thread kept the process alive").toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("caught: worker 1 of 2 failed: injected\ntrained: true\n");
  }, 90_000);
});
