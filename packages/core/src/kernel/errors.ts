// How a run of the kernel model ends early: an assertion that fired (BUG_ON: verdict `bug`) or an operation the
// kernel refused with an errno (verdict `rejected`). The scenario runner maps these two classes to verdicts;
// anything else thrown from the kernel model is a bug of flushlab (or a UserError for a bad request).

/** Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h), positive as in the headers. */
export const EPERM = 1;
/** Out of memory (no room for a mapping, no free frame). */
export const ENOMEM = 12;
/** Permission denied (mprotect beyond VM_MAY*). */
export const EACCES = 13;
/** Bad address (also SIGSEGV/SIGBUS of a user access, in this model). */
export const EFAULT = 14;
/** Device or resource busy. */
export const EBUSY = 16;
/** Invalid argument (an incongruent MAP_FIXED|MAP_SHARED). */
export const EINVAL = 22;
/** No space left. */
export const ENOSPC = 28;
/** Operation not supported (DAX on an aliasing D-cache, ≥ v6.9). */
export const EOPNOTSUPP = 95;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOMEM]: "ENOMEM",
  [EACCES]: "EACCES",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EINVAL]: "EINVAL",
  [ENOSPC]: "ENOSPC",
  [EOPNOTSUPP]: "EOPNOTSUPP",
};

/** `-EINVAL` for -22 (or 22): the symbolic name of an errno, for messages. */
export function errnoName(errno: number): string {
  const name = ERRNO_NAMES[Math.abs(errno)];
  return name ? `-${name}` : `-${Math.abs(errno)}`;
}

/**
 * An assertion of kernel or architecture code fired (`BUG_ON`, `VM_BUG_ON`, an oops such as "Unable to handle
 * kernel paging request"): the run ends with verdict `bug`. `location` names the Linux function and file, such
 * as `arch/mips/mm/init.c: kmap_coherent`.
 */
export class KernelBug extends Error {
  override readonly name = "KernelBug";
  constructor(
    message: string,
    readonly location: string,
  ) {
    super(message);
  }

  /** `location: message`, the line a report prints. */
  format(): string {
    return `kernel BUG at ${this.location}: ${this.message}`;
  }
}

/**
 * The kernel refused an operation, as a system call returns an error (or a task gets SIGSEGV/SIGBUS): the run
 * ends with verdict `rejected`. `errno` is negative, as the kernel returns it (`-EINVAL`); `reason` says why in
 * one sentence; `location` names the Linux function that refuses.
 */
export class KernelRefusal extends Error {
  override readonly name = "KernelRefusal";
  constructor(
    readonly errno: number,
    readonly reason: string,
    readonly location = "",
  ) {
    super(`${errnoName(errno)}: ${reason}`);
    if (errno >= 0) throw new RangeError(`KernelRefusal: errno must be negative (-EINVAL), not ${errno}`);
  }

  /** `-EINVAL: reason (location)`, the line a report prints. */
  format(): string {
    return this.location ? `${this.message} (${this.location})` : this.message;
  }
}

/**
 * Linux's BUG_ON: throw a KernelBug when `condition` holds. `location` names the function and file
 * (`arch/arm/mm/flush.c: __flush_dcache_page`).
 */
export function BUG_ON(condition: boolean, message: string, location: string): void {
  if (condition) throw new KernelBug(message, location);
}

/** True for a KernelBug. */
export function isKernelBug(error: unknown): error is KernelBug {
  return error instanceof KernelBug;
}

/** True for a KernelRefusal. */
export function isKernelRefusal(error: unknown): error is KernelRefusal {
  return error instanceof KernelRefusal;
}
