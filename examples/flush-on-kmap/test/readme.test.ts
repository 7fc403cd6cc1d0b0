// The README's results are generated: they must be exactly what scripts/readme.mjs prints now, from the built
// command line and plugin (regenerate with `node examples/flush-on-kmap/scripts/readme.mjs --readme` after a
// build; `npm test` builds first).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

interface ReadmeScript {
  readmeSection(): string;
  BEGIN: string;
  END: string;
}

/** The text with Markdown tables normalised as a formatter may pad them (cells trimmed, separators reduced). */
function normalise(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      if (!line.startsWith("|")) return line.trimEnd();
      const cells = line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim())
        .map((c) => (/^-+:$/.test(c) ? "---:" : /^-+$/.test(c) ? "---" : c));
      return `|${cells.join("|")}|`;
    })
    .join("\n");
}

describe("README.md", () => {
  it("the results section is what flushlab compare and explain print now, unedited", async () => {
    const script = join(import.meta.dirname, "..", "scripts", "readme.mjs");
    const { readmeSection, BEGIN, END } = (await import(pathToFileURL(script).href)) as ReadmeScript;
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    const section = readme.split(BEGIN)[1]?.split(END)[0];
    expect(section, `README.md has no ${BEGIN} … ${END} section`).toBeDefined();
    const generated = readmeSection();
    // what the section must say, whatever the catalog: the four profiles, with and without the plugin
    for (const base of [
      "arm/arm926@3.10",
      "arm/arm1136-32k@3.10",
      "mips/24kc-32k@6.6",
      "arm/cortex-a9@6.6",
    ]) {
      expect(generated).toContain(`\`${base}+flush-on-kmap\``);
    }
    expect(generated).toContain("Explain fuse-writev-threaded on arm/arm926@3.10+flush-on-kmap: stale");
    expect(normalise(section ?? "")).toBe(normalise(generated));
  });
});
