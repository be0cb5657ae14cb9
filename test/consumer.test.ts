/**
 * symgrad as another project uses it: `npm pack`, a fresh consumer project (CommonJS package, its own
 * tsconfig) that installs the tarball, writes a model with everyday names, generates, type-checks,
 * trains from its own code and with `symgrad train`, checks freshness and watches an imported file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "symgrad-consumer-"));
const app = join(work, "app");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(command, args, { cwd: app, encoding: "utf8", ...options });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  return { status: r.status, stdout: String(r.stdout ?? ""), output };
}
const symgrad = (...args: string[]) => run(join(app, "node_modules", ".bin", "symgrad"), args);

const MODEL = `// A user's model: everyday names, a helper imported from a sibling file.
import { add, defineModel, log, mul, neg, sigmoid, sub, symbols } from "symgrad";
import { SCALE } from "./scale.js";

const [a, b, label] = symbols("a b label");
const [w1, w2, out] = symbols("w1 w2 out");
const p = sigmoid(mul(SCALE, add(mul(w1, a), mul(w2, b), out)));
const loss = neg(add(mul(label, log(p)), mul(sub(1, label), log(sub(1, p)))));

export default defineModel({ name: "net", inputs: [a, b], targets: [label], params: [w1, w2, out], outputs: [p], loss });
`;

const APP = `import * as net from "./gen/net.js";
import { evaluateModel, randomParams, train, type Dataset } from "symgrad/runtime";

const n = 40;
const X = new Float64Array(2 * n);
const Y = new Float64Array(n);
for (let i = 0; i < n; i++) {
  const a = Math.cos(i) * 2;
  const b = Math.sin(3 * i) * 2;
  X[2 * i] = a;
  X[2 * i + 1] = b;
  Y[i] = a + b > 0 ? 1 : 0;
}
const data: Dataset = { name: "mine", inputNames: ["a", "b"], targetNames: ["label"], X, Y, n };
const result = train(net, data, randomParams(net.PARAM_NAMES, 7), { optimizer: "adam", lr: 0.1, epochs: 200 });
const metrics = evaluateModel(net, result.params, data);
console.log(JSON.stringify({ loss: result.finalLoss, accuracy: metrics.accuracy }));
`;

/** a, b in [-2, 2], label = 1 when a + b > 0: separable, so training must do well. */
function csv(): string {
  const lines = ["a,b,label"];
  for (let i = 0; i < 60; i++) {
    const a = ((i * 37) % 41) / 10 - 2;
    const b = ((i * 53) % 43) / 10.5 - 2;
    lines.push(`${a},${b},${a + b > 0 ? 1 : 0}`);
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(() => {
  const pack = spawnSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: root, encoding: "utf8" });
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stdout}${pack.stderr}`);
  const tarball = join(work, pack.stdout.trim().split("\n").pop()!);

  mkdirSync(join(app, "src"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }, null, 2));
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, outDir: "build", skipLibCheck: true },
      include: ["src"],
    }),
  );
  writeFileSync(join(app, "src", "model.ts"), MODEL);
  writeFileSync(join(app, "src", "scale.ts"), "export const SCALE = 1;\n");
  writeFileSync(join(app, "src", "app.ts"), APP);
  writeFileSync(join(app, "data.csv"), csv());
  const install = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "typescript@5.9.3", "@types/node@20.19.43"]);
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.output}`);
}, 300_000);

