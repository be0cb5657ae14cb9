/**
 * `npm run generate -- --check` on a scratch copy of the repository: passes on the committed tree,
 * fails after a generated file or a model is edited (or an extra file appears), passes again after
 * `npm run generate`, and never writes while checking.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyOfRepository } from "./cli-harness.ts";

const copy = copyOfRepository("symgrad-fresh-");
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync("npx", ["tsx", "generator/bin.ts", "generate", ...args], { cwd: copy, encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe("generate --check", () => {
  it("passes on the committed tree", () => {
    const r = run("--check");
    expect(r.output).toContain("is fresh");
    expect(r.status).toBe(0);
  });

  it("fails on an edited generated file, a changed model, a module whose model is gone and a missing file; writes nothing", () => {
    const seedFile = join(copy, "generated", "seed.ts");
    const edited = readFileSync(seedFile, "utf8").replace("const _t0 =", "const _t0 = 0 +");
    writeFileSync(seedFile, edited);
    const model = join(copy, "generator", "models", "logistic.ts");
    writeFileSync(model, readFileSync(model, "utf8").replace("mul(w2, x2)", "mul(w2, w2, x2)"));
    // A module generated from a model file that no longer exists, and a file that is the user's own.
    const orphan = readFileSync(join(copy, "generated", "logistic.ts"), "utf8").replace(
      "from generator/models/logistic.ts",
      "from generator/models/deleted.ts",
    );
    writeFileSync(join(copy, "generated", "leftover.ts"), orphan);
    writeFileSync(join(copy, "generated", "notes.ts"), "export {};\n");
    rmSync(join(copy, "generated", "softmax_2_8_3.ts"));

    const r = run("--check");
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/stale: +generated\/logistic\.ts/);
    expect(r.output).toMatch(/stale: +generated\/seed\.ts/);
    expect(r.output).toMatch(/missing: +generated\/softmax_2_8_3\.ts/);
    expect(r.output).toMatch(/extra: +generated\/leftover\.ts/);
    expect(r.output).not.toMatch(/notes\.ts/);
    expect(readFileSync(seedFile, "utf8")).toBe(edited);
    expect(run("--check", "--quick").status).toBe(1);
  });

  it("passes again after generate, which removes the orphan and leaves the user's file", () => {
    const r = run();
    expect(r.output).toMatch(/removed generated\/leftover\.ts/);
    expect(run("--check").status).toBe(0);
    expect(run("--check", "--quick").status).toBe(0);
    expect(readFileSync(join(copy, "generated", "notes.ts"), "utf8")).toBe("export {};\n");
  });
});
