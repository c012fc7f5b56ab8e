/**
 * The stack's AWS providers: one per region (and ARC's), and no other. The stacks disable the
 * default AWS provider, so a resource or invoke that forgets its provider fails instead of landing
 * in a random region.
 */
import * as aws from "@pulumi/aws";
import type { StackConfig } from "../../model/config";
import { REGION_ROLES, type RegionRole } from "../../model/regions";

/** ARC's control-plane API is served from us-west-2 only: its resources go through a provider there. */
export const ARC_CONTROL_REGION = "us-west-2";

export function regionalProvider(name: string, region: string, config: StackConfig): aws.Provider {
  return new aws.Provider(name, {
    region,
    defaultTags: { tags: { ...config.tags } },
    allowedAccountIds:
      config.allowedAccountIds.length > 0 ? [...config.allowedAccountIds] : undefined,
  });
}

/** The provider for ARC's control plane: the stack's own in us-west-2, or one of its own. */
export function arcProvider(
  providers: Readonly<Record<RegionRole, aws.Provider>>,
  config: StackConfig,
): aws.Provider {
  const role = REGION_ROLES.find((r) => config.regions[r] === ARC_CONTROL_REGION);
  return role !== undefined
    ? providers[role]
    : regionalProvider("aws-arc", ARC_CONTROL_REGION, config);
}
