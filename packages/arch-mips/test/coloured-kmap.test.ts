// +coloured-kmap: kernel mappings at the user mappings' colour, its fall-backs, the flushes it drops and the
// owed flushes it pays, on MIPS and on core's generic VIPT profile (arch-independence).
import { basename } from "node:path";
import {
  catalogFiles,
  createSimulation,
  loadScenarioFile,
  PROT_READ,
  PROT_WRITE,
  runScenario,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { COLOURED_KMAP, colouredKmap } from "../src/index.js";
import { anonTask, container, opsDuring, opsOf, pageAt, scenario, show, sim } from "./helpers.js";

const catalog = (name: string) => {
  const file = catalogFiles().find((f) => basename(f) === `${name}.yaml`);
  if (!file) throw new Error(`${name}.yaml is not in the catalog`);
  return loadScenarioFile(file);
};

describe("kmap and kmap_atomic at the user's colour", () => {
  it("return a slot of the user mapping's colour when every user PTE agrees; kunmap_atomic does no maintenance", () => {
    const s = sim("mips/24kc-32k@4.19+coloured-kmap");
    const { vma } = anonTask(s, { colour: 1, frameColour: 0 });
    s.kernel.userStore(vma.start, 0x77);
    const page = pageAt(s.kernel, vma.start);
    let k = 0;
    const ops = opsDuring(s.kernel, () => {
      k = s.kernel.kmap_atomic(page);
      expect(s.kernel.kernelLoad(k)).toBe(0x77); // the user's dirty line itself
      s.kernel.kunmap_atomic(k);
    });
    expect(s.machine.colourOf(k)).toBe(1);
    expect(k).not.toBe(s.kernel.page_address(page));
    expect(ops).toEqual([]);
    expect(s.machine.kernelSpace.pte(k)).toBeUndefined();
  });

  it("kmap is persistent: the same slot for the same page until the last kunmap", () => {
    const s = sim("mips/r4400@3.10+coloured-kmap");
    const { vma } = anonTask(s, { colour: 3, frameColour: 0 });
    s.kernel.userStore(vma.start, 1);
    const page = pageAt(s.kernel, vma.start);
    const a = s.kernel.kmap(page);
    const b = s.kernel.kmap(page);
    expect(a).toBe(b);
    expect(s.machine.colourOf(a)).toBe(3);
    s.kernel.kunmap(page);
    expect(s.machine.kernelSpace.pte(a)?.pfn).toBe(page.pfn);
    s.kernel.kunmap(page);
    expect(s.machine.kernelSpace.pte(a)).toBeUndefined();
  });

  it("returns the kernel alias when it already has the user's colour", () => {
    const s = sim("mips/24kc-32k@6.6+coloured-kmap");
    const { vma } = anonTask(s, { colour: 0, frameColour: 0 });
    s.kernel.userStore(vma.start, 1);
    const page = pageAt(s.kernel, vma.start);
    expect(s.kernel.kmap_atomic(page)).toBe(s.kernel.page_address(page));
  });

  it("falls back to the architecture when no user PTE maps the page, or when the user mappings disagree in colour", () => {
    const s = sim("mips/24kc-32k@6.6+coloured-kmap");
    const lone = s.kernel.alloc_page({ colour: 0 });
    expect(s.kernel.kmap_atomic(lone)).toBe(s.kernel.page_address(lone));
    const { kernel } = s;
    kernel.enter(kernel.createTask("t").threads[0]);
    const file = kernel.createFile("f", 1);
    const a = kernel.mmap({ name: "a", file, pages: 1, prot: PROT_READ, colour: 0 });
    const b = kernel.mmap({ name: "b", file, pages: 1, prot: PROT_READ, fixed: true, addr: 0x5000_1000 });
    kernel.userLoad(a.start);
    kernel.userLoad(b.start); // a private MAP_FIXED mapping at colour 1: accepted, and now two colours
    const page = pageAt(kernel, a.start);
    expect(kernel.kmap_atomic(page)).toBe(kernel.page_address(page));
  });

  it("does nothing on a VIVT, a PIPT or a non-aliasing VIPT cache (no taps at all)", () => {
    for (const profile of ["generic/vivt@asm-generic", "generic/pipt@asm-generic", "mips/24kc-32k-ar@6.6"]) {
      const s = createSimulation({ profile, container, plugins: [colouredKmap()] });
      const names = s.kernel.hooks.kmap_atomic.taps.map((t) => t.name);
      expect(names, profile).not.toContain(COLOURED_KMAP);
    }
  });
});

describe("what it changes on the catalog", () => {
  it("makes fuse-writev-threaded coherent on aliasing VIPT (MIPS and generic), not on VIVT", () => {
    const s = catalog("fuse-writev-threaded");
    for (const [profile, verdict] of [
      ["mips/24kc-32k@3.10", "stale"],
      ["mips/24kc-32k@3.10+coloured-kmap", "coherent"],
      ["mips/24kc-32k@4.19+coloured-kmap", "coherent"],
      ["mips/r4400@3.10+coloured-kmap", "coherent"],
      ["generic/vipt-32k@asm-generic", "stale"],
      ["generic/vipt-32k@asm-generic+coloured-kmap", "coherent"],
      ["generic/vivt@asm-generic+coloured-kmap", "stale"],
    ] as const) {
      expect(runScenario(s, profile, { container }).verdict, profile).toBe(verdict);
    }
  });

  it("makes dmcrypt-odirect-anon coherent on 24kc-32k@3.10 (flush_kernel_dcache_page does nothing there)", () => {
    const s = catalog("dmcrypt-odirect-anon");
    expect(runScenario(s, "mips/24kc-32k@3.10", { container }).verdict).toBe("stale");
    expect(runScenario(s, "mips/24kc-32k@3.10+coloured-kmap", { container }).verdict).toBe("coherent");
  });

  it("on 24kc-32k@4.19, where flush_kernel_dcache_page flushes, drops sg_miter_stop's flush of the kernel alias", () => {
    const s = catalog("dmcrypt-odirect-anon");
    const plain = runScenario(s, "mips/24kc-32k@4.19", { container });
    const coloured = runScenario(s, "mips/24kc-32k@4.19+coloured-kmap", { container });
    expect([plain.verdict, coloured.verdict]).toEqual(["coherent", "coherent"]);
    expect(coloured.costs.linesMaintained).toBeLessThan(plain.costs.linesMaintained);
  });

  it("fixes write-to-mmapped-file on MIPS (no i_mmap walk) and maintains fewer lines: the write goes to the user's lines", () => {
    const s = catalog("write-to-mmapped-file");
    const plain = runScenario(s, "mips/24kc-32k@6.6", { container });
    const coloured = runScenario(s, "mips/24kc-32k@6.6+coloured-kmap", { container });
    expect(plain.verdict).toBe("stale");
    expect(coloured.verdict).toBe("coherent");
    expect(coloured.costs.linesMaintained).toBeLessThan(plain.costs.linesMaintained);
  });
});

describe("dropped flushes are owed, and paid before memory or another colour is read", () => {
  /** A file page mapped shared at colour 0 by `a`; `a` writes it with write(): coloured kmap, flush dropped. */
  function writtenThroughColouredKmap() {
    const s = sim("mips/24kc-32k@6.6+coloured-kmap");
    const { kernel } = s;
    kernel.enter(kernel.createTask("a").threads[0]);
    const file = kernel.createFile("f", 1);
    const map = kernel.mmap({
      name: "m",
      file,
      pages: 1,
      prot: PROT_READ | PROT_WRITE,
      shared: true,
      colour: 0,
    });
    kernel.userLoad(map.start); // faulted in: the user PTE at colour 0
    const buf = kernel.mmap({ name: "buf", pages: 1, prot: PROT_READ | PROT_WRITE, colour: 0 });
    kernel.userStore(buf.start, 0xabcd);
    const page = pageAt(kernel, map.start);
    const flushes: string[] = [];
    const stop = kernel.observe({
      hookExit: (call) => void (call.hook === "flush_dcache_page" && flushes.push(`${call.ops.length}`)),
    });
    kernel.write(file, 0, buf.start, 4);
    stop();
    return { s, file, page, flushes };
  }

  it("write() to a page mapped at one colour: the flush after the copy issues no maintenance", () => {
    const { flushes } = writtenThroughColouredKmap();
    expect(flushes.at(-1)).toBe("0");
  });

  it("a user mapping of another colour appearing later gets the data: set_pte_at pays the owed flush at the kernel's colour", () => {
    const { s, file, page } = writtenThroughColouredKmap();
    const { kernel } = s;
    kernel.enter(kernel.createTask("b").threads[0]);
    const other = kernel.mmap({ name: "o", file, pages: 1, prot: PROT_READ, fixed: true, addr: 0x5000_1000 });
    const ops = opsDuring(kernel, () => expect(kernel.userLoad(other.start)).toBe(0xabcd));
    expect(ops.map(show)).toContain(`d flush pa 0x${(page.pfn * 4096).toString(16)}+4096 @colour 0`);
    expect(s.finish().verdict).toBe("coherent");
  });

  it("writeback of the page (DMA to the device): dma_map_page pays the owed flush first", () => {
    const { s, file } = writtenThroughColouredKmap();
    const words = s.kernel.writeback(file, 0);
    expect(words[0]).toBe(0xabcd);
    expect(s.finish().verdict).toBe("coherent");
  });

  it("keeps the architecture's flush when a fall-back kmap touched the kernel alias since", () => {
    const s = sim("mips/24kc-32k@6.6+coloured-kmap");
    const { kernel } = s;
    kernel.enter(kernel.createTask("t").threads[0]);
    const file = kernel.createFile("f", 1);
    const page = kernel.pagecacheFill(file, 0, { via: "dma", words: [1] });
    const a = kernel.mmap({
      name: "a",
      file,
      pages: 1,
      prot: PROT_READ | PROT_WRITE,
      shared: true,
      colour: 0,
    });
    kernel.userLoad(a.start);
    const k = kernel.kmap_atomic(page); // coloured
    kernel.kunmap_atomic(k);
    kernel.munmap(a.start, 4096);
    const alias = kernel.kmap_atomic(page); // no user mapping now: the kernel alias
    kernel.kunmap_atomic(alias);
    kernel.mmap({ name: "a2", file, pages: 1, prot: PROT_READ | PROT_WRITE, shared: true, colour: 0 });
    kernel.userLoad(kernel.currentMm!.vmaNamed("a2")!.start);
    expect(opsOf(kernel, "flush_dcache_page", page).map(show)).toEqual([
      `d flush va 0x${kernel.page_address(page)!.toString(16)}+4096`,
    ]);
  });
});

describe("the mips-kmap-coherent-dirty scenario with the plugin", () => {
  it("avoids the 2.6.23 BUG: get_user_pages' flush_dcache_page is dropped (the kernel only ever used the user colour), so the swap-cache page is never marked PG_dcache_dirty", () => {
    const s = scenario(`tasks:
  target:
    maps:
      stack: { anon: true, pages: 1, prot: rw, colour: 1, frame_colour: 0 }
  ps: {}
steps:
  - target: store stack+0 "/bin/sh"
  - kworker: add_to_swap target stack+0
  - ps: ptrace_peek target stack+0 len=2
`);
    expect(runScenario(s, "mips/24kc-32k@2.6.23", { container }).verdict).toBe("bug");
    expect(runScenario(s, "mips/24kc-32k@2.6.23+coloured-kmap", { container }).verdict).toBe("coherent");
    expect(runScenario(s, "mips/24kc-32k@3.10+coloured-kmap", { container }).verdict).toBe("coherent");
  });
});
