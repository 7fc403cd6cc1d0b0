// Fidelity of copy_user_highpage, copy_user_page and clear_user_page by era (kernel-reference.md §4.3, §7 B6).
import { describe, expect, it } from "vitest";
import { mipsContextOf } from "../src/index.js";
import { accessesDuring, anonTask, hex, opsOf, pageAt, show, sim } from "./helpers.js";

const PAGE = 4096;

/** A COW source: the task's page at user colour 1 on a frame of colour 0, its last store (0x22) still dirty in the user's line. */
function cowSource(profile: string) {
  const s = sim(profile);
  const { vma } = anonTask(s, { colour: 1, frameColour: 0 });
  s.kernel.userStore(vma.start, 0x22222222);
  const from = pageAt(s.kernel, vma.start);
  const to = s.kernel.alloc_page({ colour: 0 });
  return { s, vma, from, to };
}

describe("copy_user_highpage", () => {
  it("2.6.19 (generic): reads the source through its kernel alias: the user's dirty store is not copied", () => {
    const { s, vma, from, to } = cowSource("mips/24kc-32k@2.6.19");
    s.kernel.callHook("copy_user_highpage", to, from, vma.start, vma);
    expect(s.machine.peekMemory(to.pfn * PAGE)).toBe(0); // the zeroed page in memory, not 0x22222222
  });

  it("3.10: reads the source through kmap_coherent at the user's colour; flushes the destination's kernel alias", () => {
    const { s, vma, from, to } = cowSource("mips/24kc-32k@3.10");
    const slot = mipsContextOf(s.kernel).cmap.slotAddress(0, (vma.start / PAGE) & 7);
    let ops: string[] = [];
    const reads = accessesDuring(s.kernel, () => {
      ops = opsOf(s.kernel, "copy_user_highpage", to, from, vma.start, vma).map(show);
    }).filter((a) => a.access === "load");
    expect(reads[0].va).toBe(slot);
    expect(ops).toEqual([`d flush va ${hex(s.kernel.page_address(to)!)}+${PAGE}`]);
    expect(s.machine.peekMemory(to.pfn * PAGE)).toBe(0x22222222);
  });

  it("take 1 (2.6.23) maps even an unmapped source with kmap_coherent; take 2 (3.10) uses the kernel alias", () => {
    for (const [profile, through] of [
      ["mips/24kc-32k@2.6.23", "cmap"],
      ["mips/24kc-32k@3.10", "alias"],
    ] as const) {
      const { s, vma, to } = cowSource(profile);
      const orphan = s.kernel.alloc_page({ colour: 0 });
      const reads = accessesDuring(s.kernel, () =>
        s.kernel.callHook("copy_user_highpage", to, orphan, vma.start, vma),
      ).filter((a) => a.access === "load");
      const alias = s.kernel.page_address(orphan)!;
      expect(reads[0].va === alias ? "alias" : "cmap", profile).toBe(through);
    }
  });

  it("take 1 flushes the destination only for exec or another colour; take 2 always (no I-fill from D)", () => {
    const old = cowSource("mips/24kc-32k@2.6.23");
    const sameColour = old.s.kernel.alloc_page({ colour: 1 });
    expect(opsOf(old.s.kernel, "copy_user_highpage", sameColour, old.from, old.vma.start, old.vma)).toEqual(
      [],
    );
    const later = cowSource("mips/24kc-32k@3.10");
    const same = later.s.kernel.alloc_page({ colour: 1 });
    expect(
      opsOf(later.s.kernel, "copy_user_highpage", same, later.from, later.vma.start, later.vma),
    ).toHaveLength(1);
    const au = cowSource("mips/au1500@6.6"); // no alias, I fills from D: no flush at all
    expect(opsOf(au.s.kernel, "copy_user_highpage", au.to, au.from, au.vma.start, au.vma)).toEqual([]);
  });
});

describe("clear_user_page and copy_user_page", () => {
  it("clear_user_page flushes the kernel alias only when its colour differs from the user address", () => {
    const s = sim("mips/24kc-32k@6.6");
    const page = s.kernel.alloc_page({ colour: 0 });
    const k = s.kernel.page_address(page)!;
    expect(opsOf(s.kernel, "clear_user_page", k, 0x4000_1000, page).map(show)).toEqual([
      `d flush va ${hex(k)}+${PAGE}`,
    ]);
    expect(opsOf(s.kernel, "clear_user_page", k, 0x4000_2000, page)).toEqual([]);
  });

  it("copy_user_page: the 2015 inline form flushes the destination when colours differ (or the I-cache needs it)", () => {
    const s = sim("mips/24kc-32k@4.19");
    const from = s.kernel.alloc_page({ colour: 0 });
    const to = s.kernel.alloc_page({ colour: 0 });
    const kto = s.kernel.page_address(to)!;
    const ops = opsOf(s.kernel, "copy_user_page", kto, s.kernel.page_address(from)!, 0x4000_1000, to);
    expect(ops.map(show)).toEqual([`d flush va ${hex(kto)}+${PAGE}`]);
    const au = sim("mips/au1500@4.19");
    const f2 = au.kernel.alloc_page({});
    const t2 = au.kernel.alloc_page({});
    expect(
      opsOf(
        au.kernel,
        "copy_user_page",
        au.kernel.page_address(t2)!,
        au.kernel.page_address(f2)!,
        0x4000_1000,
        t2,
      ),
    ).toEqual([]);
  });
});
