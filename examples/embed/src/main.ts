#!/usr/bin/env node
// `node examples/embed/dist/main.js`: run the embedding example and print its trace and violations.
import { embed } from "./index.js";

process.exitCode = embed((line) => console.log(line)).verdict === "coherent" ? 0 : 1;
