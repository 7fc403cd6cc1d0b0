// Property tests of the hardware model (fast-check): coherent configurations never violate, maintenance that
// flushes between aliases makes any geometry coherent, and a run is a pure function of its inputs.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import type { CacheGeometryInit } from "../src/hw/geometry.js";
import { Machine, type MachineInit } from "../src/hw/machine.js";
import type { AddressSpace } from "../src/hw/mmu.js";
import { pte, USER_TOP } from "./hw-fixtures.js";

/** Any valid geometry: 1-64 KiB, 1-8 ways, 4-128-byte lines, every indexing, policy and replacement. */
const geometry = (indexings: CacheGeometryInit["indexing"][] = ["vivt", "vipt", "pipt"]) =>
  fc
    .record({
      sizeLog: fc.integer({ min: 10, max: 16 }),
      waysLog: fc.integer({ min: 0, max: 3 }),
      lineLog: fc.integer({ min: 2, max: 7 }),
      indexing: fc.constantFrom(...indexings),
      writePolicy: fc.constantFrom("write-back" as const, "write-through" as const),
      writeAllocate: fc.boolean(),
      replacement: fc.constantFrom("lru" as const, "fifo" as const, "random" as const),
      asidTagged: fc.boolean(),
    })
    .map(
      (g): CacheGeometryInit => ({
        size: 2 ** g.sizeLog,
        ways: 2 ** Math.min(g.waysLog, g.sizeLog - g.lineLog),
        lineSize: 2 ** g.lineLog,
        indexing: g.indexing,
        writePolicy: g.writePolicy,
        writeAllocate: g.writeAllocate,
        replacement: g.replacement,
        asidTagged: g.indexing === "vivt" && g.asidTagged,
      }),
    );

/** A virtual page of one of two spaces mapping one of three frames. */
interface Alias {
  space: number;
  page: number;
  frame: number;
  cacheable: boolean;
}

interface Access {
  kind: "load" | "store" | "ifetch";
  cpu: number;
  alias: number;
  word: number;
  value: number;
}

const aliases = (cacheable: fc.Arbitrary<boolean>) =>
  fc.uniqueArray(
    fc.record({
      space: fc.integer({ min: 0, max: 1 }),
      page: fc.integer({ min: 1, max: 16 }),
      frame: fc.integer({ min: 0, max: 2 }),
      cacheable,
    }),
    { minLength: 1, maxLength: 6, selector: (a) => `${a.space}:${a.page}` },
  );

const program = (kinds: Access["kind"][], cpus: number, length = 120) =>
  fc.array(
    fc.record({
      kind: fc.constantFrom(...kinds),
      cpu: fc.integer({ min: 0, max: cpus - 1 }),
      alias: fc.nat(),
      // 24 words: within one line of the largest size, across several of the smallest
      word: fc.integer({ min: 0, max: 23 }),
      value: fc.nat({ max: 0xffff_ffff }),
    }),
    { minLength: 10, maxLength: length, size: "max" },
  );

/**
 * Run `accesses` on a machine built from `init`, mapping each alias (executable, writable, user) in one of two
 * spaces; `between(previous, next)` runs before every access whose (CPU, alias, D/I side) changes.
 */
function run(
  init: MachineInit,
  map: readonly Alias[],
  accesses: readonly Access[],
  between?: (m: Machine) => void,
): Machine {
  const m = new Machine(init);
  const spaces: AddressSpace[] = [m.createSpace("a"), m.createSpace("b")];
  const pageSize = m.config.pageSize;
  for (const alias of map) {
    spaces[alias.space].setPte(
      alias.page * pageSize,
      pte(0x100 + alias.frame, { executable: true, cacheable: alias.cacheable }),
    );
  }
  let last = "";
  accesses.forEach((access, step) => {
    const alias = map[access.alias % map.length];
    const cpu = access.cpu % m.config.cpus;
    const key = `${cpu}:${alias.space}:${alias.page}:${access.kind === "ifetch" ? "i" : "d"}`;
    if (between !== undefined && key !== last) between(m);
    last = key;
    m.setContext(step, `cpu${cpu}`);
    m.setCurrentSpace(cpu, spaces[alias.space]);
    const va = alias.page * pageSize + access.word * 4;
    const result =
      access.kind === "load"
        ? m.load(cpu, va)
        : access.kind === "ifetch"
          ? m.ifetch(cpu, va)
          : m.store(cpu, va, access.value);
    expect(typeof result === "object").toBe(false); // never a fault: every alias is mapped for everything
  });
  m.finish();
  return m;
}

const base = { pageSize: 4096, userTop: USER_TOP };

describe("coherence properties", () => {
  test.prop(
    [
      geometry(["pipt"]),
      fc.integer({ min: 1, max: 3 }),
      aliases(fc.constant(true)),
      program(["load", "store"], 3, 200),
      fc.integer(),
    ],
    { numRuns: 150 },
  )(
    "(a) a PIPT machine with SMP coherence never violates, whatever the aliases and CPUs",
    (g, cpus, map, accesses, seed) => {
      const m = run({ ...base, cpus, dcache: g, icache: g, smpCoherent: true, seed }, map, accesses);
      expect(m.violations).toEqual([]);
    },
  );

  test.prop(
    [
      geometry(),
      geometry(),
      fc.constantFrom(4096, 8192, 16384, 65536),
      fc.integer({ min: 1, max: 2 }),
      aliases(fc.boolean()),
      program(["load", "store", "ifetch"], 2),
      fc.integer(),
    ],
    { numRuns: 200 },
  )(
    "(b) on any geometry, flushing the D-cache and invalidating the I-cache between aliases never violates",
    (d, i, pageSize, cpus, map, accesses, seed) => {
      const init = { ...base, pageSize, cpus, dcache: d, icache: i, maintenanceBroadcast: true, seed };
      const m = run(init, map, accesses, (machine) => {
        machine.maintain(0, "d", "flush", { scope: "all" });
        machine.maintain(0, "i", "invalidate", { scope: "all" });
      });
      expect(m.violations).toEqual([]);
    },
  );

  test.prop(
    [
      geometry(),
      fc.integer({ min: 1, max: 3 }),
      aliases(fc.boolean()),
      program(["load", "store", "ifetch"], 3),
      fc.integer(),
    ],
    { numRuns: 60 },
  )(
    "(c) the same inputs and seed give byte-identical violations and costs",
    (g, cpus, map, accesses, seed) => {
      const init = {
        ...base,
        cpus,
        dcache: g,
        icache: { ...g, writePolicy: "write-through" as const },
        seed,
      };
      const result = () => {
        const m = run(init, map, accesses);
        return JSON.stringify({ violations: m.violations, costs: m.costs() });
      };
      expect(result()).toBe(result());
    },
  );
});
