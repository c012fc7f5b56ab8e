/**
 * `npm run check`: the type check, ESLint and Prettier at once (each is one process on one core).
 * `npm test` (`--mocha`) also runs the mocha suite beside them: the static checks then run at a
 * lower CPU priority (nice 10), so the suite's timing-sensitive tests (the game days' clock) keep
 * the cores they need and the checks take the cycles the suite leaves idle. One after the other,
 * checks and suite took more than `npm test`'s 3-minute budget on two cores.
 *
 * Each check's result is printed when it ends, with its whole output if it failed; the suite's
 * output streams as it runs. The exit code is 1 if anything failed.
 */
"use strict";
const { spawn } = require("node:child_process");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const CHECKS = [
  ["typecheck", "tsc", ["--noEmit"]],
  ["eslint", "eslint", ["."]],
  ["prettier", "prettier", ["--check", "."]],
];
const WITH_MOCHA = process.argv.includes("--mocha");
/** Below the suite's priority (0): a check gets a core only when the suite leaves one idle. */
const CHECK_NICENESS = 10;

function check([name, bin, args]) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(path.join(BIN, bin), args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (WITH_MOCHA && child.pid !== undefined) {
      os.setPriority(child.pid, CHECK_NICENESS);
    }
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
  });
}

function mocha() {
  return new Promise((resolve) => {
    const child = spawn(path.join(BIN, "mocha"), [], { cwd: ROOT, stdio: "inherit" });
    child.on("error", (error) => {
      process.stderr.write(`mocha: ${error.message}\n`);
      resolve(false);
    });
    child.on("close", (code) => resolve(code === 0));
  });
}

/** Whether PostgreSQL's server binaries are here (the ledger's tests start a throw-away one). */
function hasPostgres() {
  const fs = require("node:fs");
  const dirs = [
    ...(process.env.PATH ?? "").split(path.delimiter),
    ...(fs.existsSync("/usr/lib/postgresql")
      ? fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  return dirs.some((dir) => fs.existsSync(path.join(dir, "initdb")));
}

if (WITH_MOCHA) {
  process.stdout.write(
    [
      "npm test: the type check, ESLint and Prettier beside the mocha suite (game days included),",
      `about 3-4 minutes on 2 cores (${os.cpus().length} here). Needs Node 22 (npm ci installs it)`,
      `and PostgreSQL's server binaries (${hasPostgres() ? "found" : "NOT FOUND: apt-get install postgresql"}).`,
      "",
    ].join("\n") + "\n",
  );
}

void Promise.all([...CHECKS.map(check), ...(WITH_MOCHA ? [mocha()] : [])]).then((results) => {
  process.exitCode = results.every(Boolean) ? 0 : 1;
});
