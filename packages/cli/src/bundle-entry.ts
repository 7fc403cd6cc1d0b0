#!/usr/bin/env node
// The entry of the command line's single-file build (scripts/bundle.mjs → dist/bundle/flushlab.js, the
// package's `bin`): the same program as bin.ts, loaded from one file instead of some 270 modules (start-up
// is most of a short command's time). It shares the namespaces of the packages it carries with the plugin
// files a command loads (shared-modules.ts).
import "reflect-metadata";
import * as armArm from "@flushlab/arch-arm";
import * as armArm64 from "@flushlab/arch-arm64";
import * as archMips from "@flushlab/arch-mips";
import * as archParisc from "@flushlab/arch-parisc";
import * as archSparc64 from "@flushlab/arch-sparc64";
import * as core from "@flushlab/core";
import * as cli from "./index.js";
import { main } from "./main.js";
import { shareModules } from "./shared-modules.js";

shareModules({
  "@flushlab/core": core,
  "@flushlab/arch-arm": armArm,
  "@flushlab/arch-arm64": armArm64,
  "@flushlab/arch-mips": archMips,
  "@flushlab/arch-parisc": archParisc,
  "@flushlab/arch-sparc64": archSparc64,
  "@flushlab/cli": cli,
});
process.exitCode = await main(process.argv.slice(2));
