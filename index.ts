/**
 * Composition root: configuration → regional providers → global pieces → two regional stacks of
 * tiers (primary, secondary) → stack outputs.
 */
import * as aws from "@pulumi/aws";
import { loadStackConfig, type StackConfig } from "./components/config";

type RegionRole = keyof StackConfig["regions"];

const config = loadStackConfig();

/**
 * One provider per region, and no other: the stacks disable the default AWS provider, so a
 * resource or invoke that forgets its provider fails instead of landing in a random region.
 */
function regionalProvider(role: RegionRole): aws.Provider {
  return new aws.Provider(`aws-${role}`, {
    region: config.regions[role],
    defaultTags: { tags: { ...config.tags } },
    allowedAccountIds:
      config.allowedAccountIds.length > 0 ? [...config.allowedAccountIds] : undefined,
  });
}

const providers: Record<RegionRole, aws.Provider> = {
  primary: regionalProvider("primary"),
  secondary: regionalProvider("secondary"),
};

export const environment = config.environment;
export const regions = config.regions;
/** The account each regional provider deploys into: a preview shows it before anything changes. */
export const accountIds = {
  primary: aws.getCallerIdentityOutput({}, { provider: providers.primary }).accountId,
  secondary: aws.getCallerIdentityOutput({}, { provider: providers.secondary }).accountId,
};
