// uprobes' XOL slot on MIPS: arch_uprobe_copy_ixol (arch/mips/kernel/uprobes.c, MIPS uprobes support from
// ≈ v4.3: release UNVERIFIED). Before it MIPS could not enable CONFIG_UPROBES, so a probe hit is refused.
// Reference: kernel-reference.md §1.6, §4.3 (uprobes row), §7 B8 [UP]. The reference's row says MIPS uses the
// generic copy (kalias write + flush_dcache_page); the MIPS source (verified in torvalds/linux) overrides it.
import { type Address, EOPNOTSUPP, KernelRefusal, type Page } from "@flushlab/core";
import type { MipsContext } from "./page.js";

/**
 * arch_uprobe_copy_ixol(page, vaddr, src, len) (arch/mips/kernel/uprobes.c): kmap_atomic the slot's page (the
 * kernel alias), memcpy the instruction at the slot's offset, flush_icache_range(kstart, kstart + len) on that
 * kernel address (write back D, invalidate I over the kernel alias's lines: not the user colour's), kunmap_atomic.
 * Eras before MIPS had uprobes: -EOPNOTSUPP.
 */
export function arch_uprobe_copy_ixol(
  ctx: MipsContext,
  page: Page,
  vaddr: Address,
  src: readonly number[],
  len: number,
): void {
  const { kernel } = ctx;
  if (ctx.era.uprobes === "none") {
    throw new KernelRefusal(
      -EOPNOTSUPP,
      `uprobes are not available on MIPS in ${ctx.era.name} (ARCH_SUPPORTS_UPROBES came with arch/mips/kernel/uprobes.c, ≈ v4.3)`,
      "kernel/events/uprobes.c: uprobe_register",
    );
  }
  const kaddr = kernel.kmap_atomic(page);
  const kstart = kaddr + (vaddr % kernel.pageSize);
  kernel.writeKernel(kstart, src.slice(0, len / 4));
  kernel.hooks.flush_icache_range.call(kstart, kstart + len);
  kernel.kunmap_atomic(kaddr);
}
