// kmap_coherent and kunmap_coherent: the coloured window, its BUG_ON, and the scenario ops (§4.2, §7 B6/B7).
import { KernelBug, runScenario } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import {
  FIX_N_COLOURS,
  kmap_coherent,
  kunmap_coherent,
  mipsContextOf,
  SetPageDcacheDirty,
} from "../src/index.js";
import { anonTask, container, pageAt, scenario, sim } from "./helpers.js";

describe("kmap_coherent", () => {
  it("maps the page at a FIX_CMAP slot of the user address's colour, with no cache operation; kunmap_coherent removes it", () => {
    const s = sim("mips/r4400@3.10");
    const { vma } = anonTask(s, { colour: 3, frameColour: 0 });
    s.kernel.userStore(vma.start, 0x5a5a5a5a);
    const page = pageAt(s.kernel, vma.start);
    const ctx = mipsContextOf(s.kernel);
    const before = s.machine.costs().linesMaintained;
    const k = kmap_coherent(ctx, page, vma.start);
    expect(s.machine.colourOf(k)).toBe(3);
    expect(s.machine.kernelSpace.pte(k)?.pfn).toBe(page.pfn);
    expect(s.kernel.kernelLoad(k)).toBe(0x5a5a5a5a); // the user's dirty line, read at its own colour
    kunmap_coherent(ctx);
    expect(s.machine.kernelSpace.pte(k)).toBeUndefined();
    expect(s.machine.costs().linesMaintained).toBe(before);
    expect(s.finish().verdict).toBe("coherent");
  });

  it("BUG_ONs a page marked PG_dcache_dirty", () => {
    const s = sim("mips/24kc-32k@6.6");
    const { vma } = anonTask(s, { colour: 1, frameColour: 0 });
    s.kernel.userStore(vma.start, 1);
    const page = pageAt(s.kernel, vma.start);
    SetPageDcacheDirty(page);
    expect(() => kmap_coherent(mipsContextOf(s.kernel), page, vma.start)).toThrow(KernelBug);
  });

  it("two live mappings of one slot on a CPU are a duplicate TLB entry (machine check); slots follow FIX_N_COLOURS", () => {
    const s = sim("mips/24kc-32k@6.6");
    const ctx = mipsContextOf(s.kernel);
    const page = s.kernel.alloc_page({});
    kmap_coherent(ctx, page, 0x4000_1000);
    expect(() => kmap_coherent(ctx, page, 0x4000_1000 + FIX_N_COLOURS * 4096)).toThrow(/duplicate TLB entry/);
    expect(ctx.cmap.wiredOn(0)).toHaveLength(1);
  });
});

describe("the kmap_coherent scenario op", () => {
  const dirty = scenario(`files:
  f: { pages: 1 }
tasks:
  t:
    maps:
      buf: { anon: true, pages: 1, prot: rw, colour: 1 }
steps:
  - t: store buf+0 7
  - t: write f[0]+0 buf # generic_perform_write → flush_dcache_page on an unmapped file: PG_dcache_dirty
  - t: kmap_coherent f[0] buf+0 -> k
  - t: kunmap_coherent
`);

  it("ends the run with `bug` on a page marked PG_dcache_dirty, naming kmap_coherent", () => {
    for (const profile of ["mips/24kc-32k@2.6.23", "mips/24kc-32k@3.10", "mips/24kc-32k@6.6"]) {
      const result = runScenario(dirty, profile, { container });
      expect(result.verdict, profile).toBe("bug");
      expect(result.reason, profile).toMatchObject({
        kind: "bug",
        location: "arch/mips/mm/init.c: kmap_coherent",
        step: { text: "kmap_coherent f[0] buf+0 -> k" },
      });
    }
  });

  it("reads a clean user-mapped page at the user's colour (coherent), and is refused where kmap_coherent does not exist", () => {
    const clean = scenario(`tasks:
  t:
    maps:
      buf: { anon: true, pages: 1, prot: rw, colour: 1, frame_colour: 0 }
steps:
  - t: store buf+0 0x12345678
  - t: get_user_pages t buf -> p
  - t: kmap_coherent p buf+0 -> k
  - t: load k+0
  - t: kunmap_coherent
  - t: put_page p
`);
    expect(runScenario(clean, "mips/24kc-32k@3.10", { container }).verdict).toBe("coherent");
    const old = runScenario(clean, "mips/24kc-32k@2.6.19", { container });
    expect(old.verdict).toBe("error");
    expect(old.reason?.message).toMatch(
      /op kmap_coherent is provided by the mips architecture; profile mips\/24kc-32k@2\.6\.19/,
    );
    expect(runScenario(clean, "generic/vipt-32k@asm-generic", { container }).verdict).toBe("error");
  });
});
