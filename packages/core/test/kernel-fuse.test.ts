// Issue 3's two scenarios reproduced directly on the kernel API (no scenario file): fuse_dev_write reads a user
// buffer through kmap_atomic after get_user_pages (Russell King, "fuse, get_user_pages, flush_anon_page,
// aliasing caches and all that again", linux-kernel, 2006-12-21), and the same with a second thread writing
// the buffer meanwhile (point 4 of the same message).
import { describe, expect, test } from "vitest";
import type { Machine } from "../src/hw/machine.js";
import { addToHook, HOOK_NAMES, Kernel, PROT_READ, PROT_WRITE, STAGE_ARCH } from "../src/kernel/index.js";
import { piptMachine, viptMachine, vivtMachine } from "./kernel-helpers.js";

/** generic/vivt@flush-all's policy: clean+invalidate the whole D-cache and invalidate the I-cache at every hook. */
function flushAll(kernel: Kernel): void {
  for (const name of HOOK_NAMES) {
    addToHook(kernel.hooks, name, { name: "flush-all", stage: STAGE_ARCH }, () => {
      kernel.maintain("d", "flush", { scope: "all" });
      kernel.maintain("i", "invalidate", { scope: "all" });
    });
  }
}

/**
 * fuse-writev (and, with `threaded`, fuse-writev-threaded). Returns the machine's violations (end-of-run
 * ones included) and the words the kernel read through its alias.
 */
function fuseWritev(machine: Machine, options: { threaded?: boolean; policy?: (k: Kernel) => void } = {}) {
  const kernel = new Kernel(machine);
  options.policy?.(kernel);
  const client = kernel.createTask("client", { threads: ["client", "helper"] });
  let step = 0;
  const as = (thread: string) => {
    machine.setContext(step++, thread);
    kernel.enter(kernel.thread(thread));
  };
  as("client");
  const buf = kernel.mmap({
    name: "buf",
    pages: 1,
    prot: PROT_READ | PROT_WRITE,
    colour: 1,
    placement: { colour: 0 },
  });
  const at = buf.start + 0x10;
  as("client"); // load buf+0x10 len=4: the buffer was in use, its lines are in the cache
  for (let i = 0; i < 4; i++) kernel.userLoad(at + 4 * i);
  as("client"); // store buf+0x10 0x11111111 len=4
  for (let i = 0; i < 4; i++) kernel.userStore(at + 4 * i, 0x11111111);
  as("client"); // get_user_pages client buf -> p (kernel mode on behalf of client: fuse_dev_write)
  const [p] = kernel.get_user_pages_remote(client.mm!, buf.start, 1, 0);
  as("client"); // kmap_atomic p -> k
  const k = kernel.kmap_atomic(p);
  if (options.threaded) {
    as("helper"); // load buf+0x10: read-modify-write by the other thread
    kernel.userLoad(at);
    as("helper"); // store buf+0x10 0x22222222
    kernel.userStore(at, 0x22222222);
  }
  as("client"); // load k+0x10 len=4: memcpy from the kernel alias, judged by the oracle
  const read: number[] = [];
  for (let i = 0; i < 4; i++) read.push(kernel.kernelLoad(k + 0x10 + 4 * i));
  as("client"); // kunmap_atomic k
  kernel.kunmap_atomic(k);
  as("client"); // put_page p
  kernel.put_page(p);
  return { violations: machine.finish(), read, kernel, buf, page: p };
}

describe("fuse-writev", () => {
  test("the mapping and its frame have the colours the scenario asks", () => {
    const { kernel, buf, page } = fuseWritev(vivtMachine());
    expect(kernel.machine.colourOf(buf.start)).toBe(1);
    expect(kernel.frameColour(page.pfn)).toBe(0);
    expect(kernel.machine.colourOf(kernel.page_address(page)!)).toBe(0);
  });

  test("on a VIVT write-back write-allocate cache with asm-generic hooks, the kernel reads stale data", () => {
    const { violations, read } = fuseWritev(vivtMachine());
    const stale = violations.filter((v) => v.kind === "stale-read");
    expect(stale.length).toBeGreaterThan(0);
    expect(stale[0]).toMatchObject({ expected: 0x11111111, actor: "client" });
    expect(read).not.toEqual([0x11111111, 0x11111111, 0x11111111, 0x11111111]);
  });

  test("on PIPT it is coherent", () => {
    const { violations, read } = fuseWritev(piptMachine());
    expect(violations).toEqual([]);
    expect(read).toEqual([0x11111111, 0x11111111, 0x11111111, 0x11111111]);
  });

  test("on an aliasing VIPT cache (user colour 1, kernel alias colour 0) it is stale too", () => {
    const { violations } = fuseWritev(viptMachine());
    expect(violations.some((v) => v.kind === "stale-read")).toBe(true);
  });

  test("flushing the whole cache at every hook (flush-all) makes it coherent on VIVT", () => {
    const { violations, read } = fuseWritev(vivtMachine(), { policy: flushAll });
    expect(violations).toEqual([]);
    expect(read).toEqual([0x11111111, 0x11111111, 0x11111111, 0x11111111]);
  });
});

describe("fuse-writev-threaded", () => {
  test("coherent on PIPT", () => {
    const { violations, read } = fuseWritev(piptMachine(), { threaded: true });
    expect(violations).toEqual([]);
    expect(read[0]).toBe(0x22222222);
  });

  test("stale on VIVT, and no amount of kernel flushing (flush-all) saves it", () => {
    expect(
      fuseWritev(vivtMachine(), { threaded: true }).violations.some((v) => v.kind === "stale-read"),
    ).toBe(true);
    const flushed = fuseWritev(vivtMachine(), { threaded: true, policy: flushAll });
    const stale = flushed.violations.filter((v) => v.kind === "stale-read");
    expect(stale.length).toBeGreaterThan(0);
    expect(stale[0]).toMatchObject({ expected: 0x22222222, got: 0x11111111, actor: "client" });
  });
});
