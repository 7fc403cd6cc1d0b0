// The hooks' call without code generation (hooks.ts compileBail): for any taps, a kernel hook's `call` does
// exactly what tapable's generated code does for a SyncBailHook of the same arguments: the same taps run, in
// the same order, with the same arguments and `this`, the same result, the same exception; and with an
// interceptor (an observer), tapable's own compiler takes over.
import { fc, test } from "@fast-check/vitest";
import { SyncBailHook } from "tapable";
import { describe, expect, it } from "vitest";
import { createHooks, HOOK_ARGUMENTS, HOOK_NAMES, type HookName } from "../src/kernel/hooks.js";

/** What one tap does when called: go on (undefined), bail with a value, or throw. */
type TapAction = { kind: "pass" } | { kind: "bail"; value: unknown } | { kind: "throw"; message: string };

const action: fc.Arbitrary<TapAction> = fc.oneof(
  fc.constant({ kind: "pass" as const }),
  fc.record({
    kind: fc.constant("bail" as const),
    value: fc.oneof(fc.integer(), fc.constant(null), fc.constant(0), fc.constant(false), fc.string()),
  }),
  fc.record({ kind: fc.constant("throw" as const), message: fc.string() }),
);

const taps = fc.array(
  fc.record({ action, stage: fc.constantFrom(-100, 0, 0, 1000), name: fc.constantFrom("a", "b", "c") }),
  { maxLength: 6 },
);

type Log = { tap: number; args: unknown[]; thisValue: unknown }[];

/** Tap `hook` with `spec`, logging each call into `log`. */
function tapAll(
  hook: SyncBailHook<unknown[], unknown>,
  spec: { action: TapAction; stage: number; name: string }[],
  log: Log,
) {
  spec.forEach(({ action: a, stage, name }, i) => {
    hook.tap({ name, stage }, function (this: unknown, ...args: unknown[]) {
      log.push({ tap: i, args, thisValue: this });
      if (a.kind === "throw") throw new Error(a.message);
      return a.kind === "bail" ? a.value : undefined;
    });
  });
}

/** Call `hook` with `args`, returning its result or its exception's message. */
function outcome(hook: SyncBailHook<unknown[], unknown>, args: unknown[]): unknown {
  try {
    return { result: (hook.call as (...a: unknown[]) => unknown)(...args) };
  } catch (error) {
    return { threw: (error as Error).message };
  }
}

describe("a kernel hook's call", () => {
  test.prop([fc.constantFrom(...HOOK_NAMES), taps, fc.array(fc.anything(), { maxLength: 9 })], {
    numRuns: 400,
  })(
    "does what tapable's generated code does, for any taps and any number of arguments",
    (name, spec, args) => {
      const ours = createHooks()[name] as unknown as SyncBailHook<unknown[], unknown>;
      const theirs = new SyncBailHook<unknown[], unknown>(HOOK_ARGUMENTS[name] as never, name);
      const ourLog: Log = [];
      const theirLog: Log = [];
      tapAll(ours, spec, ourLog);
      tapAll(theirs, spec, theirLog);
      // twice: the second call runs the compiled function
      for (let i = 0; i < 2; i++) {
        expect(outcome(ours, args)).toEqual(outcome(theirs, args));
      }
      expect(ourLog).toEqual(theirLog);
      expect(ours.taps.map((t) => [t.name, t.stage])).toEqual(theirs.taps.map((t) => [t.name, t.stage]));
    },
  );

  it("passes exactly the declared arguments, with `this` undefined, and recompiles after a new tap", () => {
    const hooks = createHooks();
    const hook = hooks.set_pte_at as unknown as SyncBailHook<unknown[], unknown>;
    const seen: { n: number; self: unknown }[] = [];
    hook.tap("first", function (this: unknown, ...args: unknown[]) {
      seen.push({ n: args.length, self: this });
      return undefined;
    });
    expect((hook.call as (...a: unknown[]) => unknown)(1, 2)).toBeUndefined();
    expect((hook.call as (...a: unknown[]) => unknown)(1, 2, 3, 4, 5, 6)).toBeUndefined();
    expect(seen).toEqual([
      { n: HOOK_ARGUMENTS.set_pte_at.length, self: undefined },
      { n: HOOK_ARGUMENTS.set_pte_at.length, self: undefined },
    ]);
    hook.tap({ name: "early", stage: -1 }, () => "bailed");
    expect((hook.call as (...a: unknown[]) => unknown)(1, 2, 3, 4)).toBe("bailed");
    expect(seen).toHaveLength(2);
  });

  it("falls back to tapable's compiler under an interceptor, which then sees every call and result", () => {
    const name: HookName = "flush_dcache_page";
    const hook = createHooks()[name] as unknown as SyncBailHook<unknown[], unknown>;
    hook.tap("x", (page) => (page === "bail" ? 7 : undefined));
    const events: string[] = [];
    hook.intercept({
      call: (...args: unknown[]) => events.push(`call ${String(args[0])}`),
      result: (r: unknown) => events.push(`result ${String(r)}`),
      done: () => events.push("done"),
    });
    expect(hook.call("bail")).toBe(7);
    expect(hook.call("go")).toBeUndefined();
    expect(events).toEqual(["call bail", "result 7", "call go", "done"]);
  });
});
