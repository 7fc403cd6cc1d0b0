// Fidelity of installing user PTEs: set_pte_at → __sync_icache_dcache (ARMv6+, v2.6.37 on), update_mmu_cache
// → make_coherent / adjust_pte (ARMv4/v5, and every CPU in 2.6.19).
import { type Kernel, PG_arch_1, test_bit } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { enterTask, hex, kaddr, map, opsOf, RX, simulate } from "./helpers.js";

/** The fault of a first load (or fetch) of page 0 of a MAP_SHARED mapping of a one-page file. */
function fault(profile: string, opts: { exec?: boolean } = {}) {
  const kernel = simulate(profile).kernel;
  const task = enterTask(kernel);
  const file = kernel.createFile("f", 1);
  const vma = map(kernel, { file, shared: true, ...(opts.exec ? { prot: RX } : {}) });
  const run = () => (opts.exec ? kernel.userIfetch(vma.start) : kernel.userLoad(vma.start));
  const setPte = opsOf(kernel, "set_pte_at", run);
  const page = kernel.find_get_page(file, 0)!;
  return { kernel, task, vma, page, setPte };
}

/** The operations of update_mmu_cache during `fn`. */
const umc = (kernel: Kernel, fn: () => void) => opsOf(kernel, "update_mmu_cache", fn);

describe("set_pte_at and __sync_icache_dcache (ARMv6+)", () => {
  it("arm1136-32k@3.10: a page-cache page not yet clean: its kernel alias and its file offset's colour", () => {
    const { kernel, page, setPte } = fault("arm1136-32k@3.10");
    expect(setPte).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      "d flush va 0xff800000+0x1000 k",
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });

  it("arm1136-32k@3.10: an executable PTE adds the whole I-cache", () => {
    const { setPte } = fault("arm1136-32k@3.10", { exec: true });
    expect(setPte.at(-1)).toBe("i invalidate all");
  });

  it("cortex-a9@3.10: a non-executable PTE does nothing (the deferred flush waits for an exec mapping)", () => {
    const { page, setPte } = fault("cortex-a9@3.10");
    expect(setPte).toEqual([]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });

  it("cortex-a9@3.10: an executable PTE: the kernel alias (no colour alias), then the I-cache", () => {
    const { kernel, page, setPte } = fault("cortex-a9@3.10", { exec: true });
    expect(setPte).toEqual([`d flush va ${hex(kaddr(kernel, page))}+0x1000 k`, "i invalidate all"]);
  });

  it("arm926@3.10 (ARMv5): set_pte_at does nothing; update_mmu_cache does the deferred flush", () => {
    const kernel = simulate("arm926@3.10").kernel;
    enterTask(kernel);
    const file = kernel.createFile("f", 1);
    const vma = map(kernel, { file, shared: true });
    const ops: string[] = [];
    const setPte = opsOf(kernel, "set_pte_at", () =>
      ops.push(...umc(kernel, () => kernel.userLoad(vma.start))),
    );
    expect(setPte).toEqual([]);
    expect(ops).toEqual([`d flush va ${hex(kaddr(kernel, kernel.find_get_page(file, 0)!))}+0x1000 k`]);
  });

  it("arm1136-32k@2.6.19: no __sync_icache_dcache yet; update_mmu_cache does a page-cache page's deferred flush", () => {
    const kernel = simulate("arm1136-32k@2.6.19").kernel;
    enterTask(kernel);
    const file = kernel.createFile("f", 1);
    const page = kernel.pagecacheFill(file, 0, { via: "pio", words: [1, 2] }); // flush_dcache_page defers
    expect(test_bit(PG_arch_1, page)).toBe(true); // PG_dcache_dirty
    const vma = map(kernel, { file, shared: true });
    const ops: string[] = [];
    const setPte = opsOf(kernel, "set_pte_at", () =>
      ops.push(...umc(kernel, () => kernel.userLoad(vma.start))),
    );
    expect(setPte).toEqual([]);
    expect(ops).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      "d flush va 0xff800000+0x1000 k",
      "i invalidate va 0xff800000+0x1000 k",
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });
});

describe("update_mmu_cache, make_coherent and adjust_pte (VIVT)", () => {
  it("arm926@3.10: a second shared mapping of the same file page in the same mm makes both PTEs uncached", () => {
    const kernel = simulate("arm926@3.10").kernel;
    const task = enterTask(kernel);
    const file = kernel.createFile("f", 1);
    const a = map(kernel, { file, shared: true });
    const b = map(kernel, { file, shared: true });
    kernel.userLoad(a.start);
    expect(task.mm!.pte(a.start).get()!.cacheable).toBe(true);
    const ops = umc(kernel, () => kernel.userLoad(b.start));
    expect(ops).toEqual([
      `d flush va ${hex(a.start)}+0x1000 u${task.mm!.asid}`,
      `d flush va ${hex(b.start)}+0x1000 u${task.mm!.asid}`,
    ]);
    expect(task.mm!.pte(a.start).get()!.cacheable).toBe(false);
    expect(task.mm!.pte(b.start).get()!.cacheable).toBe(false);
  });

  it("arm926@3.10: a private mapping or another mm's mapping is not an alias make_coherent acts on", () => {
    const kernel = simulate("arm926@3.10").kernel;
    const task = enterTask(kernel);
    const file = kernel.createFile("f", 1);
    const priv = map(kernel, { file, shared: false });
    const shared = map(kernel, { file, shared: true });
    kernel.userLoad(priv.start);
    kernel.userLoad(shared.start);
    expect(task.mm!.pte(priv.start).get()!.cacheable).toBe(true);
    expect(task.mm!.pte(shared.start).get()!.cacheable).toBe(true);
  });

  it("arm926@2.6.19: alone, make_coherent flushes the faulting user page (the 2.6.1x form)", () => {
    const kernel = simulate("arm926@2.6.19").kernel;
    const task = enterTask(kernel);
    const file = kernel.createFile("f", 1);
    const vma = map(kernel, { file, shared: true });
    expect(umc(kernel, () => kernel.userLoad(vma.start))).toEqual([
      `d flush va ${hex(vma.start)}+0x1000 u${task.mm!.asid}`,
    ]);
  });

  it("arm926@3.10: the zero page is skipped", () => {
    const kernel = simulate("arm926@3.10").kernel;
    enterTask(kernel);
    const vma = map(kernel, {});
    expect(umc(kernel, () => kernel.userLoad(vma.start))).toEqual([]);
  });
});
