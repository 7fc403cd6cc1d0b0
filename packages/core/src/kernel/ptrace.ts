// ptrace's access to another process's memory: access_process_vm → __access_remote_vm (mm/memory.c), which
// pins the target's page with get_user_pages_remote (FOLL_FORCE: a read-only private text page is written
// through its COW copy), maps it with kmap and copies with copy_to_user_page / copy_from_user_page, the hooks
// through which an architecture keeps the target's user alias (and I-cache) coherent.
import type { Address } from "../hw/api.js";
import { EFAULT, KernelRefusal } from "./errors.js";
import type { Kernel } from "./kernel.js";
import { FOLL_FORCE, FOLL_REMOTE, FOLL_WRITE, type Task } from "./mm.js";
import { PG_dirty, set_bit } from "./page.js";

/**
 * __access_remote_vm: per page of [addr, addr + len): get_user_pages_remote(FOLL_FORCE [| FOLL_WRITE]), kmap,
 * copy_to_user_page (write, then set_page_dirty_lock) or copy_from_user_page (read), kunmap, put_page.
 * Writes `data` (words) when given; returns the words read otherwise.
 */
export function access_process_vm(
  kernel: Kernel,
  tsk: Task,
  addr: Address,
  len: number,
  data: readonly number[] | null,
): number[] {
  const mm = tsk.mm;
  if (mm === null || mm.dead) {
    throw new KernelRefusal(-EFAULT, `task ${tsk.name} has no user memory`, "mm/memory.c: access_process_vm");
  }
  if (addr % 4 !== 0 || len % 4 !== 0)
    throw new RangeError("access_process_vm: word-aligned address and length");
  const write = data !== null;
  const out: number[] = [];
  const { hooks, pageSize } = kernel;
  let done = 0;
  while (done < len) {
    const at = addr + done;
    const offset = at % pageSize;
    const bytes = Math.min(len - done, pageSize - offset);
    const [page] = kernel.get_user_pages_remote(
      mm,
      at - offset,
      1,
      FOLL_FORCE | FOLL_REMOTE | (write ? FOLL_WRITE : 0),
    );
    const vma = mm.vma_lookup(at)!;
    const maddr = kernel.kmap(page);
    if (write) {
      hooks.copy_to_user_page.call(
        vma,
        page,
        at,
        maddr + offset,
        data.slice(done / 4, (done + bytes) / 4),
        bytes,
      );
      set_bit(PG_dirty, page);
    } else {
      hooks.copy_from_user_page.call(vma, page, at, out, maddr + offset, bytes);
    }
    kernel.kunmap(page);
    kernel.put_page(page);
    done += bytes;
  }
  return out;
}
