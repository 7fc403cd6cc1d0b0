/**
 * The kernel model: a Linux-like memory manager whose generic code paths call cache-maintenance hook points
 * where Linux calls them. Architecture packages and users' policies tap `kernel.hooks`.
 *
 * The public API (see each export's TSDoc):
 * - {@link Kernel}: `new Kernel(machine, options)`; tasks (`createTask`, `task`, `thread`, `kworker`), files
 *   (`createFile`, `file`), the execution context (`enter(thread)`, `current`, `cpu`), user accesses
 *   (`userLoad`, `userStore`, `userIfetch`), kernel accesses (`kernelLoad`, `kernelStore`, `memcpy`, `memset`,
 *   `copy_from_user`, `copy_to_user`), processes (`mmap`, `munmap`, `mprotect`, `fork`/`forkBegin`, `exit`),
 *   `get_user_pages(_remote)`, `put_page`, `kmap`/`kunmap`/`kmap_atomic`/`kunmap_atomic`, `vmap`/`vunmap`,
 *   file I/O (`read`, `write`, `pagecacheFill`, `writeback`), O_DIRECT (`readDirect`, `writeDirect`), DMA
 *   (`dma_map_page`, `dma_unmap_page`), `sg_miter_start/next/stop`, ptrace (`ptracePeek`, `ptracePoke`),
 *   `uprobeXol`, `kmalloc`, `callHook`, `observe`.
 * - The hooks: {@link KernelHookSignatures}, {@link replaceHook}, {@link addToHook}, {@link callNext}, the
 *   stages, and {@link asmGeneric} (the defaults).
 * - {@link KernelBug} (verdict `bug`) and {@link KernelRefusal} (verdict `rejected`).
 * @module
 */

export type { DirectIoOptions } from "./direct-io.js";
export * from "./dma.js";
export * from "./errors.js";
export type { TransferMode } from "./filemap.js";
export { asmGeneric, type GenericImplementation } from "./generic.js";
export { Highmem, PAGE_KERNEL } from "./highmem.js";
export * from "./hooks.js";
export {
  DEFAULT_KERNEL_ERA,
  type ForkInProgress,
  Kernel,
  type KernelEra,
  type KernelOptions,
} from "./kernel.js";
export * from "./layout.js";
export { vma_wants_writenotify, vmaPageProt } from "./memory.js";
export * from "./mm.js";
export { calc_vm_prot_bits, type MmapRequest, type UnmappedAreaInfo } from "./mmap.js";
export type { HookCall, KernelObserver, TlbFlush } from "./observe.js";
export * from "./page.js";
export * from "./scatterlist.js";
export { UPROBE_XOL_SLOT_BYTES, type XolArea, xolAreaOf } from "./uprobes.js";
