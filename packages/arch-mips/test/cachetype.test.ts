import { profileRegistry } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import {
  AU1500,
  cacheInfoOf,
  gup_fast_permitted,
  highmem_allowed,
  LOONGSON3,
  MIPS_24KC_32K,
  MIPS_24KC_32K_AR,
  MIPS_34KC_32K,
  MIPS_CPUS,
  type MipsCpuSpec,
  pages_do_alias,
  probe_pcache,
  R4400,
  shm_colour,
  shmlba,
} from "../src/index.js";
import { container } from "./helpers.js";

describe("probe_pcache: the kernel's classification derived from each preset", () => {
  it.each([
    // cpu, cpu_has_dc_aliases, cpu_has_ic_fills_f_dc, shm_align_mask, cache_noop
    [R4400, true, false, 0x3fff, false],
    [MIPS_24KC_32K, true, false, 0x1fff, false],
    [MIPS_24KC_32K_AR, false, false, 0xfff, false],
    [MIPS_34KC_32K, true, false, 0x1fff, false],
    [LOONGSON3, false, true, 0x3fff, true],
    [AU1500, false, true, 0xfff, false],
  ] as const)("%s", (cpu, aliases, icFills, mask, noop) => {
    const info = probe_pcache(cpu as MipsCpuSpec);
    expect(info.cpu_has_dc_aliases).toBe(aliases);
    expect(info.cpu_has_ic_fills_f_dc).toBe(icFills);
    expect(info.shm_align_mask).toBe(mask);
    expect(info.cache_noop).toBe(noop);
  });

  it("derives shm_align_mask from sets × line size, as r4k_cache_init does, not from a typed-in number", () => {
    const bigger: MipsCpuSpec = {
      ...MIPS_24KC_32K,
      name: "24kc-64k",
      dcache: { ...MIPS_24KC_32K.dcache, size: 65536 },
    };
    expect(probe_pcache(bigger).shm_align_mask).toBe(0x3fff); // 64 KiB 4-way: 16 KiB ways, 4 colours
    const small: MipsCpuSpec = {
      ...MIPS_24KC_32K,
      name: "24kc-16k",
      dcache: { ...MIPS_24KC_32K.dcache, size: 16384 },
    };
    expect(probe_pcache(small).cpu_has_dc_aliases).toBe(false); // 4 KiB ways: no alias
    expect(probe_pcache(small).shm_align_mask).toBe(0xfff);
  });

  it("marks a Config7.AR 24K physically indexed and non-aliasing, whatever its way size", () => {
    const info = probe_pcache(MIPS_24KC_32K_AR);
    expect(info.dcache.waysize).toBe(8192);
    expect(info.dcache.pindex).toBe(true);
    expect(info.dcache.aliases).toBe(false);
  });

  it("agrees with the machine: the kernel believes the D-cache aliases exactly when the profile has colours", () => {
    const registry = profileRegistry(container);
    for (const id of registry.ids().filter((i) => i.startsWith("mips/"))) {
      const profile = registry.resolve(id);
      expect(cacheInfoOf(profile).cpu_has_dc_aliases, id).toBe(profile.colours > 1);
      expect(profile.highmem && !highmem_allowed(cacheInfoOf(profile)), id).toBe(false);
    }
  });

  it("pages_do_alias compares the colour bits; shm_colour and SHMLBA follow shm_align_mask", () => {
    const info = probe_pcache(R4400);
    expect(pages_do_alias(info, 0x8000_0000, 0x0040_0000)).toBe(false); // both colour 0
    expect(pages_do_alias(info, 0x8000_1000, 0x0040_3000)).toBe(true); // colours 1 and 3
    expect(pages_do_alias(info, 0x8000_1000, 0x0040_5000)).toBe(false); // colours 1 and 1
    expect(shm_colour(info, 0x0040_3000)).toBe(3);
    expect(shmlba(info)).toBe(16384);
  });

  it("permits GUP-fast only where the D-cache does not alias (pgtable.h gup_fast_permitted)", () => {
    expect(MIPS_CPUS.map((cpu) => [cpu.name, gup_fast_permitted(probe_pcache(cpu))])).toEqual([
      ["r4400", false],
      ["24kc-32k", false],
      ["24kc-32k-ar", true],
      ["34kc-32k", false],
      ["loongson3", true],
      ["au1500", true],
    ]);
  });

  it("gives highmem only to the presets whose D-cache does not alias (paging_init)", () => {
    for (const cpu of MIPS_CPUS) {
      const hasHighmem = (cpu.layout?.highmemSize ?? 0) > 0;
      if (hasHighmem) expect(probe_pcache(cpu).cpu_has_dc_aliases, cpu.name).toBe(false);
    }
    expect((MIPS_24KC_32K_AR.layout?.highmemSize ?? 0) > 0).toBe(true);
    expect(MIPS_24KC_32K.layout?.highmemSize).toBe(0);
  });
});
