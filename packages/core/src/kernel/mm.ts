// The process side of the kernel model: mm_struct with its hardware page table and ASID, vm_area_struct,
// tasks and their threads, page-table entry pointers, and the flag values of mmap(2), VMAs, GUP and faults
// (include/linux/mm.h, include/linux/mm_types.h, include/uapi/asm-generic/mman-common.h).
import type { Address, AddressSpaceApi, Pte } from "../hw/api.js";
import type { File, Page } from "./page.js";

// ── vm_flags (include/linux/mm.h) ───────────────────────────────────────────────────────────────────────────
/** No access. */
export const VM_NONE = 0x0;
/** Readable. */
export const VM_READ = 0x1;
/** Writable. */
export const VM_WRITE = 0x2;
/** Executable. */
export const VM_EXEC = 0x4;
/** Shared and writable (MAP_SHARED of a file opened for writing). */
export const VM_SHARED = 0x8;
/** mprotect may add read. */
export const VM_MAYREAD = 0x10;
/** mprotect may add write (FOLL_FORCE may write through COW). */
export const VM_MAYWRITE = 0x20;
/** mprotect may add exec. */
export const VM_MAYEXEC = 0x40;
/** MAP_SHARED (even of a read-only file). */
export const VM_MAYSHARE = 0x80;
/** Memory-mapped I/O or similar (the uprobes XOL area carries it). */
export const VM_IO = 0x4000;
/** Not copied by fork (the uprobes XOL area). */
export const VM_DONTCOPY = 0x20000;
/** Pages may be mapped by pfn without struct page semantics (DAX mappings). */
export const VM_MIXEDMAP = 0x10000000;

// ── mmap(2) (include/uapi/asm-generic/mman-common.h) ────────────────────────────────────────────────────────
/** No access. */
export const PROT_NONE = 0x0;
/** Readable. */
export const PROT_READ = 0x1;
/** Writable. */
export const PROT_WRITE = 0x2;
/** Executable. */
export const PROT_EXEC = 0x4;
/** Share the mapping (stores reach the file). */
export const MAP_SHARED = 0x01;
/** Private copy-on-write mapping. */
export const MAP_PRIVATE = 0x02;
/** Place exactly at the address given. */
export const MAP_FIXED = 0x10;
/** No file: zero-filled memory. */
export const MAP_ANONYMOUS = 0x20;

// ── get_user_pages flags (include/linux/mm.h FOLL_*) ────────────────────────────────────────────────────────
/** Check the PTE is writable; break COW. */
export const FOLL_WRITE = 0x01;
/** Mark the page accessed. */
export const FOLL_TOUCH = 0x02;
/** Take a reference on each page. */
export const FOLL_GET = 0x04;
/** Ignore the VMA's permissions (ptrace): write to a read-only private mapping through a COW copy. */
export const FOLL_FORCE = 0x10;
/** The mm is not current's (get_user_pages_remote). */
export const FOLL_REMOTE = 0x2000;

// ── handle_mm_fault flags (include/linux/mm_types.h FAULT_FLAG_*) ───────────────────────────────────────────
/** The fault is a write. */
export const FAULT_FLAG_WRITE = 0x01;
/** The fault is on behalf of another mm (GUP remote). */
export const FAULT_FLAG_REMOTE = 0x80;
/** The fault is an instruction fetch. */
export const FAULT_FLAG_INSTRUCTION = 0x100;

/** is_cow_mapping(flags): a private mapping that may be written (include/linux/mm.h). */
export function is_cow_mapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

/**
 * Where the frames backing a mapping come from (a scenario's `frame_colour`, `pfn`, `highmem`): page i of
 * the mapping gets a frame of colour `colour + i` (modulo the number of colours), or frame `pfn + i`, from
 * highmem when `highmem` is set. Applies to the anonymous pages and page-cache pages the mapping's faults
 * allocate.
 */
export interface FramePlacement {
  readonly colour?: number | null;
  readonly pfn?: number | null;
  readonly highmem?: boolean;
}

// ── Page-table entries (arch/*/include/asm/pgtable.h helpers) ───────────────────────────────────────────────

/** pte_present(pte). */
export function pte_present(pte: Pte | undefined | null): pte is Pte {
  return pte?.present === true;
}

/** pte_write(pte). */
export function pte_write(pte: Pte): boolean {
  return pte.writable;
}

/** pte_exec(pte) (arm64's pte_user_exec for a user PTE). */
export function pte_exec(pte: Pte): boolean {
  return pte.executable;
}

/** pte_pfn(pte). */
export function pte_pfn(pte: Pte): number {
  return pte.pfn;
}

/** pte_wrprotect(pte): a copy without write permission. */
export function pte_wrprotect(pte: Pte): Pte {
  return { ...pte, writable: false };
}

/** pte_mkwrite(pte): a copy with write permission. */
export function pte_mkwrite(pte: Pte): Pte {
  return { ...pte, writable: true };
}

/** The protection part of a PTE (pgprot_t). */
export interface PteProt {
  writable: boolean;
  executable: boolean;
  user: boolean;
  cacheable: boolean;
}

/** mk_pte / pfn_pte(pfn, prot): a present PTE. */
export function pfn_pte(pfn: number, prot: PteProt): Pte {
  return { pfn, present: true, ...prot };
}

/**
 * A pointer to one page-table entry (pte_t *ptep): the page table and the address it translates. Hooks get
 * one (set_pte_at, ptep_clear_flush, update_mmu_cache) so that arch code can read the old entry and rewrite
 * it (ARM's make_coherent marks aliases uncached this way).
 */
export class PteRef {
  constructor(
    readonly space: AddressSpaceApi,
    /** The page-aligned virtual address the entry translates. */
    readonly addr: Address,
  ) {}

