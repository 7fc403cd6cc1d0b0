// Fidelity of arch/arm/mm/highmem.c (kmap_atomic, kunmap_atomic), flush_cache_kmaps, and the highmem forms of
// __flush_dcache_page and flush_kernel_dcache_page (ARM 7755/1, Catalin's points 3 and 4 and their two
// readings).
import type { Kernel, Page } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { anonPage, enterTask, hex, nestedHooks, opsOf, simulate } from "./helpers.js";

/** A kernel of `profile` and an anonymous page of the current task in highmem. */
function highmemPage(profile: string): { kernel: Kernel; page: Page } {
  const kernel = simulate(profile).kernel;
  enterTask(kernel);
  const [, page] = anonPage(kernel, { placement: { highmem: true } });
  return { kernel, page };
}

const FIXMAP_SLOT_0 = 0xfff0_0000; // FIXADDR_START, slot 0 of CPU 0
const FIXMAP_SLOT_1 = 0xfff0_1000;

describe("kmap_atomic / kunmap_atomic", () => {
  it("a highmem page without a pkmap address gets the next fixmap slot; no cache operation", () => {
    const { kernel, page } = highmemPage("arm926@3.10");
    let kaddr = 0;
    expect(opsOf(kernel, "kmap_atomic", () => (kaddr = kernel.kmap_atomic(page)))).toEqual([]);
    expect(kaddr).toBe(FIXMAP_SLOT_0);
    kernel.kunmap_atomic(kaddr);
  });

  it("VIVT: kunmap_atomic cleans and invalidates the fixmap page (3.10); Catalin's point 4 drops it", () => {
    const cases: [string, string[]][] = [
      ["arm926@3.10", [`d flush va ${hex(FIXMAP_SLOT_0)}+0x1000 k`]],
      ["arm926@6.6", [`d flush va ${hex(0xffc8_0000)}+0x1000 k`]],
      ["arm926@catalin-2013", []],
      ["arm1136-32k@3.10", []],
    ];
    for (const [profile, ops] of cases) {
      const { kernel, page } = highmemPage(profile);
      const kaddr = kernel.kmap_atomic(page);
      expect(
        opsOf(kernel, "kunmap_atomic", () => kernel.kunmap_atomic(kaddr)),
        profile,
      ).toEqual(ops);
    }
  });

  it("VIVT: a page that has a pkmap address is mapped there again (kmap_high_get), and kunmap_atomic drops the user", () => {
    const { kernel, page } = highmemPage("arm926@3.10");
    const pkmap = kernel.kmap(page);
    // PKMAP_BASE = PAGE_OFFSET - 2 MiB; map_new_virtual starts after last_pkmap_nr = 0
    expect(pkmap).toBe(0xbfe0_1000);
    const users = kernel.highmem.pkmapUsers(pkmap);
    const kaddr = kernel.kmap_atomic(page);
    expect(kaddr).toBe(pkmap);
    expect(kernel.highmem.pkmapUsers(pkmap)).toBe(users + 1);
    expect(opsOf(kernel, "kunmap_atomic", () => kernel.kunmap_atomic(kaddr))).toEqual([]);
    expect(kernel.highmem.pkmapUsers(pkmap)).toBe(users);
  });

  it("flush_cache_kmaps: flush_cache_all on VIVT, nothing on VIPT", () => {
    const a = highmemPage("arm926@3.10").kernel;
    expect(opsOf(a, "flush_cache_kmaps", () => a.callHook("flush_cache_kmaps"))).toEqual([
      "d flush all",
      "i invalidate all",
    ]);
    const b = highmemPage("arm1136-32k@3.10").kernel;
    expect(opsOf(b, "flush_cache_kmaps", () => b.callHook("flush_cache_kmaps"))).toEqual([]);
  });

  it("2.6.19 has no ARM highmem: the profiles have no highmem boundary", () => {
    const kernel = simulate("arm926@2.6.19").kernel;
    expect(kernel.layout.highmemSize).toBe(0);
    expect(simulate("arm926@3.9").kernel.layout.highmemSize).toBeGreaterThan(0);
  });
});

