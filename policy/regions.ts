/**
 * Stack-wide placement: both regions run the same regional tiers, and nothing lands in a region
 * the stack does not use.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isGlobalServiceType, ONE_COPY_COMPONENT_TYPES } from "../model/regions";
import { regionOf } from "./support";

export interface RegionsConfig {
  /** The stack's regions, primary first. */
  readonly regions?: readonly string[];
}

const regionsSchema = {
  properties: {
    regions: {
      type: "array",
      items: { type: "string" },
      minItems: 2,
      maxItems: 2,
      default: ["us-east-1", "us-west-2"],
    },
  },
} as const;

const ROOT_STACK = "pulumi:pulumi:Stack";

/** The top-level component a resource belongs to (a tier), if any. */
function tierOf(resource: PolicyResource): PolicyResource | undefined {
  let current = resource;
  while (current.parent !== undefined && current.parent.type !== ROOT_STACK) {
    current = current.parent;
  }
  return current !== resource && current.parent?.type === ROOT_STACK ? current : undefined;
}

export const symmetricRegionalTiers: StackValidationPolicy = {
  name: "symmetric-regional-tiers",
  description:
    "The primary and the secondary region run the same set of regional tiers (component types); global pieces such as the DNS zone and one-copy pieces such as the dashboard do not count.",
  enforcementLevel: "mandatory",
  configSchema: regionsSchema,
  validateStack: (args, reportViolation) => {
    const [primary, secondary] = args.getConfig<RegionsConfig>().regions ?? [
      "us-east-1",
      "us-west-2",
    ];
    const tiers = new Map<string, Set<string>>([
      [primary, new Set()],
      [secondary, new Set()],
    ]);
    for (const resource of args.resources) {
      const tier = tierOf(resource);
      const region = regionOf(resource);
      // A global service's resource (Route 53, IAM) has a provider region but no home in it.
      if (
        tier !== undefined &&
        region !== undefined &&
        !isGlobalServiceType(resource.type) &&
        !ONE_COPY_COMPONENT_TYPES.includes(tier.type)
      ) {
        tiers.get(region)?.add(tier.type);
      }
    }
    const only = (a: string, b: string) =>
      [...(tiers.get(a) ?? [])]
        .filter((t) => !tiers.get(b)?.has(t))
        .map((t) => `tier ${t} runs in ${a} but not in ${b}`);
    [...only(primary, secondary), ...only(secondary, primary)].forEach((m) => reportViolation(m));
  },
};

export const allowedRegions: StackValidationPolicy = {
  name: "allowed-regions",
  description:
    "No resource is created in a region outside the stack's primary and secondary regions.",
  enforcementLevel: "mandatory",
  configSchema: regionsSchema,
  validateStack: (args, reportViolation) => {
    const regions = args.getConfig<RegionsConfig>().regions ?? ["us-east-1", "us-west-2"];
    for (const resource of args.resources) {
      const region = regionOf(resource);
      if (region !== undefined && !regions.includes(region)) {
        reportViolation(
          `${resource.type} ${resource.name} is in ${region}; this stack uses ${regions.join(" and ")}`,
          resource.urn,
        );
      }
    }
  },
};

export const regionPolicies = [symmetricRegionalTiers, allowedRegions];
