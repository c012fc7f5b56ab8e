/**
 * What the operators' commands (tools/merchant.ts, tools/preflight.ts) share before they call
 * AWS: the `--stack` argument checked against the stack files, its configuration read, and the
 * exit-2 report of bad usage or a bad configuration (nothing called then).
 */
import { ConfigError, type StackConfig } from "../model/config";
import { listStacks, readStackConfig, StackFileError } from "./engine/stack-files";

/** Bad arguments: reported with the command's usage. */
export class UsageError extends Error {}

/** The stack `--stack` names, its configuration checked; a UsageError names the known stacks. */
export function stackArgument(root: string, stack: string | undefined): StackConfig {
  const stacks = listStacks(root);
  if (stack === undefined) {
    throw new UsageError(`--stack is required; stacks: ${stacks.join(", ")}`);
  }
  if (!stacks.includes(stack)) {
    throw new UsageError(`--stack "${stack}" is not a stack; stacks: ${stacks.join(", ")}`);
  }
  return readStackConfig(root, stack);
}

/**
 * The exit-2 message of a usage or configuration error (with the usage for the former), or
 * undefined for any other error.
 */
export function invocationError(error: unknown, usage: string): string | undefined {
  if (error instanceof UsageError) {
    return `error: ${error.message}\n\n${usage}`;
  }
  if (ConfigError.isConfigError(error) || error instanceof StackFileError) {
    return `error: ${error.message}`;
  }
  return undefined;
}
