/**
 * AWS regions this program can deploy to, and which AWS services are global (no region).
 *
 * Plain data and pure functions with no imports, so that the program, the offline engine and the
 * policy pack (a separate package) all read the same facts.
 */

/** Commercial AWS regions (partition `aws`) that offer every service this program uses. */
export const AWS_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "ca-west-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-east-1",
  "sa-east-1",
  "me-south-1",
  "me-central-1",
  "af-south-1",
  "il-central-1",
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];

/** A service this program needs that a region does not offer, with the page that says so. */
export interface ServiceGap {
  readonly service: string;
  readonly usedBy: string;
  readonly regions: readonly string[];
  readonly page: string;
}

/**
 * Regions in AWS_REGIONS that lack a service the program cannot do without. The RDS Data API with
 * Aurora PostgreSQL provisioned and Serverless v2 clusters is "Not available" in Asia Pacific
 * (Hyderabad) and Asia Pacific (Melbourne) (Aurora User Guide, "Supported Regions and Aurora DB
 * engines for RDS Data API", read 2026-11-30). `npm run preflight` checks every endpoint service
 * in the account's zones.
 */
export const SERVICE_GAPS: readonly ServiceGap[] = [
  {
    service: "the RDS Data API for Aurora PostgreSQL",
    usedBy: "every handler uses to reach the ledger",
    regions: ["ap-south-2", "ap-southeast-4"],
    page: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html",
  },
];

export function serviceGapsOf(region: string): readonly ServiceGap[] {
  return SERVICE_GAPS.filter((gap) => gap.regions.includes(region));
}

export function isAwsRegion(value: string): value is AwsRegion {
  return (AWS_REGIONS as readonly string[]).includes(value);
}

const DIRECTION_CODES: Readonly<Record<string, string>> = {
  east: "e",
  west: "w",
  north: "n",
  south: "s",
  central: "c",
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
};

/**
 * The short code used in physical names: `us-east-1` → `use1`, `ap-southeast-2` → `apse2`.
 * Unique across AWS_REGIONS (a test checks it).
 */
export function regionCode(region: AwsRegion): string {
  const [area, direction, number] = region.split("-");
  return `${area}${DIRECTION_CODES[direction]}${number}`;
}

/**
 * Resource type prefixes of AWS services whose resources are global: they have no region even
 * though the provider that manages them has one. Route 53 Resolver is regional, hence the
 * exception.
 */
const GLOBAL_TYPE_PREFIXES = [
  "aws:iam/",
  "aws:route53/",
  "aws:route53domains/",
  "aws:route53recoverycontrol/",
  "aws:route53recoveryreadiness/",
  "aws:cloudfront/",
  "aws:organizations/",
  "aws:budgets/",
  "aws:globalaccelerator/",
  "aws:shield/",
] as const;

const REGIONAL_EXCEPTIONS = ["aws:route53/resolver"] as const;

export function isGlobalServiceType(type: string): boolean {
  return (
    GLOBAL_TYPE_PREFIXES.some((prefix) => type.startsWith(prefix)) &&
    !REGIONAL_EXCEPTIONS.some((prefix) => type.startsWith(prefix))
  );
}

/**
 * Component types the stack holds one copy of, in the primary region: the cross-region dashboard
 * and the EventBridge global endpoint over both regions' buses. The regions' symmetry (the
 * invariant and the policy) does not count them.
 */
export const ONE_COPY_COMPONENT_TYPES: readonly string[] = [
  "payments:index:OperationsDashboard",
  "payments:orchestration:GlobalEventEndpoint",
];

/** The two roles a region plays in a stack: the writer's home, and the warm standby. */
export const REGION_ROLES = ["primary", "secondary"] as const;
export type RegionRole = (typeof REGION_ROLES)[number];

/** The other region's role. */
export function peerOf(role: RegionRole): RegionRole {
  return role === "primary" ? "secondary" : "primary";
}

/** One value per region role, built in order: primary, then secondary. */
export function perRegion<T>(of: (role: RegionRole) => T): Record<RegionRole, T> {
  return { primary: of("primary"), secondary: of("secondary") };
}

/**
 * One value per region role where the secondary's is built from the primary's (a replica from
 * its source): `build` gets `{ role: "primary" }`, then `{ role: "secondary", primary }`.
 */
export function primaryThenSecondary<T>(
  build: (placement: { role: "primary" } | { role: "secondary"; primary: T }) => T,
): Record<RegionRole, T> {
  const primary = build({ role: "primary" });
  return { primary, secondary: build({ role: "secondary", primary }) };
}