describe("__flush_dcache_page on a highmem page without a kernel mapping (flush_dcache_page of an anonymous page)", () => {
  it("arm1136-32k@3.9: VIPT makes a temporary kmap_atomic mapping and flushes it", () => {
    const { kernel, page } = highmemPage("arm1136-32k@3.9");
    expect(
      nestedHooks(kernel, "flush_dcache_page", () => kernel.callHook("flush_dcache_page", page)),
    ).toEqual(["kmap_atomic", "kunmap_atomic"]);
    expect(opsOf(kernel, "flush_dcache_page", () => kernel.callHook("flush_dcache_page", page))).toEqual([
      `d flush va ${hex(FIXMAP_SLOT_0)}+0x1000 k`,
    ]);
  });

  it("arm1136-32k@3.10: aliasing VIPT only flushes an existing pkmap mapping: nothing here", () => {
    const { kernel, page } = highmemPage("arm1136-32k@3.10");
    expect(opsOf(kernel, "flush_dcache_page", () => kernel.callHook("flush_dcache_page", page))).toEqual([]);
  });

  it("cortex-a9@3.10: non-aliasing VIPT always goes through kmap_atomic", () => {
    const { kernel, page } = highmemPage("cortex-a9@3.10");
    expect(opsOf(kernel, "flush_dcache_page", () => kernel.callHook("flush_dcache_page", page))).toEqual([
      `d flush va ${hex(FIXMAP_SLOT_0)}+0x1000 k`,
    ]);
  });

  it("arm926@3.9: VIVT with no pkmap address: nothing (kunmap_atomic is relied on)", () => {
    const { kernel, page } = highmemPage("arm926@3.9");
    expect(opsOf(kernel, "flush_dcache_page", () => kernel.callHook("flush_dcache_page", page))).toEqual([]);
  });
});

describe("flush_kernel_dcache_page on a highmem page mapped with kmap_atomic (sg_miter with SG_MITER_ATOMIC)", () => {
  /** The operations of flush_kernel_dcache_page called while the page is kmap_atomic'ed. */
  function duringKmapAtomic(profile: string): string[] {
    const { kernel, page } = highmemPage(profile);
    const kaddr = kernel.kmap_atomic(page);
    const ops = opsOf(kernel, "flush_kernel_dcache_page", () =>
      kernel.callHook("flush_kernel_dcache_page", page),
    );
    kernel.kunmap_atomic(kaddr);
    return ops;
  }

  it('arm926@3.10 (ARM 7755/1): nothing, page_address() is NULL ("kunmap_atomic() takes care of cache flushing")', () => {
    expect(duringKmapAtomic("arm926@3.10")).toEqual([]);
  });

  it("catalin-2013 (reading A, 3.9's kernel-mapping logic): VIVT nothing; aliasing VIPT a second kmap_atomic slot", () => {
    expect(duringKmapAtomic("arm926@catalin-2013")).toEqual([]);
    expect(duringKmapAtomic("arm1136-32k@catalin-2013")).toEqual([
      `d flush va ${hex(FIXMAP_SLOT_1)}+0x1000 k`,
    ]);
  });

  it("catalin-2013-fixmap (reading B): the slot the caller has the page mapped at", () => {
    expect(duringKmapAtomic("arm926@catalin-2013-fixmap")).toEqual([
      `d flush va ${hex(FIXMAP_SLOT_0)}+0x1000 k`,
    ]);
    expect(duringKmapAtomic("arm1136-32k@catalin-2013-fixmap")).toEqual([
      `d flush va ${hex(FIXMAP_SLOT_0)}+0x1000 k`,
    ]);
  });

  it("catalin-2013 on a page with a pkmap address (kmap): the pkmap address", () => {
    const { kernel, page } = highmemPage("arm926@catalin-2013");
    const pkmap = kernel.kmap(page);
    expect(
      opsOf(kernel, "flush_kernel_dcache_page", () => kernel.callHook("flush_kernel_dcache_page", page)),
    ).toEqual([`d flush va ${hex(pkmap)}+0x1000 k`]);
  });
});
