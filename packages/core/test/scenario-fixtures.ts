// Scenario texts shared by the scenario tests: a file that uses most of the vocabulary (the fuzz test mutates
// it), and a helper that asserts a parse error's place and message.
import { expect } from "vitest";
import { isUserError } from "../src/errors.js";
import { parseScenario } from "../src/scenario/index.js";

/** A valid scenario exercising files, several tasks, threads, mmap, fork with a window, DMA, sg_miter, hooks. */
export const KITCHEN_SINK = `flushlab: 1
name: kitchen-sink
title: every kind of step once
source: the flushlab test suite
notes: |
  Not a real bug: a parser fixture.
cpus: 2
files:
  data: { pages: 2 }
  pmem: { pages: 1, dax: true }
tasks:
  app:
    cpu: 0
    threads: [app, worker]
    maps:
      buf: { anon: true, pages: 2, prot: rw, colour: 1, frame_colour: 0 }
      text: { file: data, pgoff: 1, pages: 1, prot: rx, shared: false }
      fixedmap: { anon: true, at: 0x40000000 }
  debugger:
    cpu: 1
steps:
  - app: load buf+0x10 len=4                      # warm the user alias
  - app: store buf[1]+8 0x11111111 len=2
  - app: store buf "hello world"
  - worker: store buf+4 -1
  - app: mmap win file=data pgoff=0 pages=2 prot=rw shared colour=3
  - app: fork -> child
    window:
      - worker: store buf+0 0x22222222
  - child: store buf 0x33333333
  - app: get_user_pages app buf pages=2 write=1 -> p
  - app: kmap_atomic p[1] -> k
  - app: load k+0x10 len=4
  - app: kunmap_atomic k
  - kworker@1: kmap p -> km
  - kworker@1: memset km 0 len=8
  - kworker@1: kunmap p
  - kworker: kmalloc words=16 -> slab
  - kworker: sg_miter_start slab flags=SG_MITER_TO_SG|ATOMIC -> it
  - kworker: sg_miter_next it -> sgaddr
  - kworker: memcpy sgaddr slab len=4
  - kworker: sg_miter_stop it
  - app: dma_map_page p dir=from_device -> h
  - device: dma_write h+0x20 0xdeadbeef len=4
  - device: dma_read p[1]+0 len=1
  - app: dma_unmap_page h
  - app: flush_dcache_page p
  - app: flush_anon_page app buf p
  - app: flush_cache_range app buf win
  - kworker: flush_cache_page app buf+0x1000
  - app: put_page p
  - app: read data[1]+0x10 buf len=2
  - app: write data buf+8
  - app: read_direct buf 0x5a5a5a5a len=8 via=pio
  - app: write_direct buf len=8
  - debugger: ptrace_poke app text+0x40 0x0000beef
  - debugger: ptrace_peek app text+0x40
  - kworker: pagecache_fill data[0] 0x12345678 len=16 via=dma
  - kworker: writeback data[1]
  - app: uprobe_xol 0xe7f001f0 slot=0 -> slot0
  - app: ifetch slot0
  - app: mprotect win r
  - app: munmap win
  - child: exit
expect:
  generic/pipt@asm-generic: coherent
  generic/vivt@*: stale
  "arm/*@3.?": bug
`;

/** Parse `text` as `t.yaml` and assert a UserError at `where` whose message matches `message`. */
export function expectParseError(text: string, where: string, message: RegExp): void {
  let error: unknown;
  try {
    parseScenario(text, "t.yaml");
  } catch (e) {
    error = e;
  }
  expect(isUserError(error), `expected a UserError, got ${String(error)}`).toBe(true);
  if (!isUserError(error)) return;
  expect(error.where).toBe(where);
  expect(error.message).toMatch(message);
  expect(error.message).not.toMatch(/\n/);
}

/** A minimal valid scenario with one task `t` (threads t, u) and the given step lines (already indented). */
export function withSteps(steps: string, extra = ""): string {
  return `flushlab: 1
name: x
title: x
source: x
files:
  f: { pages: 2 }
tasks:
  t:
    threads: [t, u]
    maps:
      m: { anon: true, pages: 2 }
${extra}steps:
${steps}
`;
}
