/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml and produces the configuration the Pulumi CLI would
 * hand to the program: project defaults applied, declared types checked, with the CLI's own
 * error messages (pulumi/pulumi sdk/go/common/workspace/config.go).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { offlineSecretStandIn, parseStackConfig, type StackConfig } from "../../model/config";

type ConfigType = "string" | "integer" | "boolean" | "array";

interface ConfigDeclaration {
  readonly type: ConfigType;
  readonly default?: unknown;
  readonly description?: string;
  readonly items?: { readonly type: ConfigType };
}

export interface ProjectFile {
  readonly name: string;
  readonly config: Readonly<Record<string, ConfigDeclaration>>;
}

export interface StackSettings {
  readonly stack: string;
  /** Fully qualified keys (`project:key`) to values as the CLI passes them: strings, JSON. */
  readonly config: Readonly<Record<string, string>>;
  /** Keys whose value is encrypted (`secure:`); offline, `config` holds a stand-in for each. */
  readonly secretKeys: readonly string[];
  /** Packages whose default provider the stack disables (`pulumi:disable-default-providers`). */
  readonly disabledDefaultProviders: readonly string[];
}

export class StackFileError extends Error {
  override name = "StackFileError";
}

/** A YAML file's content; a syntax error names the file, line and column (js-yaml's mark). */
function readYaml(file: string): unknown {
  try {
    return yaml.load(fs.readFileSync(file, "utf8"));
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      const { line, column } = error.mark;
      throw new StackFileError(
        `${path.basename(file)}:${line + 1}:${column + 1}: ${error.reason} (not valid YAML)`,
      );
    }
    throw error;
  }
}

export function readProject(root: string): ProjectFile {
  const project = readYaml(path.join(root, "Pulumi.yaml")) as Partial<ProjectFile> | undefined;
  if (typeof project?.name !== "string") {
    throw new StackFileError(`${path.join(root, "Pulumi.yaml")} has no project name`);
  }
  return { name: project.name, config: project.config ?? {} };
}

/** The stacks that have a settings file, sorted. */
export function listStacks(root: string): string[] {
  return fs
    .readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

function matchesType(type: ConfigType, items: ConfigType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
    case "integer":
      return Number.isInteger(typeof value === "string" ? Number(value) : value);
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "array":
      return (
        Array.isArray(value) &&
        (items === undefined || value.every((item) => matchesType(items, undefined, item)))
      );
  }
}

function asConfigString(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** The project's own keys of fully qualified config values (`project:key`), by bare key. */
export function projectKeys(
  project: ProjectFile,
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  const prefix = `${project.name}:`;
  return Object.fromEntries(
    Object.entries(values)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

/**
 * What stands in offline for an encrypted value, which only the stack's secrets provider can
 * decrypt: for this project's keys a value the key's schema accepts (model/config.ts), so the
 * plan is checked as the real one would be; for other packages' keys a marker. The ciphertext
 * itself is checked as far as it can be: `pulumi config set --secret` writes a non-empty string.
 */
function offlineSecret(project: ProjectFile, stack: string, key: string, secure: unknown): string {
  const file = `Pulumi.${stack}.yaml`;
  if (typeof secure !== "string" || secure.trim() === "") {
    throw new StackFileError(
      `${file}: ${key} has a secure: value that is not ciphertext (pulumi config set --secret ${key} <value> writes it)`,
    );
  }
  const prefix = `${project.name}:`;
  if (!key.startsWith(prefix)) {
    return "[secret]";
  }
  const bare = key.slice(prefix.length);
  const standIn = offlineSecretStandIn(bare);
  if (standIn === undefined && bare in project.config) {
    throw new StackFileError(
      `${file}: ${key} is encrypted, and offline its value cannot be read; it decides which resources the stack has, so the offline plan cannot stand in for it. Keep it in plain text (it names a region or a file, not a secret).`,
    );
  }
  // An unknown key keeps a marker: the program refuses it by name, with the nearest valid key.
  return standIn ?? "[secret]";
}

export function readStackSettings(
  root: string,
  project: ProjectFile,
  stack: string,
): StackSettings {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new StackFileError(
      `unknown stack "${stack}": there is no Pulumi.${stack}.yaml (stacks: ${listStacks(root).join(", ")})`,
    );
  }
  const settings = (readYaml(file) ?? {}) as { config?: Record<string, unknown> };
  const values = new Map<string, unknown>(Object.entries(settings.config ?? {}));
  const secretKeys: string[] = [];
  for (const [key, value] of values) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      values.set(key, offlineSecret(project, stack, key, (value as { secure: unknown }).secure));
      secretKeys.push(key);
    }
  }

  const missing: string[] = [];
  for (const [key, declaration] of Object.entries(project.config).sort()) {
    const qualified = `${project.name}:${key}`;
    if (!values.has(qualified)) {
      if (declaration.default === undefined) {
        missing.push(key);
        continue;
      }
      values.set(qualified, declaration.default);
    }
    const value = values.get(qualified);
    if (
      !secretKeys.includes(qualified) &&
      !matchesType(declaration.type, declaration.items?.type, value)
    ) {
      const typeName =
        declaration.type === "array"
          ? `List<${declaration.items?.type ?? "any"}>`
          : declaration.type;
      throw new StackFileError(
        `Stack '${stack}' with configuration key '${key}' must be of type '${typeName}', not ${JSON.stringify(value)} (Pulumi.${stack}.yaml)`,
      );
    }
  }
  if (missing.length > 0) {
    const keys = missing.map((k) => `'${k}'`);
    const list =
      keys.length === 1 ? keys[0] : `${keys.slice(0, -1).join(", ")} and ${keys[keys.length - 1]}`;
    throw new StackFileError(
      `Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${list}`,
    );
  }

  const disabled = values.get("pulumi:disable-default-providers");
  values.delete("pulumi:disable-default-providers");
  return {
    stack,
    config: Object.fromEntries([...values].map(([k, v]) => [k, asConfigString(v)])),
    secretKeys,
    disabledDefaultProviders: Array.isArray(disabled) ? disabled.map(String) : [],
  };
}

/**
 * A stack's configuration as the program sees it, read from its files the way the offline engine
 * reads them (the operator tools and tests use it). Throws a StackFileError or a ConfigError.
 */
export function readStackConfig(root: string, stack: string): StackConfig {
  const project = readProject(root);
  const settings = readStackSettings(root, project, stack);
  return parseStackConfig(projectKeys(project, settings.config), { project: project.name, stack });
}
