/**
 * `npm run check`: the type check, ESLint and Prettier at once (each is one process on one core;
 * one after the other they took 40 s of `npm test`'s 3-minute budget on two cores). Each one's
 * result is printed when it ends, with its whole output if it failed; the exit code is 1 if any
 * of them failed.
 */
"use strict";
const { spawn } = require("node:child_process");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const CHECKS = [
  ["typecheck", "tsc", ["--noEmit"]],
  ["eslint", "eslint", ["."]],
  ["prettier", "prettier", ["--check", "."]],
];

const runs = CHECKS.map(
  ([name, bin, args]) =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(path.join(BIN, bin), args, {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      child.on("error", (error) => (output += `${error.message}\n`));
      child.on("close", (code) => {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `${code === 0 ? "ok" : "FAILED"} ${name} (${bin} ${args.join(" ")}, ${seconds} s)\n`,
        );
        if (code !== 0) {
          process.stdout.write(output.endsWith("\n") || output === "" ? output : `${output}\n`);
        }
        resolve(code === 0);
      });
    }),
);

void Promise.all(runs).then((results) => {
  process.exitCode = results.every(Boolean) ? 0 : 1;
});
