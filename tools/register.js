/**
 * Loads the project's TypeScript for `npm run plan` and `npm run bench` (`node -r ./tools/register.js`):
 * TypeScript's transpileModule with tsconfig.json's options, as `ts-node --transpile-only` does,
 * but with each file's output kept in node_modules/.cache/ts-transpile by content hash. A second
 * run neither loads the compiler nor transpiles, which is most of what ts-node costs a plan.
 * TS_TRANSPILE_CACHE names another cache folder (the bench starts cold with an empty one).
 * Type checking is `npm run typecheck`'s job, as before.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CACHE =
  process.env.TS_TRANSPILE_CACHE ?? path.join(ROOT, "node_modules", ".cache", "ts-transpile");
const TSCONFIG = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
const TYPESCRIPT_VERSION = JSON.parse(
  fs.readFileSync(require.resolve("typescript/package.json"), "utf8"),
).version;

let compiler;

function transpile(source, filename) {
  if (compiler === undefined) {
    const ts = require("typescript");
    const { config } = ts.parseConfigFileTextToJson("tsconfig.json", TSCONFIG);
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT);
    compiler = { ts, options: { ...options, sourceMap: false, inlineSourceMap: true } };
  }
  return compiler.ts.transpileModule(source, {
    compilerOptions: compiler.options,
    fileName: filename,
  }).outputText;
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const key = crypto
    .createHash("sha256")
    .update(`${TYPESCRIPT_VERSION}\0${TSCONFIG}\0${filename}\0${source}`)
    .digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, "utf8");
  } catch {
    output = transpile(source, filename);
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(`${cached}.${process.pid}`, output);
    fs.renameSync(`${cached}.${process.pid}`, cached);
  }
  module._compile(output, filename);
};
