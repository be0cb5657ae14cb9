/** `npm run generate` as a user runs it: flags, errors, --model, atomic writes, determinism. */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeAtomically } from "../generator/cli.ts";
import { generateModule, generateRegistry } from "../generator/pipeline.ts";
import { SHIPPED_MODELS } from "../generator/models/index.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "symgrad-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function generate(...args: string[]) {
  const r = spawnSync("npx", ["tsx", "generator/cli.ts", ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MODEL_SOURCE = `
import { add, defineModel, mul, sigmoid, sub, log, neg, symbols } from "${root}generator/index.ts";
const [x, y, w, b] = symbols("x y w b");
const p = sigmoid(add(mul(w, x), b));
export default defineModel({ name: "tiny", inputs: [x], targets: [y], params: [w, b], outputs: [p],
  loss: neg(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p))))) });
`;

describe("generate CLI", () => {
  it("prints help listing every flag", () => {
    const r = generate("--help");
    expect(r.status).toBe(0);
    for (const flag of ["--check", "--model", "--out", "--quiet", "--help"]) expect(r.stdout).toContain(flag);
  });

  it.each([
    ["an unknown flag", ["--chekc"], /Unknown option '--chekc'/],
    ["--model without --out", ["--model", "x.ts"], /--model needs --out DIR/],
    ["a missing model file", ["--model", "no/such/model.ts", "--out", "out"], /no such file: no\/such\/model\.ts/],
  ])("exits 2 with a clear message on %s", (_, args, message) => {
    const r = generate(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("exits 2 for a file without a defineModel default export, writing nothing", () => {
    const file = join(scratch, "not-a-model.ts");
    writeFileSync(file, "export default { name: 'nope' };\n");
    const out = join(scratch, "out-bad");
    const r = generate("--model", file, "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/must have a default export made by defineModel/);
    expect(() => readdirSync(out)).toThrow();
  });

  it("exits 2 for a model file loaded as CommonJS, saying how to fix it", () => {
    const file = join(scratch, "commonjs.model.ts"); // the scratch folder has no package.json: CommonJS
    writeFileSync(file, MODEL_SOURCE);
    const r = generate("--model", file, "--out", join(scratch, "out-cjs"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/loaded as CommonJS.*name it \.mts/);
  });

  it("exits 2 for a model file that throws, leaving earlier output intact", () => {
    const good = join(scratch, "tiny.model.mts");
    writeFileSync(good, MODEL_SOURCE);
    const out = join(scratch, "out-good");
    expect(generate("--model", good, "--out", out).status).toBe(0);
    const before = readFileSync(join(out, "tiny.ts"), "utf8");
    expect(before).toContain("export function lossAndGradient");

    const bad = join(scratch, "bad.model.mts");
    writeFileSync(bad, MODEL_SOURCE.replace("params: [w, b]", "params: [w, b, w]"));
    const r = generate("--model", bad, "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/defineModel\("tiny"\): symbol "w" appears twice in params/);
    expect(readFileSync(join(out, "tiny.ts"), "utf8")).toBe(before);
    expect(readdirSync(out)).toEqual(["tiny.ts"]);
  });
});

describe("writes", () => {
  it("are atomic: a failing write leaves no temporary file and earlier files complete", () => {
    const dir = join(scratch, "atomic");
    mkdirSync(join(dir, "b.ts"), { recursive: true }); // renaming a file onto a folder fails
    mkdirSync(join(dir, "b.ts", "keep"), { recursive: true });
    const files = [
      { path: "a.ts", content: "export const a = 1;\n" },
      { path: "b.ts", content: "export const b = 2;\n" },
    ];
    expect(() => writeAtomically(dir, files)).toThrow();
    expect(readdirSync(dir).sort()).toEqual(["a.ts", "b.ts"]);
    expect(readFileSync(join(dir, "a.ts"), "utf8")).toBe(files[0].content);
  });

  it("skip files whose content is unchanged", () => {
    const dir = join(scratch, "unchanged");
    const files = [{ path: "a.ts", content: "x\n" }];
    expect(writeAtomically(dir, files)).toHaveLength(1);
    expect(writeAtomically(dir, files)).toEqual([]);
  });
});

describe("determinism", () => {
  const small = SHIPPED_MODELS.filter((m) => m.params.length < 1000);

  it("generates identical bytes twice in one process", async () => {
    for (const model of small) {
      const first = await generateModule(model);
      const second = await generateModule(model);
      expect(second.content).toBe(first.content);
      expect(first.content).toBe(readFileSync(join(root, "generated", `${model.name}.ts`), "utf8"));
    }
  });

  it("generates identical bytes when the models are built in another order, in another process", () => {
    // Reverse import order changes every node's creation number; the output must not notice.
    const names = small.map((m) => m.name).reverse();
    const script = `
      const { generateModule } = await import("./generator/pipeline.ts");
      const { readFileSync } = await import("node:fs");
      const models = [];
      for (const name of ${JSON.stringify(names)}) models.push((await import("./generator/models/" + name + ".ts")).default);
      for (const m of models) {
        const { content } = await generateModule(m);
        if (content !== readFileSync("generated/" + m.name + ".ts", "utf8")) { console.log("differs: " + m.name); process.exit(1); }
      }
      console.log("same");`;
    const file = join(scratch, "reverse-order.mts");
    writeFileSync(
      file,
      script.replaceAll("./generator/", `${root}generator/`).replaceAll('"generated/', `"${root}generated/`),
    );
    const r = spawnSync("npx", ["tsx", file], { cwd: root, encoding: "utf8" });
    expect(r.stdout.trim() + r.stderr).toBe("same");
  });

  it("sorts the registry whatever the order of the names", async () => {
    const names = SHIPPED_MODELS.map((m) => m.name);
    const forward = await generateRegistry(names);
    const backward = await generateRegistry([...names].reverse());
    expect(backward.content).toBe(forward.content);
    expect(forward.content).toBe(readFileSync(join(root, "generated", "index.ts"), "utf8"));
  });
});
