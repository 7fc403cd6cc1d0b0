// Registration, the CPU × era listing (with the combinations left out and why), layouts and presets.
import { createRegistry, isUserError, listProfileListings, profileRegistry } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { ARM_CPUS, ARM_ERAS, ARM926, ARM1136_32K, FEROCEON, registerArmProfiles } from "../src/index.js";
import { container, simulate } from "./helpers.js";

describe("registerArmProfiles", () => {
  it("lists every CPU × era pair; only 2.6.19 leaves CPUs out, each with a reason", () => {
    const listings = listProfileListings(container).filter((l) => l.arch === "arm");
    expect(listings).toHaveLength(ARM_CPUS.length * ARM_ERAS.length);
    const out = listings.filter((l) => l.supported !== true).map((l) => l.id);
    expect(out.sort()).toEqual(
      [
        "arm/arm11mpcore@2.6.19",
        "arm/cortex-a8@2.6.19",
        "arm/cortex-a9@2.6.19",
        "arm/feroceon@2.6.19",
      ].sort(),
    );
    for (const l of listings.filter((x) => x.supported !== true))
      expect(String(l.supported)).toMatch(/2\.6\.19|left out/);
  });

  it("resolving a left-out profile is a UserError naming the reason", () => {
    let error: unknown = null;
    try {
      profileRegistry(container).resolve("arm/feroceon@2.6.19");
    } catch (e) {
      error = e;
    }
    expect(isUserError(error) && /Feroceon/.test(error.message)).toBe(true);
  });

  it("registering twice in one container is refused; nothing is registered at import", () => {
    expect(() => registerArmProfiles(container)).toThrow(/already registered/);
    expect(profileRegistry(createRegistry()).arches()).not.toContain("arm");
  });

  it("the +fs-dax plugin applies to ARM (and MIPS) profiles only: the architectures fs/Kconfig excluded", () => {
    expect(
      profileRegistry(container)
        .resolve("arm/arm926@4.19+fs-dax")
        .stacked.map((p) => p.name),
    ).toEqual(["fs-dax"]);
    expect(() => profileRegistry(container).resolve("generic/vivt@asm-generic+fs-dax")).toThrow(
      /arm, mips, sparc64 profiles only/,
    );
  });
});

describe("presets and layouts", () => {
  it("ARMv4/ARMv5 D-caches are read-allocate; VIVT presets are VIVT on both sides", () => {
    for (const cpu of ARM_CPUS.filter((c) => c.arm.architecture < 6)) {
      expect(cpu.dcache.writeAllocate).toBe(false);
      expect(cpu.dcache.indexing).toBe("vivt");
      expect(cpu.icache.indexing).toBe("vivt");
    }
  });

  it("feroceon has arm926's L1 geometry (so the dm-crypt rows can agree)", () => {
    expect(FEROCEON.dcache).toEqual(ARM926.dcache);
  });

  it("arm1136-32k has 2 page colours; the SMP presets default to 2 CPUs", () => {
    expect(simulate("arm1136-32k@3.10").machine.colours).toBe(
      ARM1136_32K.dcache.size / ARM1136_32K.dcache.ways / 4096,
    );
    expect(simulate("arm11mpcore@3.10").machine.config.cpus).toBe(2);
    expect(simulate("cortex-a9@3.10").machine.config.cpus).toBe(2);
  });

  it("PAGE_OFFSET 0xc0000000, TASK_SIZE 0xbf000000; highmem on arm926 and arm1136-32k except in 2.6.19", () => {
    for (const id of ["arm926@3.10", "arm1136-32k@3.10", "arm926@2.6.19", "cortex-a8@3.10"]) {
      const p = simulate(id).profile;
      expect(p.layout.pageOffset).toBe(0xc000_0000);
      expect(p.userTop).toBe(0xbf00_0000);
      expect(p.highmem).toBe(id === "arm926@3.10" || id === "arm1136-32k@3.10");
    }
  });
});
