// Profile ids, `arch/cpu@policy[+plugin...]`, and the globs that name several profiles at once
// (`arm/*@3.9`, `*/*@asm-generic`), as used by a scenario's `expect` block and `compare --profiles`.
import { UserError } from "../errors.js";

/** The parts of a profile id. */
export interface ProfileId {
  /** The architecture package, such as `arm`, `mips` or `generic` (core's built-in profiles). */
  readonly arch: string;
  /** A CPU preset of that architecture, such as `arm926` or `24kc-32k`. */
  readonly cpu: string;
  /** A policy: a kernel era such as `3.10`, or a named policy such as `asm-generic` or `catalin-2013`. */
  readonly policy: string;
  /** Plugins stacked on the policy, applied in this order after the policy's own plugins. */
  readonly plugins: readonly string[];
}

/** One part of an id: letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
const PART = "[A-Za-z0-9][A-Za-z0-9._-]*";
const ID = new RegExp(`^(${PART})/(${PART})@(${PART})((?:\\+${PART})*)$`);
/** The same with the glob characters `*` and `?` allowed in arch, cpu and policy. */
const GLOB_PART = "[A-Za-z0-9._*?-]+";
const GLOB = new RegExp(`^(${GLOB_PART})/(${GLOB_PART})@(${GLOB_PART})((?:\\+${PART})*)$`);

const EXAMPLES = "such as arm/arm926@3.10, mips/24kc-32k@6.6+coloured-kmap or generic/pipt@asm-generic";

/**
 * Parse a profile id `arch/cpu@policy[+plugin...]`. Throws a UserError naming `where` (an option, a
 * scenario's file:line:col) when the text is not of that form; whether the parts exist is the registry's
 * question ({@link ProfileRegistry.resolve}).
 */
export function parseProfileId(text: string, where = "profile"): ProfileId {
  const m = ID.exec(text.trim());
  if (!m) {
    throw new UserError(
      where,
      `"${text}" is not a profile id: expected ARCH/CPU@POLICY[+PLUGIN...], ${EXAMPLES}.`,
    );
  }
  return { arch: m[1], cpu: m[2], policy: m[3], plugins: splitPlugins(m[4]) };
}

/** The canonical text of an id. */
export function formatProfileId(id: ProfileId): string {
  const plugins = id.plugins.map((p) => `+${p}`).join("");
  return `${id.arch}/${id.cpu}@${id.policy}${plugins}`;
}

/** Whether `text` is a glob (contains `*` or `?`) rather than one profile id. */
export function isProfileGlob(text: string): boolean {
  return /[*?]/.test(text);
}

/** A compiled profile pattern: an id or a glob. */
export interface ProfilePattern {
  readonly text: string;
  /** The plugins the pattern names after `+` (none for `*`). */
  readonly plugins: readonly string[];
  /** Whether the given base id (arch, cpu, policy) and plugins match. */
  matches(id: ProfileId): boolean;
}

/**
 * Compile a profile pattern: an id, or a glob where `*` stands for any characters and `?` for one
 * character within the arch, cpu or policy part (never across `/`, `@` or `+`). The plugins of a pattern,
 * if any, must equal the id's plugins exactly (the same names in the same order). The pattern `*` alone
 * matches every profile without plugins. Throws a UserError naming `where` for a malformed pattern.
 */
export function parseProfilePattern(text: string, where = "profile pattern"): ProfilePattern {
  const trimmed = text.trim();
  if (trimmed === "*") return { text: trimmed, plugins: [], matches: (id) => id.plugins.length === 0 };
  const m = GLOB.exec(trimmed);
  if (!m) {
    throw new UserError(
      where,
      `"${text}" is not a profile id or glob: expected ARCH/CPU@POLICY[+PLUGIN...] where ARCH, CPU and POLICY may use * and ?, such as arm/*@3.9 or */*@asm-generic.`,
    );
  }
  const arch = globToRegExp(m[1]);
  const cpu = globToRegExp(m[2]);
  const policy = globToRegExp(m[3]);
  const plugins = splitPlugins(m[4]);
  return {
    text: trimmed,
    plugins,
    matches: (id) =>
      arch.test(id.arch) &&
      cpu.test(id.cpu) &&
      policy.test(id.policy) &&
      id.plugins.length === plugins.length &&
      id.plugins.every((p, i) => p === plugins[i]),
  };
}

/** Whether the profile id `id` is named by `pattern` (an id or a glob). */
export function profileMatches(pattern: string, id: string | ProfileId): boolean {
  const parsed = typeof id === "string" ? parseProfileId(id) : id;
  return parseProfilePattern(pattern).matches(parsed);
}

function splitPlugins(text: string): string[] {
  return text === "" ? [] : text.slice(1).split("+");
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}
