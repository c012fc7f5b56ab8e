/** The stack's configuration as the Pulumi runtime (CLI or offline engine) hands it over. */
import * as pulumi from "@pulumi/pulumi";
import { checkTruststore } from "../compute/mutual-tls";
import {
  CONFIG_KEYS,
  type ConfigKey,
  parseStackConfig,
  type StackConfig,
} from "../../model/config";

/**
 * Reads this stack's configuration from the Pulumi runtime (CLI or offline engine), and the files
 * it names, before any resource is registered.
 */
export function loadStackConfig(): StackConfig {
  const config = new pulumi.Config();
  const raw: Partial<Record<ConfigKey, string>> = {};
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    const value = config.get(key);
    if (value !== undefined) {
      raw[key] = value;
    }
  }
  const parsed = parseStackConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack() });
  checkTruststore(parsed, pulumi.getProject());
  return parsed;
}
