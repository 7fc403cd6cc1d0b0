// A capturing Io for driving `main` in tests without a child process.
import type { Io } from "../src/io.js";

export interface Captured {
  io: Io;
  readonly out: string;
  readonly err: string;
}

export function capture(): Captured {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      isTTY: false,
    },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}
