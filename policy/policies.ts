/** Every policy of the pack, by domain: what index.ts assembles and the offline plan runs. */
import type { Policies } from "@pulumi/policy";
import { accessPolicies } from "./access";
import { costPolicies } from "./cost";
import { deployabilityPolicies } from "./deployability";
import { encryptionPolicies } from "./encryption";
import { recoveryPolicies } from "./recovery";
import { regionPolicies } from "./regions";
import { resiliencePolicies } from "./resilience";
import { taggingPolicies } from "./tagging";

export const POLICY_DOMAINS = {
  tagging: taggingPolicies,
  encryption: encryptionPolicies,
  access: accessPolicies,
  resilience: resiliencePolicies,
  deployability: deployabilityPolicies,
  regions: regionPolicies,
  recovery: recoveryPolicies,
  cost: costPolicies,
} as const;

export const POLICIES: Policies = Object.values(POLICY_DOMAINS).flat();
