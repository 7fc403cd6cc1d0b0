// The README's generated sections (the MIPS-against-ARM matrix and diffs, the savings of +coloured-kmap, the traces
// behind the disagreements) must be exactly what scripts/readme.mjs produces from the current sources and catalog
// (regenerate with `node packages/arch-mips/scripts/readme.mjs` after a build).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

interface ReadmeScript {
  readmePath: string;
  readmeSections(): Record<string, string>;
  applySections(readme: string, sections: Record<string, string>): { text: string; stale: string[] };
}

const script = join(import.meta.dirname, "..", "scripts", "readme.mjs");

describe("README.md", () => {
  it("every generated section is the script's output, unedited", async () => {
    const { readmePath, readmeSections, applySections } = (await import(
      pathToFileURL(script).href
    )) as ReadmeScript;
    const sections = readmeSections();
    expect(Object.keys(sections)).toContain("trace-dax-coloured");
    const { stale } = applySections(readFileSync(readmePath, "utf8"), sections);
    expect(stale).toEqual([]);
  });
});
