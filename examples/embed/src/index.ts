/**
 * flushlab embedded in another tool: one profile's machine and kernel built through the library API and driven
 * step by step, with no scenario file, while the tool listens to the hooks and prints its own trace.
 * @packageDocumentation
 */
import "reflect-metadata";
import { registerArmProfiles } from "@flushlab/arch-arm";
import {
  createRegistry,
  createSimulation,
  PROT_READ,
  PROT_WRITE,
  renderValue,
  type SimulationOutcome,
} from "@flushlab/core";

/** The profile: an ARM1136 (32 KiB 4-way VIPT D-cache, 2 colours) under Linux 3.10's cache flushing. */
export const PROFILE = "arm/arm1136-32k@3.10";

/**
 * Map one file page twice in one task (MAP_SHARED at colour 0, MAP_PRIVATE read-only at colour 1), read it
 * through the private mapping, store through the shared one, let a kernel worker write the page back (the
 * writeback path: page_mkclean, flush_cache_page, the device's read), then load through the private mapping.
 * Every step, hook call and maintenance operation goes to `print`; returns the outcome with its violations.
 */
export function embed(print: (line: string) => void): SimulationOutcome {
  const container = createRegistry(registerArmProfiles);
  const sim = createSimulation({ profile: PROFILE, container });
  const { kernel } = sim;

  // Our own trace: each hook call, indented by its nesting, and the maintenance operations it issues.
  let indent = "  ";
  sim.observe({
    hookEnter(call) {
      print(`${"  ".repeat(call.depth + 1)}${call.hook}(${call.args.map(renderValue).join(", ")})`);
      indent = "  ".repeat(call.depth + 2);
    },
    hookExit(call) {
      indent = "  ".repeat(call.depth + 1);
    },
    machine(event) {
      const op = event.type === "maintenance" ? event.op : null;
      if (op)
        print(
          `${indent}${op.kind} ${op.cache.toUpperCase()}-cache (${op.scope}): ${op.linesTouched} line(s)`,
        );
    },
  });
  const step = (actor: string, what: string) => {
    sim.step(actor);
    print(`${actor}: ${what}`);
  };

  const file = kernel.createFile("data", 1);
  const app = kernel.createTask("app").threads[0];
  kernel.enter(app);
  const rw = PROT_READ | PROT_WRITE;
  const shared = kernel.mmap({ name: "shared", file, pages: 1, prot: rw, shared: true, colour: 0 });
  const priv = kernel.mmap({ name: "private", file, pages: 1, prot: PROT_READ, colour: 1, fixed: true });

  step("app", "load private+0 (a line of the page at colour 1)");
  kernel.userLoad(priv.start);
  step("app", "store 0x600d through shared+0 (colour 0)");
  kernel.userStore(shared.start, 0x600d);
  step("kworker", "write data[0] back to the disk");
  kernel.enter(kernel.kworker(0));
  print(`  the device read 0x${kernel.writeback(file, 0)[0].toString(16)}`);
  step("app", "load private+0");
  kernel.enter(app);
  print(`  loaded 0x${kernel.userLoad(priv.start).toString(16)}`);

  const outcome = sim.finish();
  print(`verdict: ${outcome.verdict}`);
  for (const violation of outcome.violations) print(JSON.stringify(violation, null, 2));
  return outcome;
}