  /** *ptep: a copy of the entry, or undefined when none is installed (pte_none). */
  get(): Pte | undefined {
    const pte = this.space.pte(this.addr);
    return pte === undefined ? undefined : { ...pte };
  }

  /** *ptep = pte. */
  set(pte: Pte): void {
    this.space.setPte(this.addr, pte);
  }

  /** pte_clear(): remove the entry. */
  clear(): void {
    this.space.clearPte(this.addr);
  }
}

// ── vm_area_struct ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * struct vm_area_struct: one mapping [start, end) of an mm, anonymous (`file` null) or of a file from page
 * `pgoff`. `name` is the scenario's name for it (fork gives the child's copy the same name).
 */
export class Vma {
  /** vma->anon_vma != NULL: the VMA holds (or held) anonymous pages, so fork copies its PTEs. */
  anonVma = false;
  /** A special mapping's pages (install_special_mapping: the uprobes XOL area), or null. */
  specialPages: Page[] | null = null;

  constructor(
    /** vm_mm. */
    readonly mm: Mm,
    /** vm_start (page-aligned). */
    public start: Address,
    /** vm_end (exclusive, page-aligned). */
    public end: Address,
    /** vm_flags: VM_READ | VM_WRITE | ... */
    public flags: number,
    /** vm_file (null: anonymous memory). */
    readonly file: File | null,
    /** vm_pgoff: the file page mapped at vm_start (for anonymous memory, start / PAGE_SIZE). */
    public pgoff: number,
    public name: string | null,
    /** Where new frames for this mapping come from (null: anywhere). */
    public placement: FramePlacement | null,
  ) {}

  /** vma_pages(vma). */
  get pageCount(): number {
    return (this.end - this.start) / this.mm.pageSize;
  }

  /** Whether [start, end) contains `addr`. */
  contains(addr: Address): boolean {
    return addr >= this.start && addr < this.end;
  }

  /** linear_page_index(vma, address): the file page that `addr` maps. */
  linear_page_index(addr: Address): number {
    return this.pgoff + Math.floor((addr - this.start) / this.mm.pageSize);
  }

  /** vma_address(page, vma) for file page `pgoff`: the user address that maps it (the VMA must cover it). */
  addressOf(pgoff: number): Address {
    return this.start + (pgoff - this.pgoff) * this.mm.pageSize;
  }

  /** Which page of the mapping (0 = the first) `addr` is in. */
  pageIndexOf(addr: Address): number {
    return Math.floor((addr - this.start) / this.mm.pageSize);
  }

  /** `vm_flags & flag` is set. */
  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }
}

// ── mm_struct ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * struct mm_struct: the VMAs of a process (sorted by address) and its hardware page table, whose ASID is the
 * mm's context id. `cpumask` is mm_cpumask(mm): the CPUs the mm has been active on.
 */
export class Mm {
  /** The VMAs in address order (mm->mmap / the maple tree). */
  readonly vmas: Vma[] = [];
  /** mm_cpumask(mm). */
  readonly cpumask = new Set<number>();
  /** Set by exit_mmap: the mm has no mappings left and may not be used again. */
  dead = false;

  constructor(
    readonly name: string,
    /** The page table (pgd) on the hardware MMU. */
    readonly space: AddressSpaceApi,
    readonly pageSize: number,
  ) {}

  /** The mm's ASID (context.id). */
  get asid(): number {
    return this.space.asid;
  }

  /** vma_lookup(mm, addr): the VMA containing `addr`, or null. */
  vma_lookup(addr: Address): Vma | null {
    for (const vma of this.vmas) {
      if (vma.contains(addr)) return vma;
      if (vma.start > addr) break;
    }
    return null;
  }

  /** find_vma(mm, addr): the first VMA ending above `addr` (it may start above `addr`), or null. */
  find_vma(addr: Address): Vma | null {
    return this.vmas.find((vma) => vma.end > addr) ?? null;
  }

  /** The VMA the scenario named `name`, or null. */
  vmaNamed(name: string): Vma | null {
    return this.vmas.find((vma) => vma.name === name) ?? null;
  }

  /** Link a VMA into the address-ordered list (it must not overlap another). */
  insertVma(vma: Vma): void {
    const at = this.vmas.findIndex((other) => other.start > vma.start);
    if (at < 0) this.vmas.push(vma);
    else this.vmas.splice(at, 0, vma);
  }

  /** Unlink a VMA. */
  removeVma(vma: Vma): void {
    const at = this.vmas.indexOf(vma);
    if (at >= 0) this.vmas.splice(at, 1);
  }

  /** A pointer to the PTE of the page containing `addr` (pte_offset_map). */
  pte(addr: Address): PteRef {
    return new PteRef(this.space, addr - (addr % this.pageSize));
  }
}

// ── Tasks and threads ───────────────────────────────────────────────────────────────────────────────────────

/**
 * A process (a thread group): its mm (null for a kernel thread, which borrows the previous mm, as Linux's
 * active_mm) and its threads. Every thread of a task runs on the task's CPU.
 */
export class Task {
  readonly threads: Thread[] = [];
  /** Set by exit: the task's threads may not act any more. */
  exited = false;

  constructor(
    readonly name: string,
    readonly mm: Mm | null,
    /** The CPU its threads run on. */
    public cpu: number,
  ) {}

  /** A kernel thread (no user mm). */
  get isKernelThread(): boolean {
    return this.mm === null;
  }
}

/** One thread (a task_struct sharing its group's mm): the actor of a scenario step. */
export class Thread {
  constructor(
    readonly name: string,
    readonly task: Task,
  ) {}

  /** The CPU it runs on (its task's). */
  get cpu(): number {
    return this.task.cpu;
  }
}
