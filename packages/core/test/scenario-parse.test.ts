import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isUserError, UserError } from "../src/errors.js";
import {
  type AddressArg,
  catalogFiles,
  encodeString,
  expectedVerdict,
  intOption,
  loadScenarioFile,
  parseScenario,
  stringWords,
  validateForProfile,
  wordOption,
} from "../src/scenario/index.js";
import { expectParseError, KITCHEN_SINK, withSteps } from "./scenario-fixtures.js";

describe("parseScenario on valid files", () => {
  it("reads the fuse-writev example into the AST", () => {
    const [file] = catalogFiles().filter((f) => f.endsWith("/fuse-writev.yaml"));
    const s = loadScenarioFile(file);
    expect(s.name).toBe("fuse-writev");
    expect(s.flushlab).toBe(1);
    expect(s.cpus).toBe(1);
    expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.tasks).toHaveLength(1);
    expect(s.tasks[0]).toMatchObject({ name: "client", cpu: 0, threads: ["client"] });
    expect(s.tasks[0].maps[0]).toMatchObject({
      name: "buf",
      anon: true,
      file: null,
      pages: 1,
      prot: { r: true, w: true, x: false },
      colour: 1,
      frameColour: 0,
      at: null,
      fixed: false,
      shared: false,
    });
    expect(s.steps.map((step) => step.op)).toEqual([
      "load",
      "store",
      "get_user_pages",
      "kmap_atomic",
      "load",
      "kunmap_atomic",
      "put_page",
    ]);
    const store = s.steps[1];
    expect(store.args[0]).toMatchObject({
      kind: "address",
      base: "buf",
      page: null,
      offset: 16,
      baseKind: "map",
    });
    expect(store.args[1]).toMatchObject({ kind: "int", value: 0x11111111 });
    expect(store.options.len).toMatchObject({ kind: "int", value: 4 });
    expect(store.text).toBe("store buf+0x10 0x11111111 len=4");
    expect(store.where).toEqual({ file, line: 21, col: 5 });
    expect(s.steps[2].bind).toBe("p");
    expect(s.steps[4].args[0]).toMatchObject({ base: "k", offset: 16, baseKind: "kaddr" });
    // the generic verdicts of issue 3 (the architecture packages add theirs to the same block)
    expect(
      s.expect.filter((e) => e.pattern.startsWith("generic/")).map((e) => [e.pattern, e.verdict]),
    ).toEqual([
      ["generic/pipt@asm-generic", "coherent"],
      ["generic/vivt@asm-generic", "stale"],
      ["generic/vivt@flush-all", "coherent"],
    ]);
  });

  it("reads the threaded example: two threads of one task", () => {
    const [file] = catalogFiles().filter((f) => f.endsWith("/fuse-writev-threaded.yaml"));
    const s = loadScenarioFile(file);
    expect(s.tasks[0].threads).toEqual(["client", "helper"]);
    const helper = s.steps.filter((step) => step.actor === "helper");
    expect(helper.map((step) => [step.op, step.actorKind, step.task, step.cpu])).toEqual([
      ["load", "thread", "client", 0],
      ["store", "thread", "client", 0],
    ]);
    expect(expectedVerdict(s, "generic/vivt@flush-all")).toBe("stale");
  });

  it("reads every kind of step, with windows, bindings, options and actors", () => {
    const s = parseScenario(KITCHEN_SINK, "k.yaml");
    expect(s.cpus).toBe(2);
    expect(s.files).toMatchObject([
      { name: "data", pages: 2, dax: false },
      { name: "pmem", pages: 1, dax: true },
    ]);
    expect(s.tasks.map((t) => [t.name, t.cpu, t.threads])).toEqual([
      ["app", 0, ["app", "worker"]],
      ["debugger", 1, ["debugger"]],
    ]);
    const [, text, fixed] = s.tasks[0].maps;
    expect(text).toMatchObject({ file: "data", pgoff: 1, prot: { r: true, w: false, x: true } });
    expect(fixed).toMatchObject({ at: 0x40000000, fixed: true });
    // the window is nested under the fork; indices follow document order
    const fork = s.steps.find((step) => step.op === "fork")!;
    expect(fork.bind).toBe("child");
    expect(fork.window?.map((w) => [w.index, w.actor, w.op])).toEqual([[6, "worker", "store"]]);
    expect(s.steps[s.steps.indexOf(fork) + 1].index).toBe(7);
    // the child inherits the parent's mappings and runs on its CPU
    const childStore = s.steps.find((step) => step.actor === "child")!;
    expect(childStore).toMatchObject({ task: "child", cpu: 0 });
    expect((childStore.args[0] as AddressArg).task).toBe("child");
    // values: negative numbers as two's complement words, strings kept
    expect(s.steps[3].args[1]).toMatchObject({ kind: "int", value: 0xffffffff });
    expect(s.steps[2].args[1]).toMatchObject({ kind: "string", value: "hello world" });
    // bare boolean options, flags normalised to their short names, defaults through the op table
    const mmap = s.steps.find((step) => step.op === "mmap")!;
    expect(mmap.options.shared).toMatchObject({ kind: "int", value: 1 });
    expect(mmap.map).toMatchObject({ name: "win", file: "data", shared: true, colour: 3, pages: 2 });
    const sg = s.steps.find((step) => step.op === "sg_miter_start")!;
    expect(sg.options.flags).toMatchObject({ kind: "name", value: "TO_SG|ATOMIC" });
    expect(sg.args[0]).toMatchObject({ baseKind: "kaddr", base: "slab" });
    const gup = s.steps.find((step) => step.op === "get_user_pages")!;
    expect(intOption(gup, "pages")).toBe(2);
    expect(intOption(gup, "write")).toBe(1);
    const load = s.steps[0];
    expect(intOption(load, "len")).toBe(4);
    expect(intOption(s.steps[2], "len")).toBeNull(); // a string's length comes from the string
    const direct = s.steps.find((step) => step.op === "write_direct")!;
    expect(wordOption(direct, "via")).toBe("dma");
    // actors
    expect(s.steps.find((step) => step.actor === "kworker@1")).toMatchObject({
      actorKind: "kworker",
      cpu: 1,
      task: null,
    });
    expect(s.steps.find((step) => step.actor === "device")).toMatchObject({ actorKind: "device", cpu: null });
    expect(s.steps.find((step) => step.op === "dma_write")!.args[0]).toMatchObject({
      baseKind: "handle",
      offset: 0x20,
    });
    expect(s.steps.find((step) => step.op === "read")!.args[0]).toMatchObject({
      baseKind: "file",
      page: 1,
      offset: 16,
    });
    expect(s.expect.map((e) => e.pattern)).toEqual([
      "generic/pipt@asm-generic",
      "generic/vivt@*",
      "arm/*@3.?",
    ]);
  });

  it("accepts JSON", () => {
    const json = JSON.stringify({
      flushlab: 1,
      name: "j",
      title: "t",
      source: "s",
      tasks: { a: { maps: { m: { anon: true } } } },
      steps: [{ a: "store m+4 7" }, { a: "load m+4" }],
      expect: { "generic/pipt@asm-generic": "coherent" },
    });
    const s = parseScenario(json, "j.json");
    expect(s.steps.map((step) => step.op)).toEqual(["store", "load"]);
  });

  it("locates tokens of a JSON step on their line and column", () => {
    const json =
      '{"flushlab": 1, "name": "j", "title": "t", "source": "s",\n "tasks": {"a": null},\n "steps": [{"a": "load nowhere"}]}';
    expectParse(json, "j.json:3:24", /undefined name `nowhere`/);
  });

  it("hashes the file's bytes", () => {
    const a = parseScenario(withSteps("  - t: load m"), "a.yaml");
    const b = parseScenario(withSteps("  - t: load m "), "a.yaml");
    expect(a.hash).not.toBe(b.hash);
    expect(parseScenario(withSteps("  - t: load m"), "other.yaml").hash).toBe(a.hash);
  });

  it("encodes strings into little-endian words", () => {
    expect(stringWords("hello")).toBe(2);
    expect(encodeString("hello")).toEqual([0x6c6c6568, 0x6f]);
  });
});

