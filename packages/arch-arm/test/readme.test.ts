// The README's Catalin section and its table of issue 5 are generated: they must be exactly what
// scripts/catalin-2013.mjs prints for the current sources and catalog (regenerate with
// `node packages/arch-arm/scripts/catalin-2013.mjs --readme` after a build).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

interface CatalinScript {
  catalinReport(): string;
  issueTableReport(): string;
  BEGIN: string;
  END: string;
  TABLE_BEGIN: string;
  TABLE_END: string;
}

/**
 * The text with Markdown tables normalised as the formatter (biome) may pad them: cells trimmed, separator
 * cells reduced to `---` / `---:`.
 */
function normalise(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      if (!line.startsWith("|")) return line.trimEnd();
      const cells = line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim())
        .map((c) => (/^-+:$/.test(c) ? "---:" : /^-+$/.test(c) ? "---" : c));
      return `|${cells.join("|")}|`;
    })
    .join("\n");
}

const script = join(import.meta.dirname, "..", "scripts", "catalin-2013.mjs");
const readme = () => readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

describe("README.md", () => {
  it("the Catalin section is the generated comparison, unedited", async () => {
    const { catalinReport, BEGIN, END } = (await import(pathToFileURL(script).href)) as CatalinScript;
    const section = readme().split(BEGIN)[1].split(END)[0];
    expect(normalise(section)).toBe(normalise(catalinReport()));
  });

  it("the table of issue 5 is the one generated from the catalog's expect blocks, unedited", async () => {
    const { issueTableReport, TABLE_BEGIN, TABLE_END } = (await import(
      pathToFileURL(script).href
    )) as CatalinScript;
    const section = readme().split(TABLE_BEGIN)[1].split(TABLE_END)[0];
    expect(normalise(section)).toBe(normalise(issueTableReport()));
    expect(section).toMatch(/\|\s*fuse-writev\s*\|\s*coherent ✗\s*\|/);
  });
});
