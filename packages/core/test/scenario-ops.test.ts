import { describe, expect, it } from "vitest";
import {
  CORE_OPS,
  defaultOps,
  flagsOption,
  getOp,
  OpRegistry,
  type OpSpec,
  opAvailableOn,
  opSignature,
  parseScenario,
} from "../src/scenario/index.js";
import { expectParseError, withSteps } from "./scenario-fixtures.js";

const kmapCoherent: OpSpec = {
  name: "kmap_coherent",
  group: "arch",
  params: [
    { name: "PAGE", kind: "page", bases: ["page"], doc: "the page" },
    { name: "ADDR", kind: "address", bases: ["map"], doc: "the user address whose colour to match" },
  ],
  options: {},
  bind: { kind: "kaddr", required: true, doc: "a kernel address at the colour of ADDR" },
  actors: ["thread", "kworker"],
  window: null,
  arch: "mips",
  linux: "kmap_coherent (arch/mips/mm/init.c)",
  doc: "Map a page at the colour of a user address.",
};

describe("the op table", () => {
  it("holds the minimum vocabulary of issue 3", () => {
    for (const name of [
      "load",
      "store",
      "ifetch",
      "mmap",
      "munmap",
      "mprotect",
      "fork",
      "exit",
      "read",
      "write",
      "read_direct",
      "write_direct",
      "ptrace_peek",
      "ptrace_poke",
      "get_user_pages",
      "put_page",
      "kmap",
      "kunmap",
      "kmap_atomic",
      "kunmap_atomic",
      "kmalloc",
      "memcpy",
      "memset",
      "sg_miter_start",
      "sg_miter_next",
      "sg_miter_stop",
      "dma_map_page",
      "dma_unmap_page",
      "pagecache_fill",
      "writeback",
      "uprobe_xol",
      "flush_cache_mm",
      "flush_cache_dup_mm",
      "flush_cache_range",
      "flush_cache_page",
      "flush_dcache_page",
      "flush_anon_page",
      "flush_kernel_dcache_page",
      "flush_icache_range",
      "flush_icache_page",
      "flush_cache_vmap",
      "flush_cache_vunmap",
      "dma_write",
      "dma_read",
    ]) {
      expect(CORE_OPS, name).toContain(name);
    }
    for (const op of defaultOps.all()) {
      expect(op.doc.length, op.name).toBeGreaterThan(10);
      expect(op.linux.length, op.name).toBeGreaterThan(0);
      expect(op.actors.length, op.name).toBeGreaterThan(0);
      for (const p of op.params) {
        if (p.kind === "address" || p.kind === "page")
          expect(p.bases?.length, `${op.name} ${p.name}`).toBeGreaterThan(0);
        if (p.kind === "binding") expect(p.binding, `${op.name} ${p.name}`).toBeDefined();
      }
    }
  });

  it("writes signatures as the docs do", () => {
    expect(opSignature(getOp("get_user_pages")!)).toBe(
      "get_user_pages TASK ADDR [pages=N] [write=0|1] -> PAGE",
    );
    expect(opSignature(getOp("store")!)).toBe("store ADDR VALUE [len=N]");
    expect(opSignature(getOp("sg_miter_start")!)).toBe(
      "sg_miter_start PAGE flags=TO_SG|FROM_SG|ATOMIC -> ITER",
    );
    expect(opSignature(getOp("uprobe_xol")!)).toBe("uprobe_xol VALUE [slot=N] [-> UADDR]");
    expect(opSignature(getOp("fork")!)).toBe("fork [cpu=N] -> TASK");
    expect(getOp("fork")!.window).toMatch(/after flush_cache_dup_mm/);
  });

  it("only fork has a window among core ops", () => {
    expect(
      defaultOps
        .all()
        .filter((op) => op.window !== null)
        .map((op) => op.name),
    ).toEqual(["fork"]);
  });

  it("reads flags normalised", () => {
    const s = parseScenario(
      withSteps(
        "  - t: get_user_pages t m -> p\n  - t: sg_miter_start p flags=SG_MITER_FROM_SG|SG_MITER_ATOMIC -> i",
      ),
      "f.yaml",
    );
    expect(flagsOption(s.steps[1], "flags")).toEqual(["FROM_SG", "ATOMIC"]);
  });
});

describe("registering arch ops", () => {
  it("a registry accepts an arch op, idempotently, and refuses a clash", () => {
    const registry = new OpRegistry();
    registry.register(kmapCoherent);
    registry.register(kmapCoherent);
    expect(registry.get("kmap_coherent")).toBe(kmapCoherent);
    expect(() => registry.register({ ...kmapCoherent })).toThrow(/already registered by mips/);
    expect(() => registry.register({ ...kmapCoherent, name: "load" })).toThrow(/already registered by core/);
    expect(() => registry.register({ ...kmapCoherent, name: "Bad-Name" })).toThrow(/lower_snake/);
  });

  it("the parser accepts an op of any registered arch, and refuses it otherwise", () => {
    const registry = new OpRegistry();
    registry.register(kmapCoherent);
    const text = withSteps(
      "  - t: get_user_pages t m -> p\n  - t: kmap_coherent p m+0x1000 -> k\n  - t: load k",
    );
    const s = parseScenario(text, "a.yaml", { ops: registry });
    expect(s.steps[1]).toMatchObject({ op: "kmap_coherent", bind: "k" });
    expect(s.steps[1].args[1]).toMatchObject({ baseKind: "map", offset: 0x1000 });
    expectParseError(text, "t.yaml:14:8", /unknown op `kmap_coherent`/);
  });

  it("opAvailableOn: core ops everywhere, arch ops on their arch", () => {
    expect(opAvailableOn(getOp("load")!, "arm")).toBe(true);
    expect(opAvailableOn(kmapCoherent, "mips")).toBe(true);
    expect(opAvailableOn(kmapCoherent, "arm")).toBe(false);
    expect(opAvailableOn(kmapCoherent, "generic", ["kmap_coherent"])).toBe(true);
  });
});