function expectParse(text: string, where: string, message: RegExp): void {
  let error: unknown;
  try {
    parseScenario(text, where.split(":")[0]);
  } catch (e) {
    error = e;
  }
  expect(isUserError(error)).toBe(true);
  expect((error as UserError).where).toBe(where);
  expect((error as UserError).message).toMatch(message);
}

describe("parseScenario errors name file:line:col", () => {
  // withSteps puts `steps:` on line 12, so the first step is on line 13: `  - t: op ...` has the actor at
  // column 5 and the op at column 8.
  it("YAML syntax error", () => {
    expectParseError(withSteps("  - t: load m\n  - [unclosed"), "t.yaml:15:1", /YAML syntax error/);
    expectParseError("flushlab: 1\nname: [x\n", "t.yaml:3:1", /YAML syntax error/);
  });

  it("duplicate YAML keys", () => {
    expectParseError(
      withSteps("  - t: load m").replace("title: x", "title: x\ntitle: y"),
      "t.yaml:4:1",
      /unique/,
    );
  });

  it("missing and unknown top-level keys", () => {
    expectParseError(
      withSteps("  - t: load m").replace("source: x\n", ""),
      "t.yaml:1:1",
      /missing top-level key `source`/,
    );
    expectParseError(
      withSteps("  - t: load m").replace("title: x", "title: x\ntitel: y"),
      "t.yaml:4:1",
      /unknown key `titel` in a scenario.*did you mean `title`/,
    );
    expectParseError("", "t.yaml", /empty scenario file/);
    expectParseError("- a\n- b\n", "t.yaml:1:1", /must be a mapping/);
  });

  it("format version not 1", () => {
    expectParseError(
      withSteps("  - t: load m").replace("flushlab: 1", "flushlab: 2"),
      "t.yaml:1:11",
      /unsupported format version 2/,
    );
  });

  it("wrong types", () => {
    expectParseError(withSteps("  - t: load m", "cpus: two\n"), "t.yaml:12:7", /cpus must be an integer/);
    expectParseError(withSteps("  - t: load m", "cpus: 0\n"), "t.yaml:12:7", /between 1 and 64/);
    expectParseError(
      withSteps("  - t: load m").replace("name: x", "name: [x]"),
      "t.yaml:2:7",
      /name must be a single value/,
    );
    expectParseError(withSteps("  - t: load m").replace("name: x", "name: X Y"), "t.yaml:2:7", /lower-case/);
    expectParseError(
      withSteps("  - t: load m").replace("pages: 2 }\ntasks", "pages: many }\ntasks"),
      "t.yaml:6:15",
      /pages must be an integer/,
    );
    expectParseError(
      withSteps("  - t: load m").replace("anon: true, pages: 2", "anon: yes, pages: 2"),
      "t.yaml:11:18",
      /`anon` must be true or false/,
    );
    expectParseError(withSteps("  - t: 42"), "t.yaml:13:8", /must be one line of text/);
    expectParseError(withSteps("  - t load m"), "t.yaml:13:5", /a step must be written/);
    expectParseError(withSteps("  - t: load m\n    u: load m"), "t.yaml:14:5", /one step per list item/);
  });

  it("YAML aliases are refused", () => {
    expectParseError(withSteps("  - t: &s load m\n  - t: *s"), "t.yaml:14:8", /aliases .* not supported/);
  });

  it("unknown op, with a hint", () => {
    expectParseError(withSteps("  - t: lod m"), "t.yaml:13:8", /unknown op `lod` \(did you mean `load`\?\)/);
    expectParseError(withSteps("  - t: frobnicate m"), "t.yaml:13:8", /unknown op `frobnicate`$/);
  });

  it("wrong number of arguments", () => {
    expectParseError(
      withSteps("  - t: load m m"),
      "t.yaml:13:15",
      /load takes ADDR; `m` is one argument too many \(usage: load ADDR \[len=N\]\)/,
    );
    expectParseError(withSteps("  - t: store m"), "t.yaml:13:14", /store is missing VALUE/);
    expectParseError(withSteps("  - t: get_user_pages t"), "t.yaml:13:23", /missing ADDR/);
    expectParseError(withSteps("  - t: put_page"), "t.yaml:13:8", /missing PAGE/);
  });

  it("wrong kind of argument", () => {
    expectParseError(
      withSteps("  - t: store m zzz"),
      "t.yaml:13:16",
      /VALUE of store must be an integer or a quoted string/,
    );
    expectParseError(withSteps('  - t: load "m"'), "t.yaml:13:13", /must be an address, not a quoted string/);
    expectParseError(withSteps("  - t: load m+0x11"), "t.yaml:13:13", /not word-aligned/);
    expectParseError(
      withSteps("  - t: load m+zz"),
      "t.yaml:13:15",
      /offset .* must be a non-negative integer/,
    );
    expectParseError(
      withSteps("  - t: load m[5]"),
      "t.yaml:13:13",
      /page 5 is beyond `m`, which has 2 page\(s\)/,
    );
    expectParseError(
      withSteps("  - t: load f"),
      "t.yaml:13:13",
      /ADDR of load must be .*; `f` is a file page/,
    );
    expectParseError(
      withSteps("  - t: get_user_pages m m -> p"),
      "t.yaml:13:23",
      /TASK of get_user_pages must be a task; `m` is a mapping/,
    );
    expectParseError(withSteps("  - t: mprotect m rwr"), "t.yaml:13:19", /letters r, w, x/);
    expectParseError(withSteps("  - t: store m 0x100000000"), "t.yaml:13:16", /does not fit a 32-bit word/);
    expectParseError(
      withSteps("  - t: get_user_pages t m -> p\n  - t: kmap p+4 -> k"),
      "t.yaml:14:13",
      /PAGE of kmap is a page, not an address: drop the `\+offset`/,
    );
    expectParseError(withSteps('  - t: store m "abc'), "t.yaml:13:16", /unterminated quoted string/);
    expectParseError(
      withSteps("  - t: store m 'abcdefghi' len=2"),
      "t.yaml:13:32",
      /the string takes 3 words but len=2/,
    );
  });

  it("unknown, duplicate and malformed options", () => {
    expectParseError(
      withSteps("  - t: load m lenn=4"),
      "t.yaml:13:15",
      /unknown option `lenn` of load \(did you mean `len`\?\); it takes len/,
    );
    expectParseError(withSteps("  - t: exit now=1"), "t.yaml:13:13", /it takes no options/);
    expectParseError(withSteps("  - t: load m len=4 len=5"), "t.yaml:13:21", /given twice/);
    expectParseError(withSteps("  - t: load m len=0"), "t.yaml:13:19", /between 1 and 65536/);
    expectParseError(withSteps("  - t: load m =4"), "t.yaml:13:15", /malformed option/);
    expectParseError(
      withSteps("  - t: get_user_pages t m -> p\n  - t: sg_miter_start p flags=TO_SG|BOGUS -> i"),
      "t.yaml:14:31",
      /unknown flag `BOGUS`/,
    );
    expectParseError(
      withSteps("  - t: get_user_pages t m -> p\n  - t: sg_miter_start p flags=ATOMIC -> i"),
      "t.yaml:14:8",
      /exactly one of TO_SG and FROM_SG/,
    );
    expectParseError(
      withSteps("  - t: get_user_pages t m -> p\n  - t: dma_map_page p -> h"),
      "t.yaml:14:8",
      /dma_map_page needs dir=to_device\|from_device\|bidirectional \(usage: dma_map_page PAGE dir=/,
    );
    expectParseError(
      withSteps("  - t: get_user_pages t m -> p\n  - t: sg_miter_start p -> i"),
      "t.yaml:14:8",
      /sg_miter_start needs flags=TO_SG\|FROM_SG\|ATOMIC/,
    );
    expectParseError(withSteps("  - t: read_direct m 1 via=mmio"), "t.yaml:13:28", /must be one of dma, pio/);
  });

  it("bindings: undefined, used before definition, wrong kind, missing, duplicate", () => {
    expectParseError(
      withSteps("  - t: kmap_atomic p -> k"),
      "t.yaml:13:20",
      /undefined name `p`.*a binding is defined by an earlier `-> name`/,
    );
    expectParseError(
      withSteps("  - t: kunmap_atomic k\n  - t: get_user_pages t m -> p\n  - t: kmap_atomic p -> k"),
      "t.yaml:13:22",
      /undefined binding `k`/,
    );
    expectParseError(
      withSteps("  - t: get_user_pages t m -> p\n  - t: kunmap_atomic p"),
      "t.yaml:14:22",
      /must be a kaddr binding; `p` is a page \(from get_user_pages\)/,
    );
    expectParseError(withSteps("  - t: get_user_pages t m"), "t.yaml:13:8", /must bind its result/);
    expectParseError(withSteps("  - t: load m -> x"), "t.yaml:13:15", /load returns nothing to bind/);
    expectParseError(withSteps("  - t: kmalloc -> "), "t.yaml:13:16", /must be followed by a name/);
    expectParseError(withSteps("  - t: kmalloc -> a b"), "t.yaml:13:21", /nothing may follow/);
    expectParseError(
      withSteps("  - t: kmalloc -> a\n  - t: kmalloc -> a"),
      "t.yaml:14:19",
      /duplicate name `a`: already the binding defined at t.yaml:13:19/,
    );
    expectParseError(
      withSteps("  - t: kmalloc -> m"),
      "t.yaml:13:19",
      /duplicate name `m`: already a mapping/,
    );
    expectParseError(withSteps("  - t: kmalloc -> device"), "t.yaml:13:19", /reserved/);
    expectParseError(
      withSteps("  - t: kmalloc -> k\n  - t: kmap k -> k2"),
      "t.yaml:14:13",
      /PAGE of kmap must be a page binding, a file page/,
    );
  });

  it("undefined map, task, file", () => {
    expectParseError(withSteps("  - t: munmap nope"), "t.yaml:13:15", /task t has no mapping `nope`/);
    expectParseError(withSteps("  - t: flush_cache_mm nobody"), "t.yaml:13:23", /undefined task `nobody`/);
    expectParseError(withSteps("  - t: read g m"), "t.yaml:13:13", /undefined name `g`/);
    expectParseError(withSteps("  - t: mmap w file=g"), "t.yaml:13:20", /undefined file `g`/);
    expectParseError(
      withSteps("  - t: load m").replace("anon: true, pages: 2", "file: nofile"),
      "t.yaml:11:18",
      /undefined file `nofile`/,
    );
    expectParseError(
      withSteps("  - t: munmap m\n  - t: load m"),
      "t.yaml:14:13",
      /undefined name `m`|no longer mapped/,
    );
  });

  it("unknown actors and actors an op does not allow", () => {
    expectParseError(
      withSteps("  - v: load m"),
      "t.yaml:13:5",
      /unknown actor `v`.*an actor is a thread \(t, u, kworker, kworker@N, device\)/,
    );
    expectParseError(
      withSteps("  - kworker@1: kmalloc -> k"),
      "t.yaml:13:5",
      /CPU 1 does not exist \(the scenario has cpus: 1\)/,
    );
    expectParseError(withSteps("  - device: load m"), "t.yaml:13:5", /load cannot be issued by device/);
    expectParseError(withSteps("  - kworker: load m"), "t.yaml:13:19", /kworker has no user address space/);
    expectParseError(withSteps("  - t: dma_write m 1"), "t.yaml:13:5", /cannot be issued by a thread \(t\)/);
    expectParseError(withSteps("  - t: exit\n  - u: load m"), "t.yaml:14:5", /its task t has exited/);
  });

  it("windows", () => {
    const ok = parseScenario(
      withSteps("  - t: fork -> c\n    window:\n      - u: store m 1\n  - c: load m"),
      "w.yaml",
    );
    expect(ok.steps[0].window?.[0]).toMatchObject({ actor: "u", index: 1 });
    expectParseError(
      withSteps("  - t: load m\n    window:\n      - u: store m 1"),
      "t.yaml:14:5",
      /load has no preemption window; only fork/,
    );
    expectParseError(
      withSteps("  - t: fork -> c\n    window:\n      - t: store m 1"),
      "t.yaml:15:9",
      /inside its own fork/,
    );
    expectParseError(
      withSteps("  - t: fork -> c\n    window:\n      - c: store m 1"),
      "t.yaml:15:9",
      /unknown actor `c`/,
    );
    expectParseError(withSteps("  - t: fork -> c\n    window: []"), "t.yaml:14:13", /empty `window`/);
  });

  it("misaligned `at` (4 KiB at parse time), and the profile's page size through validateForProfile", () => {
    expectParseError(
      withSteps("  - t: load m").replace("anon: true, pages: 2", "anon: true, at: 0x40000800"),
      "t.yaml:11:28",
      /`at` 0x40000800 is not page-aligned/,
    );
    expectParseError(withSteps("  - t: mmap w anon at=0x1234"), "t.yaml:13:23", /not page-aligned/);
    const s = parseScenario(
      withSteps("  - t: mmap w anon at=0x3000").replace("anon: true, pages: 2", "anon: true, at: 0x41000"),
      "p.yaml",
    );
    expect(() => validateForProfile(s, { id: "generic/pipt@asm-generic", pageSize: 4096 })).not.toThrow();
    let error: unknown;
    try {
      validateForProfile(s, { id: "mips/16k@6.6", pageSize: 16384 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).where).toBe("p.yaml:11:7");
    expect((error as UserError).message).toMatch(
      /at=0x41000 is not a multiple of the page size \(16384 bytes\) of profile mips\/16k@6.6/,
    );
  });

  it("a verdict that does not exist", () => {
    expectParseError(
      `${withSteps("  - t: load m")}expect:\n  generic/pipt@asm-generic: coherant\n`,
      "t.yaml:15:29",
      /unknown verdict "coherant" \(did you mean `coherent`\?\); the verdicts are coherent, stale, rejected, bug, error/,
    );
    expectParseError(
      `${withSteps("  - t: load m")}expect:\n  pipt: coherent\n`,
      "t.yaml:15:3",
      /"pipt" is not a profile id or glob/,
    );
  });

  it("duplicate names", () => {
    expectParseError(
      withSteps("  - t: load m").replace("  f: { pages: 2 }", "  t: { pages: 2 }"),
      "t.yaml:8:3",
      /duplicate name `t`: already the file/,
    );
    expectParseError(
      withSteps("  - t: load m").replace("threads: [t, u]", "threads: [t, f]"),
      "t.yaml:9:18",
      /duplicate name `f`/,
    );
    expectParseError(withSteps("  - t: mmap m anon"), "t.yaml:13:13", /duplicate mapping `m` in task t/);
    expectParseError(
      withSteps("  - t: load m").replace("m: { anon", "f: { anon"),
      "t.yaml:11:7",
      /duplicate name `f`/,
    );
  });

  it("mapping rules", () => {
    const map = (fields: string) =>
      withSteps("  - t: load m").replace("{ anon: true, pages: 2 }", `{ ${fields} }`);
    expectParseError(map("pages: 1"), "t.yaml:11:7", /needs `anon: true` or `file: NAME`/);
    expectParseError(map("anon: true, file: f"), "t.yaml:11:7", /both `anon` and `file`/);
    expectParseError(
      map("file: f, pgoff: 1, pages: 2"),
      "t.yaml:11:28",
      /covers file pages 1..2 but file f has 2 page/,
    );
    expectParseError(map("anon: true, colour: 1, at: 0x1000"), "t.yaml:11:39", /`colour` or `at`, not both/);
    expectParseError(map("anon: true, frame_colour: 1, pfn: 3"), "t.yaml:11:46", /`frame_colour` or `pfn`/);
    expectParseError(map("anon: true, prot: rwq"), "t.yaml:11:30", /`prot` must be letters/);
    expectParseError(
      map("anon: true, colur: 1"),
      "t.yaml:11:24",
      /unknown key `colur` in mapping m \(did you mean `colour`\?\)/,
    );
    expectParseError(withSteps("  - t: mmap w"), "t.yaml:13:8", /exactly one of `anon` and `file=F`/);
  });

  it("inline comments are allowed in steps", () => {
    const s = parseScenario(withSteps("  - t: load m+4 len=2   # a comment: with a colon"), "c.yaml");
    expect(s.steps[0].text).toBe("load m+4 len=2");
  });

  it("loadScenarioFile: unreadable files are UserErrors naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "flushlab-"));
    expect(() => loadScenarioFile(join(dir, "missing.yaml"))).toThrow(/no such file/);
    expect(() => loadScenarioFile(dir)).toThrow(/is a directory/);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, Buffer.from([0x66, 0x6c, 0xff, 0xfe]));
    let error: unknown;
    try {
      loadScenarioFile(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).where).toBe(bad);
    expect((error as UserError).message).toBe("is not UTF-8 text");
    const good = join(dir, "good.yaml");
    writeFileSync(good, withSteps("  - t: load m+0x10 len=4"));
    const s = loadScenarioFile(good);
    expect(s.file).toBe(good);
    expect(s.steps[0].where).toEqual({ file: good, line: 13, col: 5 });
  });
});

describe("expect patterns", () => {
  it("an exact id wins over an earlier glob; globs match within a part", () => {
    const s = parseScenario(
      `${withSteps("  - t: load m")}expect:\n  generic/*@*: stale\n  generic/pipt@asm-generic: coherent\n  arm/*@3.?: bug\n`,
      "e.yaml",
    );
    expect(expectedVerdict(s, "generic/pipt@asm-generic")).toBe("coherent");
    expect(expectedVerdict(s, "generic/vivt@asm-generic")).toBe("stale");
    expect(expectedVerdict(s, "arm/arm926@3.9")).toBe("bug");
    expect(expectedVerdict(s, "arm/arm926@3.10")).toBeUndefined();
    expect(expectedVerdict(s, "mips/24kc-32k@6.6")).toBeUndefined();
  });
});
