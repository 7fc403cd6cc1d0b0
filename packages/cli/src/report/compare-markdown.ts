// The Markdown format of `flushlab compare`: the matrix as a GitHub table (scenarios by profiles), a stale or
// otherwise incoherent verdict in bold, then the legend; with --diff, a table of the scenarios that differ.
import { CELL_LEGEND, cellAt, cellText, type MatrixCell, type MatrixReporter } from "./matrix.js";

function escapePipes(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function markdownCell(cell: MatrixCell | undefined): string {
  if (!cell) return "";
  const text = escapePipes(cellText(cell));
  if (cell.verdict === "coherent") return text;
  const cut = text.indexOf(" · ");
  return `**${text.slice(0, cut)}**${text.slice(cut)}`;
}

/** A GitHub table with its columns padded to one width, as Markdown formatters lay tables out. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The Markdown format. */
export const markdownReporter: MatrixReporter = {
  name: "markdown",
  onEnd(matrix) {
    const lines = table(
      ["scenario", ...matrix.profiles.map((p) => `\`${p}\``)],
      matrix.scenarios.map((s) => [
        `\`${s.name}\``,
        ...matrix.profiles.map((p) => markdownCell(cellAt(matrix, s.name, p))),
      ]),
    );
    return `${lines.join("\n")}\n\n_${CELL_LEGEND}._\n`;
  },
  onDiff(diff) {
    const head = `Scenarios on which \`${diff.a}\` and \`${diff.b}\` differ: ${diff.rows.length} of ${diff.compared}.`;
    if (diff.rows.length === 0) return `${head}\n`;
    const lines = table(
      ["scenario", `\`${diff.a}\``, `\`${diff.b}\``],
      diff.rows.map((r) => [`\`${r.scenario.name}\``, markdownCell(r.a), markdownCell(r.b)]),
    );
    return `${head}\n\n${lines.join("\n")}\n`;
  },
};
