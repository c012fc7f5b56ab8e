/** Tagging: every taggable AWS resource carries the required tags with real values. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { REQUIRED_TAG_KEYS } from "../model/tags";
import { providerDefaultTags, record, stackOf } from "./support";
import taggable from "./taggable-types.json";

const TAGGABLE = new Set(taggable.types);

export interface RequiredTagsConfig {
  /** Tag keys every taggable resource must carry. */
  readonly requiredTags?: readonly string[];
  /** The value the Environment tag must have; the stack name when unset. */
  readonly environment?: string;
}

export const requiredTags: ResourceValidationPolicy = {
  name: "required-tags",
  description:
    "Every taggable AWS resource carries the required tags (its own tags plus the provider's defaultTags), with non-empty values and an Environment that matches the stack.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requiredTags: { type: "array", items: { type: "string" }, default: [...REQUIRED_TAG_KEYS] },
      environment: { type: "string" },
    },
  },
  validateResource: (args, reportViolation) => {
    if (!TAGGABLE.has(args.type)) {
      args.notApplicable(`${args.type} does not take tags`);
    }
    const config = args.getConfig<RequiredTagsConfig>();
    const required = config.requiredTags ?? REQUIRED_TAG_KEYS;
    const tags: Record<string, unknown> = {
      ...providerDefaultTags(args.provider),
      ...record(args.props.tags),
    };
    const missing = required.filter((key) => !(key in tags));
    if (missing.length > 0) {
      reportViolation(
        `missing required tags: ${missing.join(", ")} (set them on the resource or in the provider's defaultTags)`,
      );
    }
    const empty = required.filter((key) => key in tags && String(tags[key]).trim() === "");
    if (empty.length > 0) {
      reportViolation(`required tags with empty values: ${empty.join(", ")}`);
    }
    const environment = config.environment ?? stackOf(args.urn);
    if (
      "Environment" in tags &&
      String(tags.Environment).trim() !== "" &&
      tags.Environment !== environment
    ) {
      reportViolation(
        `tag Environment is "${String(tags.Environment)}" but this stack's environment is "${environment}"`,
      );
    }
  },
};

export const taggingPolicies = [requiredTags];
