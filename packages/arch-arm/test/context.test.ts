// switch_mm: VIVT without ASIDs flushes the whole cache and leaves mm_cpumask(prev); ARMv6+ switches ASIDs only.
import { describe, expect, it } from "vitest";
import { opsOf, simulate } from "./helpers.js";

function switchTwice(profile: string) {
  const kernel = simulate(profile).kernel;
  const a = kernel.createTask("a");
  const b = kernel.createTask("b");
  kernel.enter(a.threads[0]);
  const ops = opsOf(kernel, "switch_mm", () => kernel.enter(b.threads[0]));
  return { kernel, a, b, ops };
}

describe("switch_mm", () => {
  it("arm926: clean+invalidate the D-cache, invalidate the I-cache; prev leaves mm_cpumask", () => {
    const { a, b, ops } = switchTwice("arm926@3.10");
    expect(ops).toEqual(["d flush all", "i invalidate all"]);
    expect(a.mm!.cpumask.has(0)).toBe(false);
    expect(b.mm!.cpumask.has(0)).toBe(true);
  });

  it("arm1136-32k and cortex-a9: nothing to maintain; prev stays in mm_cpumask", () => {
    for (const profile of ["arm1136-32k@3.10", "cortex-a9@6.6"]) {
      const { a, b, ops, kernel } = switchTwice(profile);
      expect(ops).toEqual([]);
      expect(a.mm!.cpumask.has(0)).toBe(true);
      expect(kernel.machine.currentSpace(0)).toBe(b.mm!.space);
    }
  });
});
