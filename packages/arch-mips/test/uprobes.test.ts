// arch_uprobe_copy_ixol on MIPS: refused before MIPS had uprobes; from 4.19 a kernel-alias copy + flush_icache_range.
import { describe, expect, it } from "vitest";
import { anonTask, opsDuring, sim } from "./helpers.js";

describe("arch_uprobe_copy_ixol", () => {
  it("is refused (-EOPNOTSUPP) in the eras before MIPS uprobes", () => {
    for (const profile of ["mips/24kc-32k@2.6.19", "mips/24kc-32k@3.10"]) {
      const s = sim(profile);
      anonTask(s, { colour: 0, frameColour: 0 });
      expect(() => s.kernel.uprobeXol([0x1234]), profile).toThrow(/uprobes are not available on MIPS/);
    }
  });

  it("4.19: writes the slot through the kernel alias, then flush_icache_range over that kernel address", () => {
    const s = sim("mips/24kc-32k@4.19");
    anonTask(s, { colour: 0, frameColour: 0 });
    let slot = 0;
    const ops = opsDuring(s.kernel, () => {
      slot = s.kernel.uprobeXol([0x1234]);
    });
    const kernelOps = ops.filter((o) => o.scope === "va" && o.start >= 0x8000_0000 && o.start < 0x9000_0000);
    expect(kernelOps.map((o) => [o.cache, o.kind, o.scope === "va" ? o.length : 0])).toEqual([
      ["d", "flush", 4],
      ["i", "invalidate", 4],
    ]);
    expect(slot).toBeGreaterThan(0);
  });
});
