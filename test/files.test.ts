/**
 * The atomic writer: rename really happens (new inode), the destination's mode, owner and symlinks are
 * kept, a failure between writing and renaming leaves nothing behind, and stale temps of killed runs go.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  lstatSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OutputError, leftoverTemps, removeStaleTemps, writeFileAtomic, writeFilesAtomic } from "../src/files.ts";
import { isRoot, scratchDir } from "./cli-harness.ts";

const injected = (code: string) => () => {
  throw Object.assign(new Error(`injected ${code}`), { code });
};

describe("writeFileAtomic", () => {
  it("replaces the file by rename: the inode changes and the content is complete", () => {
    const file = join(scratchDir(), "run.json");
    writeFileSync(file, "old");
    const before = statSync(file).ino;
    writeFileAtomic(file, "new");
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(statSync(file).ino).not.toBe(before);
  });

  it("keeps the destination's mode 600", () => {
    const file = join(scratchDir(), "secret.json");
    writeFileSync(file, "old");
    chmodSync(file, 0o600);
    writeFileAtomic(file, "new");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.runIf(isRoot)("keeps the destination's owner when run as root", () => {
    const file = join(scratchDir(), "theirs.json");
    writeFileSync(file, "old");
    chownSync(file, 65534, 65534);
    writeFileAtomic(file, "new");
    expect([statSync(file).uid, statSync(file).gid]).toEqual([65534, 65534]);
  });

  it("writes through a symlink to its target and keeps the link", () => {
    const dir = scratchDir();
    mkdirSync(join(dir, "real"));
    writeFileSync(join(dir, "real", "run.json"), "old");
    symlinkSync("real/run.json", join(dir, "link.json"));
    writeFileAtomic(join(dir, "link.json"), "new");
    expect(lstatSync(join(dir, "link.json")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "link.json"))).toBe("real/run.json");
    expect(readFileSync(join(dir, "real", "run.json"), "utf8")).toBe("new");
    expect(readdirSync(join(dir, "real"))).toEqual(["run.json"]);
  });

  it("fault injected after the temp file is written, before rename: old file intact, no temp left", () => {
    const dir = scratchDir();
    const file = join(dir, "run.json");
    writeFileSync(file, "old");
    let temps: readonly string[] = [];
    const fail = (written: readonly string[]) => {
      temps = written;
      expect(readFileSync(written[0], "utf8")).toBe("new"); // the temp really holds the new content
      injected("ENOSPC")();
    };
    expect(() => writeFileAtomic(file, "new", { beforeRename: fail })).toThrow(
      new OutputError(`cannot write ${file}: no space left on device (ENOSPC)`),
    );
    expect(temps).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["run.json"]);
  });

  it("writes a set of files all or none: a failing second file leaves the first untouched", () => {
    const dir = scratchDir();
    writeFileSync(join(dir, "a.svg"), "old a");
    writeFileSync(join(dir, "blocker"), "a file where a directory should be");
    expect(() =>
      writeFilesAtomic([
        [join(dir, "a.svg"), "new a"],
        [join(dir, "blocker", "b.json"), "new b"],
      ]),
    ).toThrow(OutputError);
    expect(readFileSync(join(dir, "a.svg"), "utf8")).toBe("old a");
    expect(readdirSync(dir).sort()).toEqual(["a.svg", "blocker"]);
  });

  it("fails with a one-line OutputError when the destination is a directory, and leaves no temp", () => {
    const dir = scratchDir();
    mkdirSync(join(dir, "taken"));
    expect(() => writeFileAtomic(join(dir, "taken"), "new")).toThrow(
      /^cannot write .*taken: is a directory \(EISDIR\)$/,
    );
    expect(readdirSync(dir)).toEqual(["taken"]);
  });
});

describe("removeStaleTemps", () => {
  it("removes only symgrad's temps for these outputs whose process is gone", () => {
    const dir = scratchDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!; // has exited: its pid names no live process
    const alive = process.ppid;
    const names = {
      stale: `.run.json.symgrad-${dead}-0badf00d.tmp`,
      live: `.run.json.symgrad-${alive}-0badf00d.tmp`,
      otherOutput: `.other.json.symgrad-${dead}-0badf00d.tmp`,
      userFile: ".run.json.tmp",
      lookalike: `.run.json.symgrad-${dead}-xyz.tmp`,
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), "x");
    expect(leftoverTemps(dir).sort()).toEqual([names.otherOutput, names.stale].sort());
    expect(removeStaleTemps([join(dir, "run.json")])).toEqual([join(dir, names.stale)]);
    expect(readdirSync(dir).sort()).toEqual([names.live, names.otherOutput, names.userFile, names.lookalike].sort());
  });
});
