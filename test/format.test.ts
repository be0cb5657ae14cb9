/**
 * The two ways a module is printed and formatted (generator/emit/format.ts) give the same text: in this
 * thread (the whole printed file through prettier: what tests, --watch and the Vite plugin use) and on the
 * worker thread of `symgrad generate`, which formats statement by statement and reuses the text of a
 * statement it has formatted before. The oracle is prettier on the whole file. Also: the worker's code
 * cache of TypeScript's compiler, written, used, replaced when V8 rejects it, and done without.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatInThisThread, FormatWorker, type FormatWorkerOptions } from "../generator/emit/format.ts";
import { emitModelModule } from "../generator/pipeline.ts";
import { SHIPPED_MODELS } from "../generator/models/index.ts";
import type { ModuleStructure } from "../generator/emit/print.ts";
import { structureKind } from "../generator/emit/print.ts";

const worker = new FormatWorker();
afterAll(() => worker.close());

describe("formatting on the worker thread, statement by statement", () => {
  it.each(SHIPPED_MODELS.map((m) => [m.name, m] as const))("%s: the same text as the whole file formatted in this thread", async (_, model) => {
    const { structure } = emitModelModule(model);
    const [inThread, onWorker] = await Promise.all([formatInThisThread(structure), worker.format(structure)]);
    expect(onWorker.text).toBe(inThread.text);
  });

  it("keeps one blank line where the printed file has blank lines, none where it has none, and reuses repeated statements", async () => {
    const fn = (name: string, body: string) => ({
      kind: structureKind("Function"),
      name,
      statements: [body],
    });
    const structure: ModuleStructure = {
      statements: [
        "// a header comment\nconst  a=1;\nconst b = 2",
        "\n\n\nlet c = [1,2,\n3];",
        "",
        fn("f", "return  a"),
        "/** doc */\nexport const d = {x:1};",
        fn("f2", "return b"),
        fn("f", "return  a"),
        "const e = 'single';\n\n\n\nconst g = e;",
        "// a trailing comment",
      ] as ModuleStructure["statements"],
    };
    const [inThread, first, again] = await Promise.all([formatInThisThread(structure), worker.format(structure), worker.format(structure)]);
    expect(first.text).toBe(inThread.text);
    expect(again.text).toBe(inThread.text);
    expect(inThread.text).toContain("\n\n"); // the case has blank lines to keep
  });

  it("places blank lines as ts-morph's printer does when it prints the statements one by one: after a closing brace, before a function or an interface", async () => {
    const structure: ModuleStructure = {
      statements: [
        "const a = { x: 1 }",
        "const b = () => {\n  return  a;\n}",
        "let c = 3;",
        { kind: structureKind("TypeAlias"), name: "T", type: "{ a: number }" },
        { kind: structureKind("VariableStatement"), declarationKind: "const", declarations: [{ name: "d", initializer: "{ y:2 }" }] },
        { kind: structureKind("Interface"), name: "I", properties: [{ name: "p", type: "number" }] },
        "let e = 4;",
        { kind: structureKind("Function"), name: "f", statements: ["return  e"] },
        "",
        "let g = 5;",
        { kind: structureKind("Function"), name: "h", statements: ["return g"], docs: ["A doc."] },
      ] as ModuleStructure["statements"],
    };
    const [inThread, onWorker] = await Promise.all([formatInThisThread(structure), worker.format(structure)]);
    expect(onWorker.text).toBe(inThread.text);
  });

  it("gives whole-file text when it forgets statements it formatted before (a bounded memory, as --watch keeps it)", async () => {
    const forgetful = new FormatWorker({ maxRememberedStatements: 3 });
    try {
      const fn = (name: string) => ({ kind: structureKind("Function"), name, statements: [`return  ${name.length}`] });
      const first: ModuleStructure = { statements: ["const  a=1;", fn("f"), fn("g")] as ModuleStructure["statements"] };
      // Shares f and g with the first module, and has more statements than the memory holds.
      const second: ModuleStructure = { statements: [fn("f"), "let b = [1,2];", fn("g"), fn("h")] as ModuleStructure["statements"] };
      for (const structure of [first, second, first]) {
        const [inThread, onWorker] = await Promise.all([formatInThisThread(structure), forgetful.format(structure)]);
        expect(onWorker.text).toBe(inThread.text);
      }
    } finally {
      await forgetful.close();
    }
  });

  it("rejects requests once its thread has stopped, instead of leaving them unanswered", async () => {
    const dead = new FormatWorker();
    await (dead as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(dead.format("const a = 1;")).rejects.toThrow(/printing worker thread stopped/);
    await dead.close();
  });
});

