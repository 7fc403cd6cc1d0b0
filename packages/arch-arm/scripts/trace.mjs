// An explain-style trace of one catalog scenario on one ARM profile, from runScenario's trace: each step with
// the hook calls it made (indented by nesting), their maintenance operations and the accesses (hit or miss,
// colour, cached), then the verdict and violations. Used for the package README's "Where the model
// disagrees" section. Run after the build: node packages/arch-arm/scripts/trace.mjs SCENARIO PROFILE [FILE]
import "reflect-metadata";
import { join } from "node:path";
import { registerArmProfiles } from "@flushlab/arch-arm";
import { catalogDir, createRegistry, loadScenarioFile, runScenario } from "@flushlab/core";

const [name, profile, file] = process.argv.slice(2);
if (!name || !profile) {
  console.error("usage: node trace.mjs SCENARIO PROFILE [SCENARIO-FILE]");
  process.exit(2);
}
const scenario = loadScenarioFile(file ?? join(catalogDir(), `${name}.yaml`));
const result = runScenario(scenario, profile, {
  container: createRegistry(registerArmProfiles),
  trace: true,
});
const hex = (n) => `0x${(n >>> 0).toString(16)}`;
const scope = (op) =>
  op.scope === "va"
    ? `va ${hex(op.start)}+${hex(op.length)} asid ${op.asid}`
    : op.scope === "all"
      ? "all"
      : `${op.scope} pa ${hex(op.pa)}`;
/** The merge key and text of an access or a one-line maintenance operation (null for other events). */
function loopItem(e) {
  if (e.type === "access") {
    const how = e.cached ? (e.hit ? "hit" : "miss") : "uncached";
    return {
      key: `${e.access} ${how} ${e.colour}`,
      text: `${e.access} ${how}, colour ${e.colour}`,
      at: e.va,
    };
  }
  if (e.type === "maintenance" && e.op.scope === "va" && e.op.length <= 64) {
    const key = `${e.op.cache}-${e.op.kind} line asid ${e.op.asid}`;
    return {
      key: `${key} ${e.op.linesTouched}`,
      text: `${key} (${e.op.linesTouched} acted on each)`,
      at: e.op.start,
    };
  }
  if (e.type === "dma") return { key: `device ${e.access}`, text: `device ${e.access}`, at: e.pa };
  return null;
}

/**
 * One printable line per event. A block of more than 8 consecutive accesses and one-line maintenance
 * operations at one depth (a copy loop) is summarised per kind: count and address range.
 */
function render(events) {
  const out = [];
  let block = [];
  const flushBlock = () => {
    if (block.length === 0) return;
    const pad = "  ".repeat(block[0].e.depth + 1);
    if (block.length <= 8) {
      for (const { e, item } of block) {
        const value = e.type === "access" && e.access !== "store" ? ` → ${hex(e.value)}` : "";
        out.push(`${pad}${item.text} ${hex(item.at)}${value}`);
      }
    } else {
      const kinds = new Map();
      for (const { item } of block) {
        const k = kinds.get(item.key) ?? { text: item.text, count: 0, first: item.at, last: item.at };
        k.count++;
        k.first = Math.min(k.first, item.at);
        k.last = Math.max(k.last, item.at);
        kinds.set(item.key, k);
      }
      for (const k of kinds.values())
        out.push(`${pad}${k.text} ×${k.count} over ${hex(k.first)}..${hex(k.last)}`);
    }
    block = [];
  };
  for (const e of events) {
    const item = loopItem(e);
    if (item !== null && (block.length === 0 || block[0].e.depth === e.depth)) {
      block.push({ e, item });
      continue;
    }
    flushBlock();
    if (item !== null) {
      block.push({ e, item });
      continue;
    }
    const pad = "  ".repeat(e.depth + 1);
    if (e.type === "hook") out.push(`${pad}${e.hook}(${e.args.join(", ")})`);
    else if (e.type === "maintenance")
      out.push(`${pad}${e.op.cache}-${e.op.kind} ${scope(e.op)} → ${e.op.linesTouched} line(s) acted on`);
    else if (e.type === "violation") out.push(`${pad}VIOLATION ${e.kind} pa ${hex(e.pa)}`);
    else if (e.type === "hook-exit" && e.error) out.push(`${pad}  ✗ ${e.error}`);
    else if (e.type === "hook-exit" && e.result !== "true" && e.result !== "NULL")
      out.push(`${pad}  = ${e.result}`);
  }
  flushBlock();
  return out;
}

for (const step of result.trace) {
  const lines = render(step.events);
  if (step.index >= 0 || lines.length > 0) console.log(`[${step.index}] ${step.actor}: ${step.text}`);
  for (const line of lines) console.log(line);
}
console.log(`verdict: ${result.verdict}${result.reason ? ` (${result.reason.message})` : ""}`);
for (const v of result.violations) {
  console.log(
    `  ${v.kind} at step ${v.source?.index ?? "end"} (${v.source?.text ?? ""}): expected ${hex(v.expected)} got ${hex(v.got)}`,
  );
}
console.log(
  `costs: lines maintained ${result.costs.linesMaintained}, uncached accesses ${result.costs.uncachedAccesses}, cycles ${result.costs.cycles}`,
);