describe("a consumer project", () => {
  it("generates a zero-import module from a .ts model in a CommonJS package", () => {
    const r = symgrad("generate", "src/model.ts", "--out", "src/gen");
    expect(r.output).toContain("wrote src/gen/net.ts");
    expect(r.status).toBe(0);
    expect(readdirSync(join(app, "src", "gen")).sort()).toEqual(["index.ts", "net.ts"]);
    const module = readFileSync(join(app, "src", "gen", "net.ts"), "utf8");
    expect(module).not.toMatch(/^\s*import /m);
    expect(module).toContain("Regenerate with `symgrad generate src/model.ts --out src/gen`");
  });

  it("type-checks with tsc and runs its own training code against symgrad/runtime", () => {
    const tsc = run(join(app, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]);
    expect(tsc.output).toBe("");
    expect(tsc.status).toBe(0);
    const r = run(process.execPath, [join(app, "build", "app.js")]);
    expect(r.status, r.output).toBe(0);
    const { loss, accuracy } = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(loss).toBeLessThan(0.2);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("its declaration files and the generated module type-check under the strictest options a project may set", () => {
    // skipLibCheck off, so that symgrad's own .d.ts files are checked too (with @types/node: the runtime
    // trains on worker threads), and so is every declaration file they reach: vega-lite 6's do not hold
    // under exactOptionalPropertyTypes, so symgrad's public types must not reach them (ChartSpec does not
    // name Vega's types). The model file destructures symbols("…"), which noUncheckedIndexedAccess
    // accepts because symbols types a literal as a tuple.
    const strictest = {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", noEmit: true, skipLibCheck: false,
      strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noUnusedLocals: true,
      noUnusedParameters: true, noImplicitReturns: true, noPropertyAccessFromIndexSignature: true,
      noImplicitOverride: true, noFallthroughCasesInSwitch: true, isolatedModules: true,
    };
    writeFileSync(join(app, "tsconfig.strictest.json"), JSON.stringify({ compilerOptions: strictest, include: ["src"] }));
    const tsc = run(join(app, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.strictest.json", "--listFiles"]);
    const checked = (file: string) => tsc.output.split("\n").some((line) => line.endsWith(file));
    for (const file of ["node_modules/symgrad/dist/generator/index.d.ts", "node_modules/symgrad/dist/src/runtime.d.ts", "src/gen/net.ts"]) {
      expect(checked(file), `${file} in the program`).toBe(true);
    }
    expect(tsc.output.split("\n").filter((line) => line.includes("/node_modules/vega-lite/")), "vega-lite's declarations in the program").toEqual([]);
    const errorFiles = [...tsc.output.matchAll(/^(\S+?)\(\d+,\d+\): error/gm)].map((m) => m[1]!);
    expect(errorFiles, tsc.output).toEqual([]);
    expect(tsc.status, tsc.output).toBe(0);
  });

  it("trains the generated file with `symgrad train`, writing a valid JSON run", () => {
    const r = symgrad("train", "src/gen/net.ts", "--data", "data.csv", "--epochs", "50", "--json", "run.json", "--out", "plots");
    expect(r.status, r.output).toBe(0);
    const json = JSON.parse(readFileSync(join(app, "run.json"), "utf8"));
    expect(json.model).toBe("net");
    expect(Object.keys(json.params ?? json.parameters)).toEqual(["w1", "w2", "out"]);
    expect(readdirSync(join(app, "plots")).sort()).toEqual(["boundary.svg", "data.svg", "loss.svg"]);
  });

  it("trains it with --workers 2 from the built package, equal to the single-thread run to 1e-12", () => {
    const r = symgrad("train", "src/gen/net.ts", "--data", "data.csv", "--epochs", "50", "--workers", "2", "--json", "run2.json", "--out", "plots2");
    expect(r.status, r.output).toBe(0);
    const [one, two] = ["run.json", "run2.json"].map((file) => JSON.parse(readFileSync(join(app, file), "utf8")));
    expect([one.workers, two.workers]).toEqual([1, 2]);
    for (const name of ["w1", "w2", "out"]) {
      expect(Math.abs(two.params[name] - one.params[name])).toBeLessThanOrEqual(1e-12 * Math.abs(one.params[name]));
    }
  });

  it("passes symgrad check (oracles) and generate --check, which fails once the model changes", () => {
    const check = symgrad("check", "src/model.ts");
    expect(check.status, check.output).toBe(0);
    expect(check.output).toMatch(/×300/);
    expect(symgrad("generate", "src/model.ts", "--out", "src/gen", "--check").status).toBe(0);
    writeFileSync(join(app, "src", "model.ts"), MODEL.replace("mul(w2, b)", "mul(w2, b, b)"));
    const stale = symgrad("generate", "src/model.ts", "--out", "src/gen", "--check");
    expect(stale.status).toBe(1);
    expect(stale.output).toMatch(/stale: +src\/gen\/net\.ts/);
    writeFileSync(join(app, "src", "model.ts"), MODEL);
  });

  it("--watch regenerates within seconds when a file the model imports changes, and stops on SIGINT", async () => {
    const child = spawn(join(app, "node_modules", ".bin", "symgrad"), ["generate", "src/model.ts", "--out", "src/gen", "--watch"], {
      cwd: app,
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const waitFor = async (pattern: RegExp, seconds: number) => {
      for (const start = Date.now(); Date.now() - start < seconds * 1000; ) {
        if (pattern.test(output)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${pattern} after ${seconds} s; output:\n${output}`);
    };
    try {
      await waitFor(/watching \d+ files? for/, 60);
      const before = readFileSync(join(app, "src", "gen", "net.ts"), "utf8");
      output = "";
      const edited = Date.now();
      writeFileSync(join(app, "src", "scale.ts"), "export const SCALE = 2;\n");
      await waitFor(/net: \d+ ms, ops loss \d+/, 20);
      const seconds = (Date.now() - edited) / 1000;
      expect(seconds).toBeLessThan(20);
      expect(readFileSync(join(app, "src", "gen", "net.ts"), "utf8")).not.toBe(before);
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(output).toContain("stopped watching");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