describe("the worker's code caches of TypeScript's compiler, ts-morph and prettier", () => {
  const scratch = mkdtempSync(join(tmpdir(), "symgrad-code-cache-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const model = SHIPPED_MODELS.find((m) => m.name === "logistic")!;

  /** What a fresh worker did with the caches, and whether it formatted a module as this thread does. */
  async function startWorker(options: FormatWorkerOptions) {
    const fresh = new FormatWorker(options);
    try {
      const { structure } = emitModelModule(model);
      const [inThread, onWorker] = await Promise.all([formatInThisThread(structure), fresh.format(structure)]);
      return { use: await fresh.codeCache, sameText: onWorker.text === inThread.text };
    } finally {
      await fresh.close();
    }
  }
  const caches = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".v8cache")).sort();
  const STEMS = ["prettier-babel", "prettier-estree", "prettier-standalone", "ts-morph", "ts-morph-common", "typescript"];

  it("writes them on first use, uses them after, replaces one V8 rejects (and another version's), and formats the same text each time", async () => {
    const dir = join(scratch, "cache");
    expect(await startWorker({ codeCacheDir: dir })).toEqual({ use: "written", sameText: true });
    const written = caches(dir);
    expect(written).toHaveLength(STEMS.length);
    // One cache per file, each named by its stem. (Not compared in sorted order: whether
    // "ts-morph-<hash>" sorts before "ts-morph-common-…" depends on the hash, i.e. on the install's mtimes.)
    for (const stem of STEMS) {
      const named = new RegExp(`^${stem}-[0-9a-f]{16}-node${process.version}-${process.arch}-[0-9a-f]{8}\\.v8cache$`);
      expect(written.filter((name) => named.test(name)), stem).toHaveLength(1);
    }
    expect(await startWorker({ codeCacheDir: dir })).toEqual({ use: "used", sameText: true });
    const typescript = written.find((name) => name.startsWith("typescript-"))!;
    writeFileSync(join(dir, typescript), "not a code cache");
    writeFileSync(join(dir, "typescript-0123456789abcdef-nodev0.0.0-x64-01234567.v8cache"), "another version's");
    writeFileSync(join(dir, "ts-morph-0123456789abcdef-nodev0.0.0-x64-01234567.v8cache"), "not TypeScript's, and not rewritten");
    expect(await startWorker({ codeCacheDir: dir })).toEqual({ use: "replaced", sameText: true });
    // Only the rewritten file's other versions are removed: ts-morph's cache was used, not written.
    expect(caches(dir)).toEqual([...written, "ts-morph-0123456789abcdef-nodev0.0.0-x64-01234567.v8cache"].sort());
    expect(await startWorker({ codeCacheDir: dir })).toEqual({ use: "used", sameText: true });
  });

  it("keeps a set per set of V8 flags, which V8 checks them against (generate raises the interrupt budget while it warms up)", async () => {
    const dir = join(scratch, "per-flags");
    const raised = { codeCacheDir: dir, v8FlagsSet: "--interrupt-budget=540672" };
    expect(await startWorker({ codeCacheDir: dir })).toEqual({ use: "written", sameText: true });
    expect(await startWorker(raised)).toEqual({ use: "written", sameText: true });
    expect(caches(dir)).toHaveLength(2 * STEMS.length);
    expect(await startWorker({ codeCacheDir: dir })).toEqual({ use: "used", sameText: true });
    expect(await startWorker(raised)).toEqual({ use: "used", sameText: true });
  });

  it("does without one where the folder cannot be made, or when told", async () => {
    const file = join(scratch, "a-file");
    writeFileSync(file, "");
    expect(await startWorker({ codeCacheDir: join(file, "cache") })).toEqual({ use: "not written", sameText: true });
    expect(readdirSync(scratch).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(await startWorker({ codeCacheDir: false })).toEqual({ use: "off", sameText: true });
  });
});
