/**
 * `npm run generate -- --check` on a scratch copy of the repository: passes on the committed tree,
 * fails after a generated file or a model is edited (or an extra file appears), passes again after
 * `npm run generate`, and never writes while checking.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const copy = mkdtempSync(join(tmpdir(), "symgrad-fresh-"));
for (const entry of ["generator", "generated", "package.json", ".prettierrc.json", "tsconfig.json"]) {
  cpSync(join(root, entry), join(copy, entry), { recursive: true });
}
symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync("npx", ["tsx", "generator/cli.ts", ...args], { cwd: copy, encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe("generate --check", () => {
  it("passes on the committed tree", () => {
    const r = run("--check");
    expect(r.output).toContain("is fresh");
    expect(r.status).toBe(0);
  });

  it("fails on an edited generated file, a changed model and an extra file, and writes nothing", () => {
    const seedFile = join(copy, "generated", "seed.ts");
    const edited = readFileSync(seedFile, "utf8").replace("const _t0 =", "const _t0 = 0 +");
    writeFileSync(seedFile, edited);
    const model = join(copy, "generator", "models", "logistic.ts");
    writeFileSync(model, readFileSync(model, "utf8").replace("mul(w2, x2)", "mul(w2, w2, x2)"));
    writeFileSync(join(copy, "generated", "leftover.ts"), "export {};\n");
    rmSync(join(copy, "generated", "softmax_2_8_3.ts"));

    const r = run("--check");
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/stale: +generated\/logistic\.ts/);
    expect(r.output).toMatch(/stale: +generated\/seed\.ts/);
    expect(r.output).toMatch(/missing: +generated\/softmax_2_8_3\.ts/);
    expect(r.output).toMatch(/extra: +generated\/leftover\.ts/);
    expect(readFileSync(seedFile, "utf8")).toBe(edited);
  });

  it("passes again after npm run generate (extra files are the user's to remove)", () => {
    expect(run().status).toBe(0);
    rmSync(join(copy, "generated", "leftover.ts"));
    const r = run("--check");
    expect(r.output).toContain("is fresh");
    expect(r.status).toBe(0);
  });
});
