// Fidelity of copy_to_user_page / copy_from_user_page by era (kernel-reference.md §4.3, §7 B7).
import { KernelBug, PG_arch_1, test_bit } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { SetPageDcacheDirty } from "../src/index.js";
import { accessesDuring, anonTask, hex, opsDuring, pageAt, show, sim } from "./helpers.js";

const PAGE = 4096;

/** A target whose page at user colour 1 (frame colour 0) holds 0x22222222 in a dirty user line; a debugger entered. */
function traced(profile: string, exec = false) {
  const s = sim(profile);
  const { task, vma } = anonTask(s, { colour: 1, frameColour: 0, name: "target", exec });
  s.kernel.userStore(vma.start, 0x22222222);
  const page = pageAt(s.kernel, vma.start);
  s.kernel.enter(s.kernel.createTask("gdb").threads[0]);
  return { s, task, vma, page };
}

describe("copy_from_user_page", () => {
  it("3.10, a mapped clean page: read through kmap_coherent at the user colour (the dirty line), no maintenance", () => {
    const { s, task, vma, page } = traced("mips/24kc-32k@3.10");
    let words: number[] = [];
    const reads = accessesDuring(s.kernel, () => {
      words = s.kernel.ptracePeek(task, vma.start, 4);
    }).filter((a) => a.access === "load" && a.va >= 0xe000_0000 && a.va < 0xf000_0000);
    expect(words).toEqual([0x22222222]);
    expect(reads).toHaveLength(1); // through the FIX_CMAP window
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });

  it("3.10, a page marked dirty: read through the kernel alias (kmap), and the page stays marked", () => {
    const { s, task, vma, page } = traced("mips/24kc-32k@3.10");
    SetPageDcacheDirty(page);
    const reads = accessesDuring(s.kernel, () => s.kernel.ptracePeek(task, vma.start, 4)).filter(
      (a) => a.access === "load",
    );
    expect(reads.at(-1)?.va).toBe(s.kernel.page_address(page)!);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });

  it("2.6.23, a page marked dirty: kmap_coherent anyway, BUG_ON (what `ps` hit)", () => {
    const { s, task, vma, page } = traced("mips/24kc-32k@2.6.23");
    SetPageDcacheDirty(page);
    expect(() => s.kernel.ptracePeek(task, vma.start, 4)).toThrow(KernelBug);
  });

  it("2.6.19: flush_cache_page first (an indexed flush of the target's colour), then the kernel alias", () => {
    const { s, task, vma, page } = traced("mips/24kc-32k@2.6.19");
    let words: number[] = [];
    const ops = opsDuring(s.kernel, () => {
      words = s.kernel.ptracePeek(task, vma.start, 4);
    });
    expect(ops.map(show)).toContain(`d flush pa ${hex(page.pfn * PAGE)}+${PAGE} @colour 1`);
    expect(words).toEqual([0x22222222]);
  });
});

describe("copy_to_user_page", () => {
  it("3.10: a mapped clean page is written through kmap_coherent; a dirty one through the alias, then marked dirty", () => {
    const clean = traced("mips/24kc-32k@3.10");
    clean.s.kernel.ptracePoke(clean.task, clean.vma.start, [0x33333333]);
    clean.s.kernel.enter(clean.task.threads[0]);
    expect(clean.s.kernel.userLoad(clean.vma.start)).toBe(0x33333333);
    expect(clean.s.finish().verdict).toBe("coherent");
    const dirty = traced("mips/24kc-32k@3.10");
    SetPageDcacheDirty(dirty.page);
    dirty.s.kernel.ptracePoke(dirty.task, dirty.vma.start, [0x33333333]);
    expect(test_bit(PG_arch_1, dirty.page)).toBe(true);
  });

  it("an exec mapping on a CPU whose I-cache fills from D: flush_cache_page in 4.19 (VM_EXEC), not in 3.10 (VM_EXEC && !ic_fills)", () => {
    for (const [profile, calls] of [
      ["mips/au1500@3.10", 0],
      ["mips/au1500@4.19", 1],
    ] as const) {
      const { s, task, vma } = traced(profile, true);
      let n = 0;
      const stop = s.kernel.observe({ hookEnter: (call) => void (call.hook === "flush_cache_page" && n++) });
      s.kernel.ptracePoke(task, vma.start, [0x44444444]);
      stop();
      expect(n, profile).toBe(calls);
    }
  });
});
