/**
 * The policy pack's configuration for a stack, derived from the stack's own configuration: one
 * source of truth. `npm run policy-config` writes it to policy/config/<stack>.json, which
 * `pulumi preview --policy-pack-config` reads; the offline plan derives it directly, and a test
 * fails when a committed file and its stack disagree.
 *
 * Production rules follow the `production` key, not the stack's name: a non-production stack
 * makes the resilience policies advisory (a throw-away stack need not be protected); a production
 * stack keeps every policy mandatory.
 */
import * as fs from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { POLICY_DOMAINS } from "../../policy/policies";
import type { StackConfig } from "../../model/config";
import type { PackConfig } from "./policy-runner";
import { policyConfigFile } from "./policy-runner";

/** The shortest Aurora backup retention a production stack may keep (the pack's floor). */
export const PRODUCTION_MIN_BACKUP_RETENTION_DAYS = 30;
/** Outside production, what Aurora and AWS Backup accept at least (model/config.ts). */
const MIN_BACKUP_RETENTION_DAYS = 7;

export function packConfigFor(config: StackConfig): PackConfig {
  const regions = [config.regions.primary, config.regions.secondary];
  const advisory = config.production
    ? {}
    : Object.fromEntries(
        POLICY_DOMAINS.resilience.map((p) => [p.name, { enforcementLevel: "advisory" }]),
      );
  const resilience = (name: string, settings: Record<string, unknown>) => ({
    [name]: { ...(advisory[name] ?? {}), ...settings },
  });
  return {
    "required-tags": { environment: config.environment },
    "aurora-global-members": { primaryRegion: config.regions.primary },
    "symmetric-regional-tiers": { regions },
    "allowed-regions": { regions },
    ...advisory,
    ...resilience("aurora-backups", {
      production: config.production,
      minimumBackupRetentionDays: config.production
        ? PRODUCTION_MIN_BACKUP_RETENTION_DAYS
        : MIN_BACKUP_RETENTION_DAYS,
    }),
    ...resilience("data-stores-protected", { production: config.production }),
    "recovery-objectives": {
      rtoTrafficSeconds: config.targets.rtoTrafficSeconds,
      rpoSeconds: config.targets.rpoSeconds,
    },
    "monthly-cost-budget": {
      paymentsPerMonth: config.cost.paymentsPerMonth,
      activeRegion: config.regions.primary,
      ...(config.cost.budgetUsd === undefined
        ? {}
        : { monthlyCostBudgetUsd: config.cost.budgetUsd }),
    },
  } as PackConfig;
}

/** Whether policy/config/<stack>.json is what the stack's configuration makes it. */
export function packConfigFileState(
  root: string,
  config: StackConfig,
): "current" | "missing" | "stale" {
  const file = policyConfigFile(root, config.stack);
  if (!fs.existsSync(file)) {
    return "missing";
  }
  const written = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  return isDeepStrictEqual(written, JSON.parse(JSON.stringify(packConfigFor(config))))
    ? "current"
    : "stale";
}
