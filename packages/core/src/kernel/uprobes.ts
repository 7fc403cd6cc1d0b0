// uprobes' execute-out-of-line slots (kernel/events/uprobes.c): the first hit creates the task's XOL area
// (xol_add_vma: an unmapped page near the top of user space, install_special_mapping with VM_EXEC |
// VM_MAYEXEC | VM_DONTCOPY | VM_IO); each hit copies the probed instruction into a slot with
// arch_uprobe_copy_ixol and the task executes it there. Not modelled: the return-probe trampoline that
// __create_xol_area writes into slot 0 (a scenario names its slots explicitly).
import { UserError } from "../errors.js";
import type { Address } from "../hw/api.js";
import type { Kernel } from "./kernel.js";
import { type Task, VM_DONTCOPY, VM_EXEC, VM_IO, VM_MAYEXEC, Vma } from "./mm.js";
import type { Page } from "./page.js";

/** UPROBE_XOL_SLOT_BYTES (arch/arm/include/asm/uprobes.h: 64). */
export const UPROBE_XOL_SLOT_BYTES = 64;

/** struct xol_area: the XOL page, where it is mapped, and its special VMA. */
export interface XolArea {
  readonly page: Page;
  readonly vaddr: Address;
  readonly vma: Vma;
}

const xolAreas = new WeakMap<Task, XolArea>();

/** The task's XOL area, if a probe hit has created it. */
export function xolAreaOf(tsk: Task): XolArea | undefined {
  return xolAreas.get(tsk);
}

/**
 * __create_xol_area + xol_add_vma: allocate the page (GFP_HIGHUSER, not zeroed), find room with
 * get_unmapped_area(NULL, TASK_SIZE - PAGE_SIZE, PAGE_SIZE, 0, 0) (arch_get_unmapped_area), install the
 * special mapping. Its PTE is installed by the first instruction fetch (special_mapping_fault).
 */
function xol_add_vma(kernel: Kernel, tsk: Task): XolArea {
  const mm = tsk.mm!;
  const { pageSize } = kernel;
  const page = kernel.alloc_page({});
  const hint = kernel.machine.config.userTop - pageSize;
  const vaddr = kernel.hooks.arch_get_unmapped_area.call(null, hint, pageSize, 0, 0) as Address;
  const vma = new Vma(
    mm,
    vaddr,
    vaddr + pageSize,
    VM_EXEC | VM_MAYEXEC | VM_DONTCOPY | VM_IO,
    null,
    vaddr / pageSize,
    "[uprobes]",
    null,
  );
  vma.specialPages = [page];
  mm.insertVma(vma);
  const area = { page, vaddr, vma };
  xolAreas.set(tsk, area);
  return area;
}

/**
 * xol_get_insn_slot: the current task's XOL area (created on the first hit), slot `slot`; the instruction
 * `insn` (words) is copied in with arch_uprobe_copy_ixol. Returns the slot's user address.
 */
export function xol_get_insn_slot(kernel: Kernel, insn: readonly number[], slot: number): Address {
  const tsk = kernel.current.task;
  if (tsk.mm === null) throw new UserError("uprobe_xol", "a kernel thread has no XOL area.");
  const slots = kernel.pageSize / UPROBE_XOL_SLOT_BYTES;
  if (!Number.isInteger(slot) || slot < 0 || slot >= slots) {
    throw new UserError(
      "uprobe_xol",
      `slot ${slot} is not one of the ${slots} XOL slots of a ${kernel.pageSize}-byte page.`,
    );
  }
  const len = insn.length * 4;
  if (len === 0 || len > UPROBE_XOL_SLOT_BYTES) {
    throw new UserError(
      "uprobe_xol",
      `an XOL instruction is 1 to ${UPROBE_XOL_SLOT_BYTES / 4} words, not ${insn.length}.`,
    );
  }
  const area = xolAreas.get(tsk) ?? xol_add_vma(kernel, tsk);
  const vaddr = area.vaddr + slot * UPROBE_XOL_SLOT_BYTES;
  kernel.hooks.arch_uprobe_copy_ixol.call(area.page, vaddr, insn, len);
  return vaddr;
}

/** Forget a task's XOL area (the task exited: exit_mmap freed its mapping; the page reference goes too). */
export function xol_free_area(kernel: Kernel, tsk: Task): void {
  const area = xolAreas.get(tsk);
  if (area === undefined) return;
  xolAreas.delete(tsk);
  kernel.put_page(area.page);
}
