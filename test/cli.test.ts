/** `symgrad generate` as a user runs it: flags, errors, exit codes, what it may overwrite, --check. */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { warmUpBudgetApplies, writeBuild, type Build } from "../generator/commands/generate.ts";
import { generateModule, generateRegistry } from "../generator/pipeline.ts";
import { readExisting } from "../generator/out-dir.ts";
import { permissionSkipReason } from "./cli-harness.ts";
import { SHIPPED_MODELS } from "../generator/models/index.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "symgrad-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the symgrad command in `cwd` (by default a folder with no package.json: CommonJS territory). */
function symgrad(args: string[], cwd = scratch) {
  const r = spawnSync(join(root, "node_modules/.bin/tsx"), [join(root, "generator/bin.ts"), ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A one-neuron logistic model named `name`, written with everyday names, as a user would. */
const modelSource = (name: string, extra = "") => `
import { add, defineModel, mul, sigmoid, sub, log, neg, symbols } from "${root}generator/index.ts";
const [x, y, w, b] = symbols("x y w b");
const p = sigmoid(add(mul(w, x), b));
${extra}
export default defineModel({ name: "${name}", inputs: [x], targets: [y], params: [w, b], outputs: [p],
  loss: neg(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p))))) });
`;

let folders = 0;
/** A fresh folder with the given files. */
function project(files: Record<string, string>): string {
  const dir = join(scratch, `p${folders++}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe("symgrad", () => {
  it("prints help for itself and every command, with -h and --help, and its version", () => {
    for (const args of [["--help"], ["-h"], ["generate", "-h"], ["check", "--help"], ["train", "-h"]]) {
      const r = symgrad(args);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage: (npm run train --|symgrad)/);
    }
    expect(symgrad(["generate", "-h"]).stdout).toMatch(/--check[\s\S]*--watch[\s\S]*--force[\s\S]*Exit codes/);
    expect(symgrad(["--version"]).stdout.trim()).toBe(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  });

  it.each([
    ["an unknown command", ["generat"], /unknown command "generat"/],
    ["an unknown flag", ["generate", "--chekc"], /Unknown option '--chekc'/],
    ["model files without --out", ["generate", "x.ts"], /--out DIR is required/],
    ["an empty --out", ["generate", "x.ts", "--out", ""], /--out: the folder name is empty/],
    ["a missing model file", ["generate", "no/such/model.ts", "--out", "out"], /no such model file: no\/such\/model\.ts/],
    ["a glob that matches nothing", ["generate", "nothing/*.ts", "--out", "out"], /no file matches nothing\/\*\.ts/],
    ["no model and no config", ["generate"], /no model files given and no symgrad\.config/],
  ])("exits 2 with a one-line message on %s", (_, args, message) => {
    const r = symgrad(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("exits 3 when --out is a file, writing nothing", () => {
    const dir = project({ "m.ts": modelSource("m"), "taken": "a file\n" });
    const r = symgrad(["generate", "m.ts", "--out", "taken"], dir);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/--out: taken exists and is not a directory/);
    expect(readFileSync(join(dir, "taken"), "utf8")).toBe("a file\n");
  });
});

describe("symgrad generate: V8's interrupt budget while a run warms up", () => {
  const node20 = "11.3.244.8-node.38";
  it("is raised on the V8 its values were measured on (Node 20's), with no budget of the user's", () => {
    expect(warmUpBudgetApplies(node20, [])).toBe(true);
    expect(warmUpBudgetApplies(node20, ["--max-old-space-size=4096", "--enable-source-maps"])).toBe(true);
  });
  it("is left alone on another V8, whose default it would not restore", () => {
    expect(warmUpBudgetApplies("12.4.254.21-node.33", [])).toBe(false);
    expect(warmUpBudgetApplies("11.30.1.0", [])).toBe(false);
  });
  it("is left alone when the user set one as a node flag, in either spelling", () => {
    expect(warmUpBudgetApplies(node20, ["--interrupt-budget=1000"])).toBe(false);
    expect(warmUpBudgetApplies(node20, ["--import", "tsx", "--interrupt_budget=5000"])).toBe(false);
  });
});

describe("symgrad generate", () => {
  it("loads a .ts model outside any ESM package (CommonJS territory) and writes module and registry", () => {
    const dir = project({ "model.ts": modelSource("tiny") });
    const r = symgrad(["generate", "model.ts", "--out", "gen"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(join(dir, "gen")).sort()).toEqual(["index.ts", "tiny.ts"]);
    const module = readFileSync(join(dir, "gen", "tiny.ts"), "utf8");
    // The header names the source relative to the project and the exact command, never a machine path.
    expect(module).toMatch(/^\/\/ @generated by symgrad from model\.ts -- DO NOT EDIT\./);
    expect(module).toContain("Regenerate with `symgrad generate model.ts --out gen`");
    expect(module).not.toContain(scratch);
  });

  it("takes globs, and exits 2 on two models with one name, writing nothing", () => {
    const dir = project({ "models/a.ts": modelSource("same"), "models/b.ts": modelSource("same") });
    const r = symgrad(["generate", "models/*.ts", "--out", "gen"], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/model name "same" is defined by both models\/a\.ts and models\/b\.ts/);
    expect(() => readdirSync(join(dir, "gen"))).toThrow();
  });

  it("refuses the name of the registry", () => {
    const dir = project({ "m.ts": modelSource("index") });
    const r = symgrad(["generate", "m.ts", "--out", "gen"], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/"index" is reserved for the registry/);
  });

  it("exits 2 for a file without a defineModel default export, and for a model that throws, keeping earlier output", () => {
    const dir = project({
      "tiny.ts": modelSource("tiny"),
      "nope.ts": "export default { name: 'nope' };\n",
      "bad.ts": modelSource("tiny").replace("params: [w, b]", "params: [w, b, w]"),
    });
    expect(symgrad(["generate", "tiny.ts", "--out", "gen"], dir).status).toBe(0);
    const before = readFileSync(join(dir, "gen", "tiny.ts"), "utf8");

    const nope = symgrad(["generate", "nope.ts", "--out", "gen"], dir);
    expect(nope.status).toBe(2);
    expect(nope.stderr).toMatch(/nope\.ts must have a default export made by defineModel/);
    const bad = symgrad(["generate", "bad.ts", "--out", "gen"], dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/defineModel\("tiny"\): symbol "w" appears twice in params/);
    expect(readFileSync(join(dir, "gen", "tiny.ts"), "utf8")).toBe(before);
    expect(readdirSync(join(dir, "gen")).sort()).toEqual(["index.ts", "tiny.ts"]);
  });

  it("never overwrites a file it did not write from the same model file, unless --force", () => {
    const dir = project({ "a/m.ts": modelSource("shared"), "b/m.ts": modelSource("shared"), "gen/mine.ts": "// mine\n" });
    expect(symgrad(["generate", "a/m.ts", "--out", "gen"], dir).status).toBe(0);
    const clash = symgrad(["generate", "b/m.ts", "--out", "gen"], dir);
    expect(clash.status).toBe(2);
    expect(clash.stderr).toMatch(/gen\/shared\.ts was generated from a\/m\.ts, not b\/m\.ts/);
    expect(symgrad(["generate", "b/m.ts", "--out", "gen", "--force"], dir).status).toBe(0);
    expect(readFileSync(join(dir, "gen", "shared.ts"), "utf8")).toContain("from b/m.ts");

    writeFileSync(join(dir, "c.ts"), modelSource("mine"));
    const user = symgrad(["generate", "c.ts", "--out", "gen"], dir);
    expect(user.status).toBe(2);
    expect(user.stderr).toMatch(/gen\/mine\.ts exists and was not written by symgrad/);
    expect(readFileSync(join(dir, "gen", "mine.ts"), "utf8")).toBe("// mine\n");
  });

  it("rebuilds only the models whose sources changed, without running the others (their stamps match)", () => {
    const refuse = `if (process.env.SYMGRAD_TEST_MODEL_RAN) throw new Error("model one ran");`;
    const dir = project({ "one.ts": modelSource("one", refuse), "two.ts": modelSource("two") });
    expect(symgrad(["generate", "one.ts", "two.ts", "--out", "gen"], dir).status).toBe(0);
    const one = readFileSync(join(dir, "gen", "one.ts"), "utf8");
    writeFileSync(join(dir, "two.ts"), modelSource("two", "// edited"));
    const r = spawnSync(join(root, "node_modules/.bin/tsx"), [join(root, "generator/bin.ts"), "generate", "one.ts", "two.ts", "--out", "gen"], {
      cwd: dir, encoding: "utf8", env: { ...process.env, SYMGRAD_TEST_MODEL_RAN: "1" },
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^kept one \(stamps match their model files; --force rebuilds\)$/m);
    expect(r.stdout).toMatch(/^wrote gen\/two\.ts$/m);
    expect(readFileSync(join(dir, "gen", "one.ts"), "utf8")).toBe(one);
    expect(readFileSync(join(dir, "gen", "index.ts"), "utf8")).toMatch(/one: _one,\s+two: _two/);
    expect(symgrad(["generate", "one.ts", "two.ts", "--out", "gen", "--check"], dir).status).toBe(0);
    expect(symgrad(["generate", "one.ts", "two.ts", "--out", "gen"], dir).stdout).toMatch(/^gen unchanged \(each module's stamp matches/m);
  });

  it("keeps other models' modules in the registry and removes the one a renamed model left behind", () => {
    const dir = project({ "one.ts": modelSource("one"), "two.ts": modelSource("two") });
    expect(symgrad(["generate", "one.ts", "--out", "gen"], dir).status).toBe(0);
    expect(symgrad(["generate", "two.ts", "--out", "gen"], dir).status).toBe(0);
    expect(readFileSync(join(dir, "gen", "index.ts"), "utf8")).toMatch(/one: _one,\s+two: _two/);

    writeFileSync(join(dir, "two.ts"), modelSource("deux"));
    const stale = symgrad(["generate", "two.ts", "--out", "gen", "--check"], dir);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/missing: gen\/deux\.ts[\s\S]*extra: +gen\/two\.ts/);
    const r = symgrad(["generate", "two.ts", "--out", "gen"], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/removed gen\/two\.ts/);
    expect(readdirSync(join(dir, "gen")).sort()).toEqual(["deux.ts", "index.ts", "one.ts"]);
  });

  it("recognizes the modules it wrote by their first line, also as earlier versions wrote it (an em dash)", () => {
    const dir = project({ "package.json": "{}" });
    const header = (dash: string) => `// @generated by symgrad from models/m.ts ${dash} DO NOT EDIT.\n// symgrad-stamp: 0123\n`;
    writeFileSync(join(dir, "new.ts"), header("--"));
    writeFileSync(join(dir, "old.ts"), header("\u2014"));
    writeFileSync(join(dir, "mine.ts"), "// @generated by hand\n");
    expect([readExisting(join(dir, "new.ts")), readExisting(join(dir, "old.ts")), readExisting(join(dir, "mine.ts"))]).toEqual([
      { file: "new.ts", generated: true, source: "models/m.ts", stamp: "0123" },
      { file: "old.ts", generated: true, source: "models/m.ts", stamp: "0123" },
      { file: "mine.ts", generated: false },
    ]);
  });

  it("checks stamps of many model files at once, reporting the first that fails to bundle, in the order given", () => {
    const dir = project({ "a.ts": modelSource("a"), "b.ts": modelSource("b"), "c.ts": modelSource("c") });
    expect(symgrad(["generate", "a.ts", "b.ts", "c.ts", "--out", "out"], dir).status).toBe(0);
    // b reads a file that is not there; c does not parse. Bundled at once, c may fail first, yet b is named.
    writeFileSync(join(dir, "b.ts"), `import "./gone.ts";\n${modelSource("b")}`);
    writeFileSync(join(dir, "c.ts"), `${modelSource("c")}\nexport const = ;\n`);
    for (const args of [["generate", "a.ts", "b.ts", "c.ts", "--out", "out"], ["generate", "a.ts", "b.ts", "c.ts", "--out", "out", "--check", "--quick"]]) {
      const r = symgrad(args, dir);
      expect(r.status).toBe(2);
      // Named as given (not by its absolute path), as a run that rebuilds names it.
      expect(r.stderr).toMatch(/^symgrad generate: b\.ts: .*gone\.ts/m);
      expect(r.stderr).not.toMatch(/c\.ts:/);
    }
    // Fixed again, all three are fresh by their stamps and kept without running.
    writeFileSync(join(dir, "b.ts"), modelSource("b"));
    writeFileSync(join(dir, "c.ts"), modelSource("c"));
    const again = symgrad(["generate", "a.ts", "b.ts", "c.ts", "--out", "out"], dir);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/out unchanged \(each module's stamp matches/);
  });

  it("reads symgrad.config.json when given no model files", () => {
    const dir = project({
      "models/m.ts": modelSource("configured"),
      "symgrad.config.json": JSON.stringify({ models: ["models/*.ts"], out: "src/gen" }),
    });
    const r = symgrad(["generate"], dir);
    expect(r.status).toBe(0);
    expect(readdirSync(join(dir, "src", "gen")).sort()).toEqual(["configured.ts", "index.ts"]);
    expect(symgrad(["generate", "--check"], dir).status).toBe(0);
    expect(symgrad(["generate", "--check", "--quick"], dir).status).toBe(0);
  });
});

describe("symgrad generate into a closed pipe (symgrad generate | head)", () => {
  it("drops what is left to print, still writes every module, and exits 0 without a stack trace", async () => {
    const dir = project({ "m.ts": modelSource("piped") });
    const child = spawn(join(root, "node_modules/.bin/tsx"), [join(root, "generator/bin.ts"), "generate", "m.ts", "--out", "gen"], { cwd: dir });
    child.stdout.destroy(); // the reader is gone before the first line: every write meets EPIPE
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(existsSync(join(dir, "gen", "piped.ts"))).toBe(true);
  }, 60_000);
});

describe("symgrad generate --check", () => {
  const dir = project({ "m.ts": modelSource("m"), "lib.ts": "export const scale = 1;\n" });
  const file = join(dir, "gen", "m.ts");
  let committed = "";

  it("passes after generate, and rewriting an unchanged module keeps its inode", () => {
    expect(symgrad(["generate", "m.ts", "--out", "gen"], dir).status).toBe(0);
    committed = readFileSync(file, "utf8");
    const inode = statSync(file).ino;
    expect(symgrad(["generate", "m.ts", "--out", "gen"], dir).stdout).toContain("gen unchanged");
    expect(statSync(file).ino).toBe(inode);
    expect(symgrad(["generate", "m.ts", "--out", "gen", "--check"], dir).status).toBe(0);
  });

  it.each([
    ["the last byte changed", (t: string) => `${t.slice(0, -1)} `],
    ["the final newline dropped", (t: string) => t.slice(0, -1)],
    ["CRLF line endings", (t: string) => t.replaceAll("\n", "\r\n")],
    ["a trailing space on one line", (t: string) => t.replace("export const MODEL", "export const MODEL ")],
  ])("reports %s as stale, writing nothing", (_, edit) => {
    const edited = edit(committed);
    expect(edited).not.toBe(committed);
    writeFileSync(file, edited);
    const r = symgrad(["generate", "m.ts", "--out", "gen", "--check"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale: +gen\/m\.ts/);
    expect(readFileSync(file, "utf8")).toBe(edited);
    writeFileSync(file, committed);
  });

  it("--quick sees an edited module (its hash no longer matches) and a changed import of the model", () => {
    writeFileSync(file, committed.replace("const _t0 =", "const _t0 = 0 +"));
    const edited = symgrad(["generate", "m.ts", "--out", "gen", "--check", "--quick"], dir);
    expect(edited.status).toBe(1);
    expect(edited.stderr).toMatch(/edited: +gen\/m\.ts/);
    writeFileSync(file, committed);

    writeFileSync(join(dir, "m.ts"), modelSource("m", 'import { scale } from "./lib.ts"; void scale;'));
    expect(symgrad(["generate", "m.ts", "--out", "gen"], dir).status).toBe(0);
    expect(symgrad(["generate", "m.ts", "--out", "gen", "--check", "--quick"], dir).status).toBe(0);
    writeFileSync(join(dir, "lib.ts"), "export const scale = 2;\n");
    const stale = symgrad(["generate", "m.ts", "--out", "gen", "--check", "--quick"], dir);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/stale: +gen\/m\.ts/);
  });

  it("reports a temporary file left by a killed run, and the next generate removes it", () => {
    expect(symgrad(["generate", "m.ts", "--out", "gen"], dir).status).toBe(0);
    const leftover = join(dir, "gen", ".m.ts.symgrad-999999999-0badf00d.tmp"); // no process has this id
    writeFileSync(leftover, "half a file");
    const r = symgrad(["generate", "m.ts", "--out", "gen", "--check"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/extra: +gen\/\.m\.ts\.symgrad-999999999-0badf00d\.tmp/);
    expect(symgrad(["generate", "m.ts", "--out", "gen"], dir).status).toBe(0);
    expect(readdirSync(join(dir, "gen")).sort()).toEqual(["index.ts", "m.ts"]);
  });
});

describe("symgrad generate: writing files", () => {
  it("exits 3 for an --out that is a link to nothing", () => {
    const dir = project({ "m.ts": modelSource("m") });
    symlinkSync(join(dir, "nowhere"), join(dir, "gen"));
    const r = symgrad(["generate", "m.ts", "--out", "gen"], dir);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/--out: .*gen is a symbolic link to a missing directory/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it.skipIf(permissionSkipReason !== "")(`exits 3 for a read-only --out, as a user who cannot write it ${permissionSkipReason}`, () => {
    const dir = project({ "m.ts": modelSource("m") });
    mkdirSync(join(dir, "gen"));
    chmodSync(join(dir, "gen"), 0o555);
    for (const folder of [scratch, dir]) chmodSync(folder, 0o755); // nobody must reach the model file
    const r = spawnSync(
      "setpriv",
      ["--reuid=nobody", "--regid=nogroup", "--clear-groups", join(root, "node_modules/.bin/tsx"), join(root, "generator/bin.ts"), "generate", "m.ts", "--out", "gen"],
      { cwd: dir, encoding: "utf8", env: { ...process.env, HOME: tmpdir() } },
    );
    expect(r.stderr).toMatch(/--out: .*gen is not writable/);
    expect(r.status).toBe(3);
    expect(readdirSync(join(dir, "gen"))).toEqual([]);
  });

  it("keeps a module's mode and writes through a symlink to it", () => {
    const dir = project({ "m.ts": modelSource("m") });
    expect(symgrad(["generate", "m.ts", "--out", "gen"], dir).status).toBe(0);
    const module = join(dir, "gen", "m.ts");
    const before = readFileSync(module, "utf8");
    renameSync(module, join(dir, "real-m.ts"));
    symlinkSync(join(dir, "real-m.ts"), module);
    chmodSync(join(dir, "real-m.ts"), 0o600);
    writeFileSync(join(dir, "m.ts"), modelSource("m").replace("mul(w, x)", "mul(w, x, x)"));
    expect(symgrad(["generate", "m.ts", "--out", "gen"], dir).status).toBe(0);
    expect(lstatSync(module).isSymbolicLink()).toBe(true);
    expect(statSync(join(dir, "real-m.ts")).mode & 0o777).toBe(0o600);
    expect(readFileSync(module, "utf8")).not.toBe(before);
    expect(readFileSync(join(dir, "real-m.ts"), "utf8")).toBe(readFileSync(module, "utf8"));
  });

  it("writes all files or none: a failure after the temporaries are written leaves old files and no temporary", () => {
    const dir = join(scratch, "fault");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "a.ts"), "old a\n");
    writeFileSync(join(dir, "index.ts"), "old index\n");
    const built: Build = {
      modules: [], rebuilt: [], seconds: [], orphans: [],
      files: [{ path: "a.ts", content: "new a\n" }, { path: "index.ts", content: "new index\n" }],
    };
    let temporaries: readonly string[] = [];
    const failBeforeRename = {
      beforeRename(temps: readonly string[]) {
        temporaries = temps;
        expect(temps.every((t) => readdirSync(dir).includes(t.slice(dir.length + 1)))).toBe(true);
        throw Object.assign(new Error("injected"), { code: "ENOSPC" });
      },
    };
    expect(() => writeBuild(dir, built, failBeforeRename)).toThrow(/no space left on device/);
    expect(temporaries).toHaveLength(2);
    expect(readdirSync(dir).sort()).toEqual(["a.ts", "index.ts"]);
    expect(readFileSync(join(dir, "a.ts"), "utf8")).toBe("old a\n");

    const inode = statSync(join(dir, "a.ts")).ino;
    expect(writeBuild(dir, built).written).toEqual(["a.ts", "index.ts"]);
    expect(readFileSync(join(dir, "a.ts"), "utf8")).toBe("new a\n");
    expect(statSync(join(dir, "a.ts")).ino).not.toBe(inode); // a new file renamed into place
  });
});

describe("determinism", () => {
  const small = SHIPPED_MODELS.filter((m) => m.params.length < 1000);

  it("generates identical bytes twice in one process", async () => {
    for (const model of small) {
      const first = await generateModule(model);
      const second = await generateModule(model);
      expect(second.content).toBe(first.content);
    }
  });

  it("generates identical bytes when the models are built in another order, in another process", async () => {
    // Reverse import order changes every node's creation number; the output must not notice.
    const names = small.map((m) => m.name).reverse();
    const script = `
      const { generateModule } = await import("${root}generator/pipeline.ts");
      const models = [];
      for (const name of ${JSON.stringify(names)}) models.push((await import("${root}generator/models/" + name + ".ts")).default);
      const out = {};
      for (const m of models) out[m.name] = (await generateModule(m)).content;
      console.log(JSON.stringify(out));`;
    const file = join(scratch, "reverse-order.mts");
    writeFileSync(file, script);
    const r = spawnSync("npx", ["tsx", file], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
    const other = JSON.parse(r.stdout) as Record<string, string>;
    for (const model of small) expect(other[model.name], model.name).toBe((await generateModule(model)).content);
  });

  it("sorts the registry whatever the order of the names", async () => {
    const names = SHIPPED_MODELS.map((m) => m.name);
    const forward = await generateRegistry(names);
    const backward = await generateRegistry([...names].reverse());
    expect(backward.content).toBe(forward.content);
    expect(forward.content).toBe(readFileSync(join(root, "generated", "index.ts"), "utf8"));
  });
});
