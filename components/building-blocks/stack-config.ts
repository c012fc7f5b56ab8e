/** The stack's configuration as the Pulumi runtime (CLI or offline engine) hands it over. */
import * as pulumi from "@pulumi/pulumi";
import { checkTruststore } from "../compute/mutual-tls";
import { parseStackConfig, type StackConfig } from "../../model/config";

/**
 * Reads this stack's configuration from the Pulumi runtime (CLI or offline engine), and the files
 * it names, before any resource is registered.
 */
export function loadStackConfig(): StackConfig {
  // Every key of this project the stack sets, declared or not, so that a misspelt one is refused
  // rather than ignored.
  const prefix = `${pulumi.getProject()}:`;
  const raw: Record<string, string> = Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig())
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const parsed = parseStackConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack() });
  checkTruststore(parsed, pulumi.getProject());
  return parsed;
}
