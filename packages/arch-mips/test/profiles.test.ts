// Registration, the CPU × era table, and the policies' plugins.
import {
  createRegistry,
  createSimulation,
  listProfileListings,
  profileRegistry,
  runScenario,
  STAGE_ARCH,
  STAGE_DEFAULT,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import {
  COLOURED_KMAP,
  eraPluginName,
  MIPS_ERA_NAMES,
  registerColouredKmap,
  registerMipsProfiles,
} from "../src/index.js";
import { container, scenario } from "./helpers.js";

describe("registerMipsProfiles", () => {
  it("registers 6 CPUs × 6 eras, leaving Loongson-3 out before v3.15 with the reason", () => {
    const listings = listProfileListings(container).filter((l) => l.arch === "mips");
    expect(listings).toHaveLength(36);
    const left = listings.filter((l) => l.supported !== true);
    expect(left.map((l) => l.id)).toEqual([
      "mips/loongson3@2.6.19",
      "mips/loongson3@2.6.23",
      "mips/loongson3@3.10",
    ]);
    expect(left[0].supported).toMatch(/v3\.15/);
    expect(
      profileRegistry(container)
        .ids()
        .filter((id) => id.startsWith("mips/")),
    ).toHaveLength(33);
  });

  it("gives each era's profile one plugin named after it, carrying the ops of that era", () => {
    for (const era of MIPS_ERA_NAMES) {
      const [plugin] = profileRegistry(container).resolve(`mips/24kc-32k@${era}`).createPlugins();
      expect(plugin.name).toBe(eraPluginName(era));
      expect(Object.keys(plugin.ops ?? {}).sort()).toEqual(
        era === "2.6.19" ? ["add_to_swap"] : ["add_to_swap", "kmap_coherent", "kunmap_coherent"],
      );
    }
  });

  it("registers +coloured-kmap once, so another package (or the CLI) may call registerColouredKmap too", () => {
    const c = createRegistry(registerMipsProfiles, registerColouredKmap);
    expect(profileRegistry(c).plugins.filter((p) => p.name === COLOURED_KMAP)).toHaveLength(1);
    expect(profileRegistry(c).resolve("generic/vipt-32k@asm-generic+coloured-kmap").stacked[0].name).toBe(
      COLOURED_KMAP,
    );
  });

  it("taps the MIPS hooks at STAGE_ARCH under the era's name, above asm-generic", () => {
    const s = createSimulation({ profile: "mips/24kc-32k@3.10", container });
    for (const hook of [
      "flush_dcache_page",
      "flush_anon_page",
      "copy_user_highpage",
      "set_pte_at",
      "update_mmu_cache",
    ] as const) {
      expect(
        s.kernel.hooks[hook].taps.map((t) => [t.name, t.stage]),
        hook,
      ).toEqual([
        ["mips@3.10", STAGE_ARCH],
        ["asm-generic", STAGE_DEFAULT],
      ]);
    }
    // 2.6.19 keeps the generic copy_user_highpage (kmap_atomic both pages, copy_user_page)
    const old = createSimulation({ profile: "mips/24kc-32k@2.6.19", container });
    expect(old.kernel.hooks.copy_user_highpage.taps.map((t) => t.name)).toEqual(["asm-generic"]);
  });
});

describe("CPU counts", () => {
  it("runs a two-CPU scenario on the 34K (two VPEs) and rejects it on the uniprocessor 24K", () => {
    const s = scenario(`cpus: 2
tasks:
  a: { cpu: 0, maps: { m: { anon: true, colour: 1 } } }
  b: { cpu: 1 }
steps:
  - a: store m+0 5
  - b: ptrace_peek a m+0
`);
    expect(runScenario(s, "mips/34kc-32k@6.6", { container }).verdict).toBe("coherent");
    const up = runScenario(s, "mips/24kc-32k@6.6", { container });
    expect(up.verdict).toBe("rejected");
    expect(up.reason?.message).toMatch(/at most 1/);
  });
});

describe("+fs-dax", () => {
  const dax = scenario(`files:
  pmem: { dax: true }
tasks:
  t:
    maps:
      m: { file: pmem, shared: true, prot: rw, colour: 0 }
steps:
  - t: load m+0
`);

  it("lets a 4.19 kernel set DAX up although fs/Kconfig excludes MIPS; 6.9's run-time refusal still applies", () => {
    expect(runScenario(dax, "mips/24kc-32k@4.19", { container }).verdict).toBe("rejected");
    expect(runScenario(dax, "mips/24kc-32k@4.19+fs-dax", { container }).verdict).toBe("coherent");
    expect(runScenario(dax, "mips/24kc-32k@6.9+fs-dax", { container }).verdict).toBe("rejected");
  });

  it("is one plugin for ARM and MIPS profiles, whichever package registers first", async () => {
    const { registerArmProfiles } = await import("@flushlab/arch-arm");
    for (const order of [
      [registerMipsProfiles, registerArmProfiles],
      [registerArmProfiles, registerMipsProfiles],
    ]) {
      const both = createRegistry(...order);
      expect(profileRegistry(both).plugins.filter((p) => p.name === "fs-dax")).toHaveLength(1);
      expect(runScenario(dax, "mips/24kc-32k@4.19+fs-dax", { container: both }).verdict).toBe("coherent");
      expect(runScenario(dax, "arm/arm1136-32k@4.19+fs-dax", { container: both }).verdict).toBe("coherent");
    }
  });
});
