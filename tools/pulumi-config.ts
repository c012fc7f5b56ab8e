/**
 * Pulumi.yaml's `config:` block, written from the stack configuration schema (model/config.ts),
 * where each key is declared once. `npm run generate:pulumi-config` rewrites the block and leaves
 * the rest of Pulumi.yaml as it is; a test fails when the file and the schema disagree.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import * as yaml from "js-yaml";
import { CONFIG_DECLARATIONS, type ConfigDeclaration } from "../model/config";

export const PROJECT_FILE = path.resolve(__dirname, "..", "Pulumi.yaml");

const GENERATED_NOTE =
  "# Generated from the schema in model/config.ts (npm run generate:pulumi-config): edit it there.";

/** Prettier's print width (.prettierrc). */
const WIDTH = 100;

function scalar(value: unknown): string {
  return yaml.dump(value, { flowLevel: 0, lineWidth: -1, quotingType: '"' }).trimEnd();
}

/** A description on one line when it fits in the width, else folded (>-) at spaces. */
function description(text: string): string[] {
  const line = `    description: ${scalar(text)}`;
  if (line.length <= WIDTH) {
    return [line];
  }
  const folded: string[] = [];
  for (const word of text.split(" ")) {
    const last = folded.length - 1;
    if (last >= 0 && `      ${folded[last]} ${word}`.length <= WIDTH) {
      folded[last] = `${folded[last]} ${word}`;
    } else {
      folded.push(word);
    }
  }
  return ["    description: >-", ...folded.map((l) => `      ${l}`)];
}

/** The block as YAML: one entry per key, in the schema's order. */
export function renderConfigBlock(
  declarations: Readonly<Record<string, ConfigDeclaration>> = CONFIG_DECLARATIONS,
): string {
  const lines = [GENERATED_NOTE, "config:"];
  for (const [key, declaration] of Object.entries(declarations)) {
    lines.push(`  ${key}:`, `    type: ${declaration.type}`);
    if (declaration.items !== undefined) {
      lines.push("    items:", `      type: ${declaration.items.type}`);
    }
    if (declaration.default !== undefined) {
      // Lists as JSON (valid YAML), so their strings stay quoted.
      const value = Array.isArray(declaration.default)
        ? JSON.stringify(declaration.default)
        : scalar(declaration.default);
      lines.push(`    default: ${value}`);
    }
    lines.push(...description(declaration.description));
  }
  return `${lines.join("\n")}\n`;
}

/** Pulumi.yaml with its `config:` block (and the note above it) replaced by `block`. */
export function replaceConfigBlock(projectFile: string, block: string): string {
  const lines = projectFile.split("\n");
  const start = lines.findIndex((line) => line === GENERATED_NOTE || /^config:\s*$/.test(line));
  if (start === -1) {
    return `${projectFile.trimEnd()}\n${block}`;
  }
  const configLine = lines.findIndex((line, i) => i >= start && /^config:\s*$/.test(line));
  const next = lines.findIndex((line, i) => i > configLine && /^[^\s#]/.test(line));
  const end = next === -1 ? lines.length : next;
  const rest = lines.slice(end).join("\n");
  return [...lines.slice(0, start), block.trimEnd(), ...(rest === "" ? [""] : [rest])].join("\n");
}

/** Pulumi.yaml as the schema would have it, formatted as Prettier checks it. */
export async function renderProjectFile(projectFile: string): Promise<string> {
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(PROJECT_FILE)) ?? {};
  return prettier.format(replaceConfigBlock(projectFile, renderConfigBlock()), {
    ...options,
    filepath: PROJECT_FILE,
  });
}

function show(value: unknown): string {
  return value === undefined ? "not set" : JSON.stringify(value);
}

/**
 * Where a parsed `config:` block differs from the schema's declarations: one line per key and
 * field, naming the key, the field and both values.
 */
export function configDifferences(
  declared: Readonly<Record<string, object>>,
  expected: Readonly<Record<string, ConfigDeclaration>> = CONFIG_DECLARATIONS,
): string[] {
  const differences: string[] = [];
  for (const key of Object.keys(expected)) {
    if (!(key in declared)) {
      differences.push(`${key}: declared in the schema, missing from Pulumi.yaml`);
    }
  }
  for (const [key, declaration] of Object.entries(declared)) {
    const want: object | undefined = expected[key];
    if (want === undefined) {
      differences.push(`${key}: declared in Pulumi.yaml, not in the schema`);
      continue;
    }
    const has = declaration as Record<string, unknown>;
    const should = want as Record<string, unknown>;
    for (const field of new Set([...Object.keys(should), ...Object.keys(has)])) {
      if (!isDeepStrictEqual(has[field], should[field])) {
        differences.push(
          `${key}: ${field} is ${show(has[field])} in Pulumi.yaml, ${show(should[field])} in the schema`,
        );
      }
    }
  }
  return differences;
}

if (require.main === module) {
  void (async () => {
    const current = fs.readFileSync(PROJECT_FILE, "utf8");
    const next = await renderProjectFile(current);
    fs.writeFileSync(PROJECT_FILE, next);
    console.log(
      `${Object.keys(CONFIG_DECLARATIONS).length} config keys written to ${PROJECT_FILE}` +
        (next === current ? " (unchanged)" : ""),
    );
  })();
}
