import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import {
  formatProfileId,
  isProfileGlob,
  parseProfileId,
  parseProfilePattern,
  profileMatches,
} from "../src/profile/id.js";

describe("profile ids", () => {
  it("parses arch/cpu@policy and stacked plugins", () => {
    expect(parseProfileId("arm/arm926@3.10")).toEqual({
      arch: "arm",
      cpu: "arm926",
      policy: "3.10",
      plugins: [],
    });
    expect(parseProfileId("mips/24kc-32k@6.6+coloured-kmap+flush-on-kmap")).toEqual({
      arch: "mips",
      cpu: "24kc-32k",
      policy: "6.6",
      plugins: ["coloured-kmap", "flush-on-kmap"],
    });
    expect(parseProfileId("  generic/pipt@asm-generic ").policy).toBe("asm-generic");
  });

  it("formats the canonical text back", () => {
    for (const id of ["arm/arm926@2.6.19", "mips/24kc-32k@6.6+coloured-kmap", "generic/vivt@flush-all+a+b"]) {
      expect(formatProfileId(parseProfileId(id))).toBe(id);
    }
  });

  it.each([
    "arm",
    "arm/arm926",
    "arm/arm926@",
    "arm@3.10",
    "/arm926@3.10",
    "arm/arm926@3.10+",
    "arm/arm926@3.10++x",
    "arm/arm 926@3.10",
    "arm/*@3.10",
    "arm/arm926@3.10@4.19",
    "",
  ])("rejects the malformed id %j with a UserError naming the place", (text) => {
    let caught: unknown;
    try {
      parseProfileId(text, "--profile");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).where).toBe("--profile");
    expect((caught as UserError).message).toContain("ARCH/CPU@POLICY");
  });
});

describe("profile globs", () => {
  it("recognises globs", () => {
    expect(isProfileGlob("arm/*@3.9")).toBe(true);
    expect(isProfileGlob("arm/arm92?@3.9")).toBe(true);
    expect(isProfileGlob("arm/arm926@3.9")).toBe(false);
  });

  it("matches * and ? within a part, never across / @ or +", () => {
    expect(profileMatches("arm/*@3.9", "arm/arm926@3.9")).toBe(true);
    expect(profileMatches("arm/*@3.9", "arm/arm1136-32k@3.9")).toBe(true);
    expect(profileMatches("arm/*@3.9", "arm/arm926@3.10")).toBe(false);
    expect(profileMatches("arm/*@3.9", "mips/24kc@3.9")).toBe(false);
    expect(profileMatches("*/*@asm-generic", "generic/pipt@asm-generic")).toBe(true);
    expect(profileMatches("*/*@asm-generic", "generic/vivt@flush-all")).toBe(false);
    expect(profileMatches("arm/arm92?@*", "arm/arm926@3.10")).toBe(true);
    expect(profileMatches("arm/arm92?@*", "arm/arm9260@3.10")).toBe(false);
    // the dot of an era is literal, not a regular-expression wildcard
    expect(profileMatches("arm/*@3.9", "arm/arm926@349")).toBe(false);
  });

  it("requires the plugins of a pattern to equal the id's", () => {
    expect(profileMatches("arm/*@3.10", "arm/arm926@3.10+flush-on-kmap")).toBe(false);
    expect(profileMatches("arm/*@3.10+flush-on-kmap", "arm/arm926@3.10+flush-on-kmap")).toBe(true);
    expect(profileMatches("arm/*@3.10+flush-on-kmap", "arm/arm926@3.10")).toBe(false);
    expect(parseProfilePattern("arm/*@3.10+a+b").plugins).toEqual(["a", "b"]);
  });

  it("lets * alone name every profile without plugins", () => {
    expect(profileMatches("*", "generic/pipt@asm-generic")).toBe(true);
    expect(profileMatches("*", "generic/pipt@asm-generic+x")).toBe(false);
  });

  it("rejects malformed patterns with a UserError", () => {
    expect(() => parseProfilePattern("arm/*", "expect")).toThrow(UserError);
    expect(() => parseProfilePattern("arm/[ab]@3.9", "expect")).toThrow(/not a profile id or glob/);
  });
});
