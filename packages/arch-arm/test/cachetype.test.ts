// The boot-time classification (cacheid_init) of every preset, and the predicates built on it.
import { describe, expect, it } from "vitest";
import {
  ARM_CPUS,
  ArmKernel,
  CACHE_COLOUR,
  cache_ops_need_broadcast,
  cacheid_init,
  cpu_dcache_is_aliasing,
  dcacheState,
  ERA_2_6_19,
  ERA_3_10,
  kmap_high_get_available,
} from "../src/index.js";
import { simulate } from "./helpers.js";

/** The ArmKernel context of a simulation (its policy plugin built one; rebuild it to inspect). */
function armOf(profile: string): ArmKernel {
  const sim = simulate(profile);
  const era = profile.endsWith("2.6.19") ? ERA_2_6_19 : ERA_3_10;
  return ArmKernel.create(sim.kernel, sim.profile, era);
}

describe("cacheid_init", () => {
  const expected: Record<string, [string, boolean]> = {
    sa1100: ["vivt", false],
    arm926: ["vivt", false],
    feroceon: ["vivt", false],
    "arm1136-32k": ["vipt-aliasing", true],
    arm11mpcore: ["vipt-nonaliasing", true],
    "cortex-a8": ["vipt-nonaliasing", true],
    "cortex-a9": ["vipt-nonaliasing", true],
  };
  for (const cpu of ARM_CPUS) {
    it(`${cpu.name}: D ${expected[cpu.name][0]}, I-cache aliasing ${expected[cpu.name][1]}`, () => {
      const id = cacheid_init(cpu);
      const d = id.vivt ? "vivt" : id.viptAliasing ? "vipt-aliasing" : "vipt-nonaliasing";
      expect(d).toBe(expected[cpu.name][0]);
      expect(id.icacheViptAliasing).toBe(expected[cpu.name][1]);
      expect(Number(id.vivt) + Number(id.viptAliasing) + Number(id.viptNonaliasing)).toBe(1);
    });
  }

  it("the classification agrees with the hardware model's page colours", () => {
    for (const cpu of ARM_CPUS) {
      const sim = simulate(`${cpu.name}@3.10`);
      const id = cacheid_init(cpu);
      if (!id.vivt) expect(sim.machine.colours > 1).toBe(id.viptAliasing);
    }
  });
});

describe("predicates", () => {
  it("cache_ops_need_broadcast: only the ARM11 MPCore", () => {
    expect(cache_ops_need_broadcast(armOf("arm11mpcore@3.10"))).toBe(true);
    expect(cache_ops_need_broadcast(armOf("cortex-a9@3.10"))).toBe(false);
    expect(cache_ops_need_broadcast(armOf("arm926@3.10"))).toBe(false);
  });

  it("cpu_dcache_is_aliasing: VIVT and aliasing VIPT", () => {
    expect(cpu_dcache_is_aliasing(armOf("arm926@3.10"))).toBe(true);
    expect(cpu_dcache_is_aliasing(armOf("arm1136-32k@3.10"))).toBe(true);
    expect(cpu_dcache_is_aliasing(armOf("cortex-a8@3.10"))).toBe(false);
  });

  it("kmap_high_get is unavailable on SMP ARMv6 (no TLB broadcast)", () => {
    expect(kmap_high_get_available(armOf("arm11mpcore@3.10"))).toBe(false);
    expect(kmap_high_get_available(armOf("cortex-a9@3.10"))).toBe(true);
    expect(kmap_high_get_available(armOf("arm926@3.10"))).toBe(true);
  });

  it("CACHE_COLOUR: (vaddr & (SHMLBA - 1)) >> PAGE_SHIFT, 0..3", () => {
    const arm = armOf("arm1136-32k@3.10");
    expect(
      [0x40000000, 0x40001000, 0x40002fff, 0x40003000, 0x40004000].map((v) => CACHE_COLOUR(arm, v)),
    ).toEqual([0, 1, 2, 3, 0]);
  });

  it("the VIPT windows are reserved first in the window area, at the colours of ARM's top-PTE addresses; VIVT reserves none", () => {
    // Linux: FLUSH_ALIAS_START 0xffff4000, COPYPAGE_V6_FROM/TO 0xffff8000/0xffffc000; the model's window area
    // starts at 0xff800000 (src/cpus.ts armLayout), SHMLBA-aligned, so every window page keeps its colour.
    const arm = armOf("arm1136-32k@3.10");
    for (const [model, linux] of [
      [arm.windows!.flushAlias, 0xffff4000],
      [arm.windows!.copypageFrom, 0xffff8000],
      [arm.windows!.copypageTo, 0xffffc000],
    ])
      for (let c = 0; c < 4; c++)
        expect(arm.kernel.machine.colourOf(model + c * 0x1000)).toBe(
          arm.kernel.machine.colourOf(linux + c * 0x1000),
        );
    expect(arm.windows).toEqual({
      flushAlias: 0xff800000,
      copypageFrom: 0xff804000,
      copypageTo: 0xff808000,
    });
    expect(armOf("arm926@3.10").windows).toBeNull();
  });

  it("PG_arch_1 polarity: PG_dcache_dirty in 2.6.19, PG_dcache_clean later", () => {
    const sim = simulate("arm926@3.10");
    const page = sim.kernel.alloc_page({});
    const newer = armOf("arm926@3.10");
    const older = armOf("arm926@2.6.19");
    page.flags = 0;
    expect(dcacheState.owed(newer, page)).toBe(true);
    expect(dcacheState.owed(older, page)).toBe(false);
    dcacheState.defer(older, page);
    expect(dcacheState.takeOwedFlush(older, page)).toBe(true);
    expect(dcacheState.takeOwedFlush(older, page)).toBe(false);
    expect(dcacheState.takeOwedFlush(newer, page)).toBe(true);
    expect(dcacheState.takeOwedFlush(newer, page)).toBe(false);
  });
});
