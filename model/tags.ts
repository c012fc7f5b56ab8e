/** The tags every taggable resource carries. Pure, no imports: the policy pack reads it too. */
export const REQUIRED_TAG_KEYS = [
  "Environment",
  "Application",
  "Owner",
  "CostCenter",
  "DataClassification",
] as const;

export type RequiredTagKey = (typeof REQUIRED_TAG_KEYS)[number];
