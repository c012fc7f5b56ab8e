/**
 * Stack configuration: declared once, validated in one place, returned typed and frozen.
 *
 * The schema below is the one declaration of every config key: its validation, its Pulumi.yaml
 * type (read off the schema), its default and its description. The key list, the StackConfig type
 * and Pulumi.yaml's `config:` block (`npm run generate:pulumi-config`) all derive from it. This
 * module turns the raw values into a `StackConfig` and rejects anything AWS or this program cannot
 * use, before a single resource is registered, with messages that name the key, the value and what
 * is allowed.
 */
import { z } from "zod";
import { dnsNameProblem } from "./dns";
import { AWS_REGIONS, isAwsRegion, serviceGapsOf } from "./regions";
import {
  ACTIVE_REGION_CACHE_MS,
  LAMBDA_CONCURRENCY_QUOTA_CODE,
  PARAMETER_STORE_SHARE,
  PARAMETER_STORE_TPS,
  UNRESERVED_CONCURRENCY,
  WAF_EVALUATION_WINDOW_SECONDS,
} from "./quotas";
import { subnetLayout, subnetLayoutProblem } from "./subnets";
import type { RequiredTagKey } from "./tags";

/** Reserved concurrency of the health endpoint's function: probes take well under 100 ms each. */
export const HEALTH_RESERVED_CONCURRENCY = 5;
/** The failover functions: one runbook runs at a time, and one orchestrator decision at a time. */
export const FAILOVER_STEPS_RESERVED_CONCURRENCY = 2;
export const FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY = 1;
/** The sweeper and the peer watch: one run at a time each (their components). */
export const SWEEPER_RESERVED_CONCURRENCY = 1;
export const PEER_WATCH_RESERVED_CONCURRENCY = 1;
/** The ledger's migration and its credentials' rotation, in the primary region: one at a time. */
export const LEDGER_MIGRATION_RESERVED_CONCURRENCY = 1;
export const LEDGER_ROTATION_RESERVED_CONCURRENCY = 1;

/**
 * What each function of a region reserves, by its short name: the whole region's reservation,
 * counted against the account's concurrency quota. A test keeps it equal to the plan's functions.
 */
export function reservedConcurrencyByFunction(
  c: {
    readonly authorizeReservedConcurrency: number;
    readonly apiReservedConcurrency: number;
    readonly processorReservedConcurrency: number;
  },
  role: "primary" | "secondary",
): Readonly<Record<string, number>> {
  return {
    "payments-api": c.apiReservedConcurrency,
    // The merchant authorizer reserves as much as the API it guards (components/compute.ts).
    "merchant-authorizer": c.apiReservedConcurrency,
    "payments-processor": c.processorReservedConcurrency,
    authorize: c.authorizeReservedConcurrency,
    health: HEALTH_RESERVED_CONCURRENCY,
    sweeper: SWEEPER_RESERVED_CONCURRENCY,
    "peer-watch": PEER_WATCH_RESERVED_CONCURRENCY,
    "failover-steps": FAILOVER_STEPS_RESERVED_CONCURRENCY,
    "failover-orchestrator": FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY,
    ...(role === "primary"
      ? {
          "ledger-schema": LEDGER_MIGRATION_RESERVED_CONCURRENCY,
          "ledger-rotation": LEDGER_ROTATION_RESERVED_CONCURRENCY,
        }
      : {}),
  };
}

/** The functions that read the active-region flag (ACTIVE_REGION_PARAMETER), by short name. */
export const FLAG_READERS = [
  "payments-api",
  "payments-processor",
  "authorize",
  "health",
  "sweeper",
  "peer-watch",
  "failover-orchestrator",
] as const;

/**
 * The most GetParameter calls a region's functions make for the flag in a second: each warm
 * environment of a reader reads it at most once per ACTIVE_REGION_CACHE_MS, and a reader has at
 * most its reserved concurrency of environments.
 */
export function flagReadsPerSecond(reserved: Readonly<Record<string, number>>): number {
  const environments = FLAG_READERS.reduce((sum, name) => sum + (reserved[name] ?? 0), 0);
  return environments / (ACTIVE_REGION_CACHE_MS / 1000);
}

/**
 * The Aurora PostgreSQL versions this program accepts: the newest minor versions the Aurora
 * PostgreSQL release notes list (Release Notes for Aurora PostgreSQL, "Aurora PostgreSQL query plan
 * management updates": "Aurora PostgreSQL 17.9, April 6, 2026" and "17.7, December 18, 2025", read
 * 2026-11-30: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/auroraqpm.updates.html).
 * Both regions support Aurora global databases and the RDS Data API from 17.4 (Aurora User Guide,
 * "Supported Regions and Aurora DB engines for RDS Data API"). A minor version leaves standard
 * support about a year after its release (Aurora User Guide, "Amazon Aurora version support":
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.VersionPolicy.html), so this
 * list is reviewed with every release; `npm run preflight` asks DescribeDBEngineVersions in both
 * regions whether the chosen one is offered, with global database support, in this account.
 */
export const AURORA_POSTGRESQL_VERSIONS = ["17.7", "17.9"] as const;

export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;

/** How the private subnets reach AWS services: VPC endpoints only, or also through NAT gateways. */
export const NAT_STRATEGIES = ["none", "single", "onePerAz"] as const;

/**
 * Which interface endpoints each VPC gets: those the VPC-attached functions call
 * (components/network.ts lists them, and the pack checks them against the functions' roles), or
 * every service the program uses. Each is billed per zone and hour.
 */
export const INTERFACE_ENDPOINT_CHOICES = ["called", "all"] as const;
export type InterfaceEndpointChoice = (typeof INTERFACE_ENDPOINT_CHOICES)[number];
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

export const DYNAMODB_CONSISTENCY = ["eventual", "strong"] as const;
export type DynamodbConsistency = (typeof DYNAMODB_CONSISTENCY)[number];

/**
 * The region sets in which DynamoDB offers multi-Region strong consistency: the two replicas and
 * the witness must all be in one of them.
 */
export const STRONG_CONSISTENCY_REGION_SETS: readonly (readonly string[])[] = [
  ["us-east-1", "us-east-2", "us-west-2"],
  ["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"],
  ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3"],
];

/** The regions Route 53 health checkers run from (at least three must be chosen). */
export const HEALTH_CHECKER_REGIONS = [
  "us-east-1",
  "us-west-1",
  "us-west-2",
  "eu-west-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "sa-east-1",
] as const;

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * Raw values by bare key, as Pulumi hands them to the program: strings, arrays as JSON. Every
 * project key the stack sets, declared or not: a key this project does not declare is refused.
 */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  /**
   * Pulumi prints a RunError's message without a stack trace; RunError.isInstance looks for this
   * marker (@pulumi/pulumi errors.ts), so a bad config reads as the list of problems it is.
   */
  readonly __pulumiRunError = true;

  constructor(
    readonly stackName: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for stack "${stackName}":\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }

  /** True for a ConfigError from any copy of this module (the offline engine reloads it). */
  static isConfigError(error: unknown): error is ConfigError {
    return error instanceof Error && error.name === "ConfigError" && "problems" in error;
  }
}

const NAME_SEGMENT = /^[a-z][a-z0-9]{1,9}$/;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const nameSegment = (what: string) =>
  z.string().regex(NAME_SEGMENT, {
    error: `must be 2–10 lowercase letters or digits starting with a letter (${what})`,
  });

/**
 * A refinement rather than z.enum: a region outside the list still lets the rules between keys
 * report their problems too (an enum's failure would stop them). Its type guard makes the output
 * an AwsRegion all the same.
 */
const region = () =>
  z.string().refine(isAwsRegion, {
    error: `is not an AWS region this program supports; allowed: ${AWS_REGIONS.join(", ")}`,
  });

const dnsName = z.string().superRefine((name, ctx) => {
  const problem = dnsNameProblem(name);
  if (problem !== undefined) {
    ctx.addIssue({ code: "custom", message: problem });
  }
});

const tagValue = (tag: RequiredTagKey) =>
  z
    .string()
    .refine((v) => v.trim().length > 0, { error: `must not be empty (the ${tag} tag value)` })
    .refine((v) => v.length <= 256, { error: `is longer than 256 characters (the ${tag} tag)` })
    .refine((v) => TAG_VALUE.test(v), {
      error: `has characters AWS tags do not allow (the ${tag} tag); allowed: letters, digits, spaces and _.:/=+-@`,
    });

/** IPv4 CIDR with a /16–/20 prefix: room for private (and public) subnets in up to six zones. */
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function cidrRange(cidr: string): [number, number] | undefined {
  const match = CIDR.exec(cidr);
  if (match === null) {
    return undefined;
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix < 16 || prefix > 20) {
    return undefined;
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  return base % size === 0 ? [base, base + size - 1] : undefined;
}

const vpcCidr = z.string().refine((c) => cidrRange(c) !== undefined, {
  error: "is not an IPv4 network with a /16 to /20 prefix (e.g. 10.10.0.0/16)",
});

/** "EUR:1000000" pairs: an ISO 4217 currency and a positive whole amount of minor units. */
const CURRENCY_AMOUNT = /^[A-Z]{3}:[1-9]\d{0,14}$/;
const currencyAmounts = z.array(
  z.string().regex(CURRENCY_AMOUNT, {
    error:
      'must list CURRENCY:MINOR_UNITS pairs such as "EUR:1000000" (ISO 4217 code, whole minor units)',
  }),
);

/** The largest number an EventBridge event pattern's numeric matching compares. */
const HIGH_VALUE_MAX = 5_000_000_000;

function amountsByCurrency(pairs: readonly string[]): Record<string, number> {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, 3), Number(pair.slice(4))]));
}

const integer = (min: number, max: number, unit: string) =>
  z
    .number()
    .int({ error: `must be a whole number of ${unit}` })
    .min(min, { error: `must be between ${min} and ${max} ${unit}` })
    .max(max, { error: `must be between ${min} and ${max} ${unit}` });

/** What Pulumi.yaml says about a key besides its type, which the key's schema determines. */
interface KeyDoc {
  readonly description: string;
  /** The value Pulumi uses when the stack sets none; without one the key is required. */
  readonly default?: unknown;
  /**
   * A valid value that stands in for an encrypted (`secure:`) one offline, where the stack's
   * secrets provider cannot decrypt it; needed where the default (or "not set") would plan a
   * different set of resources than any real value does.
   */
  readonly offlineStandIn?: unknown;
}

const keyDocs = z.registry<KeyDoc>();

/**
 * Declares a config key: its schema, documented. An optional schema makes the key optional: its
 * Pulumi.yaml default is the empty string, which means "not set".
 */
function configKey<T extends z.ZodType>(
  schema: T,
  doc: {
    readonly description: string;
    readonly default?: z.output<T>;
    readonly offlineStandIn?: NonNullable<z.output<T>>;
  },
): T {
  const declared = schema.clone();
  keyDocs.add(declared, doc);
  return declared;
}

/**
 * What the offline engine puts in place of an encrypted (`secure:`) value of a key, as the CLI
 * passes values (a string; JSON for a list): only the stack's secrets provider can decrypt it. The
 * key's offline stand-in, else its default: a value the key's own schema accepts, so the rest of
 * the configuration is still checked. Undefined for a key that has neither (its value decides
 * which resources exist, so no stand-in would plan the same stack) and for an unknown key.
 */
export function offlineSecretStandIn(key: string): string | undefined {
  if (!(CONFIG_KEY_LIST as readonly string[]).includes(key)) {
    return undefined;
  }
  const doc = keyDocs.get(keys.shape[key as ConfigKey]);
  const value = doc?.offlineStandIn ?? doc?.default;
  if (value === undefined) {
    return undefined;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Every config key of this project, in the order problems are reported. */
const keys = z.object({
  primaryRegion: configKey(region(), {
    default: "us-east-1",
    description: "AWS region of the active (writer) stack of tiers.",
  }),
  secondaryRegion: configKey(region(), {
    default: "us-west-2",
    description: "AWS region of the warm standby; must differ from primaryRegion.",
  }),
  // parseStackConfig puts the stack name in place of an unset environment before validation.
  environment: configKey(nameSegment("it is part of every physical name").optional(), {
    description:
      "Environment name used in every physical name and in the Environment tag; 2-10 lowercase letters or digits. Empty means the stack name.",
    offlineStandIn: "xsecretenv",
  }),
  production: configKey(z.boolean(), {
    default: false,
    description:
      "Production stack. Requires allowedAccountIds, protectData and at least 3 availability zones.",
  }),
  protectData: configKey(z.boolean(), {
    default: true,
    description:
      "Protect data stores (Pulumi protect, deletion protection, final snapshots, backup vault lock). Turn off only for throw-away stacks.",
  }),
  namePrefix: configKey(nameSegment("it prefixes every physical name"), {
    description:
      "Short organisation prefix (2-10 lowercase letters or digits) that starts every physical name and keeps names in global namespaces such as S3 unique to your organisation.",
    offlineStandIn: "xsecretpfx",
  }),
  dnsZoneName: configKey(dnsName, {
    description:
      "DNS zone the API is served under (api.<zone>); a domain your organisation owns or delegates. Reserved names (example.com, *.test, localhost, ...) cannot be Route 53 zones.",
    offlineStandIn: "secret-dns-zone-name.net",
  }),
  alertEmail: configKey(
    z
      .string()
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s.]+$/, { error: "is not an e-mail address" })
      .optional(),
    {
      description: "E-mail address subscribed to the alarm topics in both regions; empty for none.",
      offlineStandIn: "secret-alert-email@secret-dns-zone-name.net",
    },
  ),
  allowedAccountIds: configKey(
    z.array(z.string().regex(/^\d{12}$/, { error: "must list 12-digit AWS account ids" })),
    {
      default: [],
      description:
        "AWS account ids the providers may act in (a guard against deploying with the wrong credentials). Required for production stacks.",
      offlineStandIn: ["000000000000"],
    },
  ),
  owner: configKey(tagValue("Owner"), {
    description: "Owner tag value (team or person accountable for the stack).",
    offlineStandIn: "secret-owner",
  }),
  costCenter: configKey(tagValue("CostCenter"), {
    description: "CostCenter tag value.",
    offlineStandIn: "secret-cost-center",
  }),
  dataClassification: configKey(
    z.enum(DATA_CLASSIFICATIONS, { error: `must be one of ${DATA_CLASSIFICATIONS.join(", ")}` }),
    {
      default: "restricted",
      description:
        "DataClassification tag value; one of public, internal, confidential, restricted.",
    },
  ),
  availabilityZoneCount: configKey(integer(2, 6, "availability zones"), {
    default: 2,
    description: "Availability zones per region for subnets and database instances (2-6).",
  }),
  backupRetentionDays: configKey(integer(7, 35, "days (Aurora and AWS Backup limits)"), {
    default: 7,
    description: "Days Aurora automated backups and AWS Backup recovery points are kept (7-35).",
  }),
  logRetentionDays: configKey(
    z.number().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      error: `is not a CloudWatch Logs retention; allowed: ${LOG_RETENTION_DAYS.join(", ")}`,
    }),
    {
      default: 30,
      description:
        "Days CloudWatch log groups keep their events (a value CloudWatch Logs accepts).",
    },
  ),
  primaryVpcCidr: configKey(vpcCidr, {
    default: "10.10.0.0/16",
    description:
      "IPv4 network of the primary region's VPC (/16 to /20); must not overlap the secondary's.",
  }),
  secondaryVpcCidr: configKey(vpcCidr, {
    default: "10.20.0.0/16",
    description: "IPv4 network of the secondary region's VPC (/16 to /20).",
  }),
  natGateways: configKey(
    z.enum(NAT_STRATEGIES, { error: `must be one of ${NAT_STRATEGIES.join(", ")}` }),
    {
      default: "none",
      description:
        "NAT gateways per region: none (private subnets reach AWS through VPC endpoints only), single, or onePerAz (zone-independent egress).",
    },
  ),
  interfaceEndpoints: configKey(
    z.enum(INTERFACE_ENDPOINT_CHOICES, {
      error: `must be one of ${INTERFACE_ENDPOINT_CHOICES.join(", ")}`,
    }),
    {
      default: "called",
      description:
        "Interface VPC endpoints per region: called (only the services the VPC-attached functions call: SQS, Step Functions, Secrets Manager, Parameter Store, RDS Data API) or all (also SNS, EventBridge, KMS, CloudWatch Logs, STS). Each endpoint is billed per zone and hour.",
    },
  ),
  pitrRecoveryDays: configKey(integer(1, 35, "days (DynamoDB point-in-time recovery)"), {
    default: 35,
    description: "Days of DynamoDB point-in-time recovery (1-35).",
  }),
  receiptsInfrequentAccessDays: configKey(
    integer(0, 3650, "days").refine((d) => d === 0 || d >= 30, {
      error:
        "must be 0 (no transition) or at least 30: S3 moves objects to STANDARD_IA after 30 days at the earliest",
    }),
    {
      default: 30,
      description:
        "Days before receipts move to S3 Standard-IA (0 for never; otherwise at least 30).",
    },
  ),
  noncurrentVersionExpirationDays: configKey(integer(1, 3650, "days"), {
    default: 90,
    description: "Days a replaced or deleted receipt version is kept before S3 expires it.",
  }),
  auroraEngineVersion: configKey(
    z.enum(AURORA_POSTGRESQL_VERSIONS, {
      error: `is not an Aurora PostgreSQL version this program accepts; allowed: ${AURORA_POSTGRESQL_VERSIONS.join(", ")} (model/config.ts lists the versions Aurora currently offers)`,
    }),
    {
      default: "17.9",
      description: `Aurora PostgreSQL engine version of the global database (${AURORA_POSTGRESQL_VERSIONS.join(", ")}). The members follow the global cluster: AWS's minor upgrades are not undone, and raising this key upgrades every member in place.`,
    },
  ),
  auroraInstanceClass: configKey(
    z
      .string()
      .regex(/^db\.(serverless|[a-z][a-z0-9-]*\.[a-z0-9]+)$/, {
        error: "must be db.serverless or an instance class such as db.r6g.large",
      })
      .refine((c) => !c.startsWith("db.t"), {
        error: "is a T class, which the RDS Data API (used by the handlers) does not support",
      }),
    {
      default: "db.serverless",
      description:
        "Instance class of the database instances: db.serverless (Aurora Serverless v2) or a provisioned class such as db.r6g.large. T classes are refused (no RDS Data API).",
    },
  ),
  auroraMaxCapacity: configKey(integer(1, 256, "Aurora capacity units"), {
    default: 4,
    description:
      "Maximum Aurora Serverless v2 capacity in ACUs (1-256) when the class is db.serverless.",
  }),
  ledgerCredentialsRotationDays: configKey(integer(1, 365, "days"), {
    default: 30,
    description:
      "Days between rotations of the ledger's writer credentials (1-365), which the handlers use instead of the master user's; Secrets Manager runs the program's rotation function on this schedule.",
  }),
  dynamodbConsistency: configKey(
    z.enum(DYNAMODB_CONSISTENCY, { error: `must be one of ${DYNAMODB_CONSISTENCY.join(", ")}` }),
    {
      default: "eventual",
      description:
        "Consistency of the payments global table: eventual (replicates typically within a second) or strong (multi-Region strong consistency, RPO 0; needs dynamodbWitnessRegion, and forbids TTL, transactions and local secondary indexes, none of which the table uses).",
    },
  ),
  dynamodbWitnessRegion: configKey(region().optional(), {
    description:
      "Witness region for strong consistency: a third region in the same region set as both regions (us-east-1/us-east-2/us-west-2, eu-west-1/eu-west-2/eu-west-3/eu-central-1, ap-northeast-1/ap-northeast-2/ap-northeast-3). Empty in eventual mode.",
  }),
  paymentLimits: configKey(currencyAmounts.min(1, { error: "must accept at least one currency" }), {
    default: ["EUR:1000000", "USD:1000000", "GBP:1000000"],
    description:
      "Accepted currencies and the largest single payment of each, as CURRENCY:MINOR_UNITS (EUR:1000000 is 10,000.00 EUR). Payments in other currencies are declined.",
  }),
  velocityAmountLimits: configKey(currencyAmounts, {
    default: ["EUR:5000000", "USD:5000000", "GBP:5000000"],
    description:
      "Most a merchant may take per currency within the velocity window, as CURRENCY:MINOR_UNITS; the same currencies as paymentLimits.",
  }),
  velocityWindowSeconds: configKey(integer(60, 86_400, "seconds"), {
    default: 3600,
    description: "Length of the merchant velocity window in seconds (60-86400).",
  }),
  velocityMaxPayments: configKey(integer(1, 1_000_000, "payments"), {
    default: 1000,
    description: "Most payments a merchant may take within the velocity window.",
  }),
  highValueAmounts: configKey(currencyAmounts, {
    default: ["EUR:500000", "USD:500000", "GBP:500000"],
    description:
      "Completed payments at or above these amounts, as CURRENCY:MINOR_UNITS (at most 5000000000, EventBridge's numeric matching range), raise a notification on the high-value topic. Currencies from paymentLimits; empty for none.",
  }),
  paymentTokenPrefix: configKey(
    z.string().regex(/^[a-z][a-z0-9]{1,15}_$/, {
      error: 'must be 2-16 lowercase letters or digits followed by "_" (such as tok_)',
    }),
    {
      default: "tok_",
      description:
        "Prefix of the payment-method tokens your tokenization provider issues (tok_): the API refuses any other token, and anything that looks like a card number.",
    },
  ),
  mutualTlsTruststore: configKey(
    z
      .string()
      .regex(/^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]*\.pem$/, {
        error: "must be a .pem file's path inside the project (letters, digits, _ . / -; no ..)",
      })
      .optional(),
    {
      description:
        "Mutual TLS on api.<zone>: a PEM file in the project with the certificate authorities whose client certificates the API accepts. The program keeps it in a bucket in each region. Empty: off.",
    },
  ),
  authorizerCacheSeconds: configKey(integer(0, 3_600, "seconds"), {
    default: 60,
    description:
      "Seconds API Gateway caches the authorizer's answer for an API key (0-3600; 0 checks every request). A revoked key stops working in both regions within this plus the merchants table's replication lag.",
  }),
  authorizeTimeoutSeconds: configKey(integer(1, 60, "seconds"), {
    default: 10,
    description: "Timeout of the authorize Lambda in seconds (1-60).",
  }),
  authorizeReservedConcurrency: configKey(integer(1, 900, "concurrent executions"), {
    default: 20,
    description:
      "Reserved concurrency of the authorize Lambda (1-900; every function's reservation counts against lambdaConcurrencyQuota).",
  }),
  lambdaConcurrencyQuota: configKey(integer(10, 1_000_000, "concurrent executions"), {
    default: 1000,
    description: `The account's Lambda "Concurrent executions" quota in both regions (Service Quotas ${LAMBDA_CONCURRENCY_QUOTA_CODE}; new accounts often have 10-50, not 1000). Each region's functions reserve at most this minus 100; npm run preflight reads the real quota.`,
  }),
  parameterStoreHighThroughput: configKey(z.boolean(), {
    default: false,
    description:
      "Turn on Parameter Store's higher throughput in both regions (an account-wide, paid setting: 3000 instead of 40 GetParameter calls a second). Required when the functions' reserved concurrency could read the active-region flag more than 20 times a second.",
  }),
  hostedZoneId: configKey(
    z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, {
        error: "is not a Route 53 hosted zone id (Z followed by letters and digits)",
      })
      .optional(),
    {
      description:
        "Id of an existing public Route 53 hosted zone for dnsZoneName, already delegated (certificates validate through it). Empty: the program creates the zone and outputs its name servers.",
      offlineStandIn: "ZSECRETHOSTEDZONEID",
    },
  ),
  apiThrottleRateLimit: configKey(integer(1, 10_000, "requests per second"), {
    default: 100,
    description: "Steady request rate of each region's API stage, requests per second (1-10000).",
  }),
  apiThrottleBurstLimit: configKey(integer(1, 5_000, "requests"), {
    default: 200,
    description:
      "Burst of each region's API stage, requests (1-5000; at least apiThrottleRateLimit).",
  }),
  // WAF's rate-based rules take 10 to 2,000,000,000 requests per 5-minute window.
  wafRateLimit: configKey(integer(10, 2_000_000_000, "requests per 5 minutes"), {
    default: 30_000,
    description:
      "Requests per client IP per 5 minutes before the web ACL blocks it (production stacks, which put a WAF web ACL in front of the API); at least apiThrottleRateLimit x 300, so a merchant behind one NAT address can use the stage's whole rate.",
  }),
  // API Gateway gives up on an integration after 29 s.
  apiTimeoutSeconds: configKey(integer(1, 29, "seconds"), {
    default: 10,
    description: "Timeout of the payments-api Lambda in seconds (1-29, API Gateway's limit).",
  }),
  apiReservedConcurrency: configKey(integer(1, 900, "concurrent executions"), {
    default: 50,
    description:
      "Reserved concurrency of the payments-api Lambda (1-900), and of the merchant authorizer in front of it.",
  }),
  processorTimeoutSeconds: configKey(integer(1, 900, "seconds"), {
    default: 30,
    description:
      "Timeout of the payments-processor Lambda in seconds (1-900); the queue's visibility timeout is six times this plus the batch window.",
  }),
  // Two SQS event sources share the function (payments and repair queues), each scaling to at
  // least 2 concurrent batches (https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html).
  processorReservedConcurrency: configKey(integer(4, 900, "concurrent executions"), {
    default: 10,
    description:
      "Reserved concurrency of the payments-processor Lambda (4-900), shared by its event sources' maximum concurrency (repair queue 2, payments queue the rest), so SQS never hands batches to a throttled function.",
  }),
  processorBatchSize: configKey(integer(1, 10_000, "messages"), {
    default: 10,
    description:
      "Messages per processor batch (1-10000; over 10 needs processorBatchWindowSeconds).",
  }),
  processorBatchWindowSeconds: configKey(integer(0, 300, "seconds"), {
    default: 0,
    description: "Seconds the event source may wait to fill a batch (0-300).",
  }),
  queueMaxReceiveCount: configKey(integer(1, 1_000, "receives"), {
    default: 5,
    description: "Receives of a message before it moves to the dead-letter queue (1-1000).",
  }),
  queueRetentionDays: configKey(
    integer(
      1,
      13,
      "days (SQS keeps messages at most 14 days, and the dead-letter queue must keep them longer)",
    ),
    {
      default: 4,
      description:
        "Days the payments queue keeps messages (1-13); its dead-letter queue keeps them 14, SQS's longest, since a dead letter keeps its original enqueue time.",
    },
  ),
  sweeperMinAgeSeconds: configKey(integer(300, 86_400, "seconds"), {
    default: 900,
    description:
      "300-86400: the sweeper re-queues a payment still RECEIVED this long after it was accepted (a lost message, a region that could not be drained).",
  }),
  healthCheckIntervalSeconds: configKey(
    z.literal([10, 30], {
      error: "must be 10 (fast) or 30: the only intervals Route 53 health checks offer",
    }),
    {
      default: 10,
      description:
        "Interval of the Route 53 health checks on each region's /health: 10 (fast) or 30. Cannot change after creation (the checks are replaced).",
    },
  ),
  healthCheckFailureThreshold: configKey(integer(1, 10, "consecutive failed checks"), {
    default: 2,
    description:
      "Consecutive failed checks (1-10) before Route 53 moves traffic away from a region.",
  }),
  healthCheckRegions: configKey(
    z
      .array(
        z.enum(HEALTH_CHECKER_REGIONS, {
          error: `must list Route 53 health-checker regions: ${HEALTH_CHECKER_REGIONS.join(", ")}`,
        }),
      )
      .min(3, { error: "must list at least 3 regions (Route 53's minimum)" }),
    {
      default: ["us-east-1", "us-west-2", "eu-west-1"],
      description: "Route 53 health-checker regions probing each region's API (at least 3).",
    },
  ),
  failoverRecordTtlSeconds: configKey(integer(5, 300, "seconds"), {
    default: 60,
    description:
      "TTL of the api.<zone> failover records, seconds (5-300): how long resolvers may keep answering with a failed region.",
  }),
  rtoTrafficSeconds: configKey(integer(30, 3_600, "seconds"), {
    default: 90,
    description:
      "Target for the worst-case traffic failover, seconds. The plan computes the worst case from the health checks and records; a stack policy fails the preview when it exceeds the target.",
  }),
  rpoSeconds: configKey(integer(0, 3_600, "seconds"), {
    default: 5,
    description:
      "Target for the payment stores' recovery point (the payments table and the ledger), seconds. The plan computes it from the table's replica mode and the replication alarms; a stack policy fails the preview when it exceeds the target.",
  }),
  estimatedPaymentsPerMonth: configKey(integer(0, 10_000_000_000, "payments a month"), {
    default: 1_000_000,
    description:
      "Payments a month the plan's cost estimate assumes for its usage-based items (API requests, writes, workflow transitions, ...; model/cost.ts states the work per payment).",
  }),
  monthlyCostBudgetUsd: configKey(integer(0, 100_000_000, "US dollars a month"), {
    default: 0,
    description:
      "Monthly budget in USD the advisory policy monthly-cost-budget compares the plan's cost estimate with; 0 for none.",
  }),
  eventBridgeGlobalEndpoint: configKey(z.boolean(), {
    default: false,
    description:
      "Create an EventBridge global endpoint over both regions' payment buses (failover on the primary's API health check, events replicated). For producers that publish through the endpoint; documented RTO/RPO 360-420 s.",
  }),
  automaticWriteFailover: configKey(z.boolean(), {
    default: false,
    description:
      "Let the failover orchestrator start the write-path runbook on its own when the other region's region-impaired alarm fires (unplanned failover). Off: an operator decides.",
  }),
  arcRoutingControls: configKey(z.boolean(), {
    default: false,
    description:
      'Add Route 53 ARC routing controls (cluster, control panel, one control per region, safety rule "at least one on") to the failover records; the runbook flips them. About 2.50 USD an hour for the cluster; the control API is in us-west-2.',
  }),
  failoverIncidentWindowSeconds: configKey(integer(60, 86_400, "seconds"), {
    default: 900,
    description:
      "60-86400: signals within one window are one incident; the orchestrator starts at most one runbook execution per window (deterministic execution name).",
  }),
  alarmEvaluationPeriods: configKey(integer(1, 60, "one-minute periods"), {
    default: 3,
    description:
      "Consecutive one-minute periods (1-60) a metric must breach before an alarm fires.",
  }),
  alarmApi5xxPercent: configKey(integer(1, 100, "percent of requests"), {
    default: 1,
    description: "API 5xx responses, percent of requests per minute, that alarm.",
  }),
  alarmApiP99LatencyMs: configKey(integer(100, 29_000, "milliseconds"), {
    default: 2000,
    description: "API p99 latency in milliseconds that alarms.",
  }),
  alarmWorkflowFailuresPerMinute: configKey(integer(1, 100_000, "failed executions"), {
    default: 10,
    description: "Failed payment workflow executions per minute (declines included) that alarm.",
  }),
  alarmDynamodbReplicationLatencyMs: configKey(integer(100, 3_600_000, "milliseconds"), {
    default: 5000,
    description: "DynamoDB replication latency to the other region, milliseconds, that alarms.",
  }),
  alarmAuroraRpoLagMs: configKey(integer(100, 3_600_000, "milliseconds"), {
    default: 1000,
    description: "Aurora AuroraGlobalDBRPOLag in milliseconds that alarms (1 s by design).",
  }),
  alarmAuroraReplicationLagMs: configKey(integer(100, 3_600_000, "milliseconds"), {
    default: 2000,
    description: "Aurora AuroraGlobalDBReplicationLag in milliseconds that alarms.",
  }),
  // S3 Replication Time Control replicates 99.99 % of objects within 15 minutes.
  alarmS3ReplicationLatencySeconds: configKey(integer(60, 86_400, "seconds"), {
    default: 900,
    description:
      "S3 receipts replication latency in seconds that alarms (RTC's 15 minutes by default).",
  }),
});

export type ConfigKey = keyof typeof keys.shape;

/** The types Pulumi.yaml can declare for a config key. */
export type PulumiConfigType = "string" | "integer" | "boolean" | "array";

/** A key's declaration in Pulumi.yaml's `config:` block, in the order Pulumi.yaml writes it. */
export interface ConfigDeclaration {
  readonly type: PulumiConfigType;
  readonly items?: { readonly type: PulumiConfigType };
  readonly default?: unknown;
  readonly description: string;
}

/** The Pulumi type of a key's values, read off its schema: what the CLI checks them against. */
function pulumiTypeOf(key: string, schema: z.core.$ZodType): PulumiConfigType {
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum) {
    return "string";
  }
  // Pulumi config has no fractions: every number is an integer key.
  if (
    schema instanceof z.ZodNumber ||
    (schema instanceof z.ZodLiteral && [...schema.values].every(Number.isInteger))
  ) {
    return "integer";
  }
  if (schema instanceof z.ZodBoolean) {
    return "boolean";
  }
  if (schema instanceof z.ZodArray) {
    return "array";
  }
  throw new Error(`config key ${key}: a ${schema._zod.def.type} schema has no Pulumi.yaml type`);
}

function declarationOf(key: ConfigKey): ConfigDeclaration {
  const schema = keys.shape[key];
  const doc = keyDocs.get(schema);
  if (doc === undefined) {
    throw new Error(`config key ${key} is not declared with configKey() (no description)`);
  }
  const optional = schema instanceof z.ZodOptional;
  if (optional && doc.default !== undefined) {
    throw new Error(`config key ${key} is optional: its default is the empty string`);
  }
  const values = optional ? schema.unwrap() : schema;
  const defaultValue = optional ? "" : doc.default;
  return {
    type: pulumiTypeOf(key, values),
    ...(values instanceof z.ZodArray ? { items: { type: pulumiTypeOf(key, values.element) } } : {}),
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    description: doc.description,
  };
}

const CONFIG_KEY_LIST = Object.keys(keys.shape) as ConfigKey[];

/** One value per config key, in the schema's order. */
function perKey<V>(value: (key: ConfigKey) => V): Readonly<Record<ConfigKey, V>> {
  const entries = CONFIG_KEY_LIST.map((key) => [key, value(key)]);
  return Object.freeze(Object.fromEntries(entries) as Record<ConfigKey, V>);
}

/** Pulumi.yaml's `config:` block, derived from the schema (a test keeps Pulumi.yaml in step). */
export const CONFIG_DECLARATIONS = perKey(declarationOf);

/** The config keys of this project and their Pulumi.yaml types. */
export const CONFIG_KEYS = perKey((key) => CONFIG_DECLARATIONS[key].type);

/** Keys whose empty value means "not set" (their Pulumi.yaml default is the empty string). */
const OPTIONAL_KEYS: ReadonlySet<ConfigKey> = new Set(
  CONFIG_KEY_LIST.filter((key) => keys.shape[key] instanceof z.ZodOptional),
);

/**
 * Rules between keys. Zod checks them after the keys themselves, unless a key failed outright (a
 * wrong type, or a value outside an enum or literal); a key that failed a refinement does not stop
 * them.
 */
const validated = keys.superRefine((c, ctx) => {
  const fail = (key: ConfigKey, message: string) =>
    ctx.addIssue({ code: "custom", path: [key], message });
  if (c.primaryRegion === c.secondaryRegion) {
    fail(
      "secondaryRegion",
      "must differ from primaryRegion: a standby in the same region is no standby",
    );
  }
  if (c.production && c.allowedAccountIds.length === 0) {
    fail("allowedAccountIds", "must list the AWS account ids a production stack may deploy to");
  }
  if (c.production && !c.protectData) {
    fail("protectData", "must be true in a production stack: its data stores are protected");
  }
  const [primaryNet, secondaryNet] = [cidrRange(c.primaryVpcCidr), cidrRange(c.secondaryVpcCidr)];
  if (
    primaryNet &&
    secondaryNet &&
    primaryNet[0] <= secondaryNet[1] &&
    secondaryNet[0] <= primaryNet[1]
  ) {
    fail(
      "secondaryVpcCidr",
      `overlaps primaryVpcCidr ${c.primaryVpcCidr}: the regions' networks must not overlap`,
    );
  }
  if (c.dynamodbConsistency === "strong") {
    const regions = [c.primaryRegion, c.secondaryRegion, c.dynamodbWitnessRegion];
    const set = STRONG_CONSISTENCY_REGION_SETS.find((s) =>
      regions.every((r) => r !== undefined && s.includes(r)),
    );
    if (c.dynamodbWitnessRegion === undefined) {
      fail(
        "dynamodbWitnessRegion",
        "is required when dynamodbConsistency is strong (a third region that witnesses writes)",
      );
    } else if (
      c.dynamodbWitnessRegion === c.primaryRegion ||
      c.dynamodbWitnessRegion === c.secondaryRegion
    ) {
      fail(
        "dynamodbWitnessRegion",
        "must be a third region, neither primaryRegion nor secondaryRegion",
      );
    } else if (set === undefined) {
      fail(
        "dynamodbWitnessRegion",
        `must share a strong-consistency region set with primaryRegion and secondaryRegion: ${STRONG_CONSISTENCY_REGION_SETS.map((s) => s.join("/")).join("; ")}`,
      );
    }
  } else if (c.dynamodbWitnessRegion !== undefined) {
    fail("dynamodbWitnessRegion", "is only used when dynamodbConsistency is strong");
  }
  const accepted = Object.keys(amountsByCurrency(c.paymentLimits)).sort().join(",");
  const limited = Object.keys(amountsByCurrency(c.velocityAmountLimits)).sort().join(",");
  const wellFormed = [...c.paymentLimits, ...c.velocityAmountLimits].every((p) =>
    CURRENCY_AMOUNT.test(p),
  );
  if (wellFormed && accepted !== limited) {
    fail(
      "velocityAmountLimits",
      `must name the same currencies as paymentLimits (${accepted.replace(/,/g, ", ")})`,
    );
  }
  if (c.highValueAmounts.every((p) => CURRENCY_AMOUNT.test(p))) {
    const highValue = amountsByCurrency(c.highValueAmounts);
    const unknown = Object.keys(highValue).filter(
      (currency) => !accepted.split(",").includes(currency),
    );
    if (wellFormed && accepted !== "" && unknown.length > 0) {
      fail(
        "highValueAmounts",
        `names ${unknown.join(", ")}, which paymentLimits does not accept (${accepted.replace(/,/g, ", ")})`,
      );
    }
    // EventBridge compares numbers between -5.0e9 and 5.0e9 (Amazon EventBridge User Guide,
    // "Numeric matching": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-numeric-matching).
    const over = Object.entries(highValue).filter(([, amount]) => amount > HIGH_VALUE_MAX);
    if (over.length > 0) {
      fail(
        "highValueAmounts",
        `${over.map(([currency, amount]) => `${currency}:${amount}`).join(", ")} is over ${HIGH_VALUE_MAX}, the largest number an EventBridge rule compares`,
      );
    }
  }
  const configured = [
    c.authorizeReservedConcurrency,
    c.apiReservedConcurrency,
    c.processorReservedConcurrency,
    c.lambdaConcurrencyQuota,
  ];
  // Only reservations inside their own ranges: one outside has its own problem already.
  const reservationsValid =
    configured.every((n) => Number.isInteger(n) && n >= 1) &&
    configured.slice(0, 3).every((n) => n <= 900) &&
    c.processorReservedConcurrency >= 4 &&
    c.lambdaConcurrencyQuota >= 10;
  if (reservationsValid) {
    // The primary reserves the most: it also runs the ledger's migration and rotation.
    const reserved = reservedConcurrencyByFunction(c, "primary");
    const total = Object.values(reserved).reduce((sum, n) => sum + n, 0);
    if (total > c.lambdaConcurrencyQuota - UNRESERVED_CONCURRENCY) {
      fail(
        "lambdaConcurrencyQuota",
        `leaves ${c.lambdaConcurrencyQuota - UNRESERVED_CONCURRENCY} concurrent executions to reserve after Lambda's ${UNRESERVED_CONCURRENCY} unreserved, but the primary region's ${Object.keys(reserved).length} functions reserve ${total} (${Object.entries(
          reserved,
        )
          .map(([name, n]) => `${name} ${n}`)
          .join(
            ", ",
          )}); raise the account's quota (Service Quotas ${LAMBDA_CONCURRENCY_QUOTA_CODE}) to at least ${total + UNRESERVED_CONCURRENCY} in both regions and set this key to it, or lower the *ReservedConcurrency keys`,
      );
    }
    const reads = flagReadsPerSecond(reserved);
    const throughput = c.parameterStoreHighThroughput
      ? PARAMETER_STORE_TPS.high
      : PARAMETER_STORE_TPS.standard;
    if (reads > throughput * PARAMETER_STORE_SHARE) {
      fail(
        "parameterStoreHighThroughput",
        `is ${c.parameterStoreHighThroughput}, but at full concurrency the region's functions could read the active-region flag ${reads} times a second (one read per environment every ${ACTIVE_REGION_CACHE_MS / 1000} s), over half of Parameter Store's ${throughput} a second; set it to true (a paid, account-wide setting) or lower the *ReservedConcurrency keys`,
      );
    }
  }
  if (c.production && c.wafRateLimit < c.apiThrottleRateLimit * WAF_EVALUATION_WINDOW_SECONDS) {
    fail(
      "wafRateLimit",
      `blocks a client IP after ${c.wafRateLimit} requests in ${WAF_EVALUATION_WINDOW_SECONDS} s, but the stage takes ${c.apiThrottleRateLimit} a second (${c.apiThrottleRateLimit * WAF_EVALUATION_WINDOW_SECONDS} in ${WAF_EVALUATION_WINDOW_SECONDS} s): a merchant behind one NAT address would be blocked at the stage's own rate; set it to at least ${c.apiThrottleRateLimit * WAF_EVALUATION_WINDOW_SECONDS}`,
    );
  }
  if (c.processorBatchSize > 10 && c.processorBatchWindowSeconds === 0) {
    fail(
      "processorBatchSize",
      "is over 10, which SQS event sources allow only with processorBatchWindowSeconds of at least 1",
    );
  }
  if (c.apiThrottleBurstLimit < c.apiThrottleRateLimit) {
    fail(
      "apiThrottleBurstLimit",
      `must be at least apiThrottleRateLimit (${c.apiThrottleRateLimit}): a burst smaller than one second of the rate throttles steady traffic`,
    );
  }
  if (c.production && c.availabilityZoneCount < 3) {
    fail("availabilityZoneCount", "must be at least 3 in a production stack");
  }
  for (const role of ["primary", "secondary"] as const) {
    const cidr = role === "primary" ? c.primaryVpcCidr : c.secondaryVpcCidr;
    if (cidrRange(cidr) === undefined || !Number.isInteger(c.availabilityZoneCount)) {
      continue;
    }
    const layout = subnetLayout(
      Number(cidr.split("/")[1]),
      c.availabilityZoneCount,
      c.natGateways !== "none",
    );
    const problem = subnetLayoutProblem(layout);
    if (problem !== undefined) {
      fail(
        "availabilityZoneCount",
        `cannot be carved from ${role}VpcCidr ${cidr} with natGateways ${c.natGateways}: ${problem} ("Subnets are too large for VPC"); use at most 4 zones with NAT gateways, or natGateways none`,
      );
      break;
    }
  }
  for (const key of ["primaryRegion", "secondaryRegion"] as const) {
    for (const gap of serviceGapsOf(c[key])) {
      fail(key, `${c[key]} does not offer ${gap.service}, which ${gap.usedBy} (${gap.page})`);
    }
  }
});

interface StackContext {
  readonly project: string;
  readonly stack: string;
}

/** The validated keys in the shape the program uses, for one stack of one project. */
function stackConfigSchema(context: StackContext) {
  return validated.transform((c) => {
    // Always set: parseStackConfig puts the stack name in place of an unset environment.
    const environment = c.environment ?? context.stack;
    const tags: Record<RequiredTagKey, string> = {
      Environment: environment,
      Application: context.project,
      Owner: c.owner,
      CostCenter: c.costCenter,
      DataClassification: c.dataClassification,
    };
    const healthCheckRegions: readonly string[] = c.healthCheckRegions;
    return {
      project: context.project,
      stack: context.stack,
      environment,
      production: c.production,
      protectData: c.protectData,
      namePrefix: c.namePrefix,
      regions: { primary: c.primaryRegion, secondary: c.secondaryRegion },
      dnsZoneName: c.dnsZoneName,
      alertEmail: c.alertEmail,
      allowedAccountIds: c.allowedAccountIds,
      tags,
      availabilityZoneCount: c.availabilityZoneCount,
      backupRetentionDays: c.backupRetentionDays,
      logRetentionDays: c.logRetentionDays,
      vpcCidrs: { primary: c.primaryVpcCidr, secondary: c.secondaryVpcCidr },
      natGateways: c.natGateways,
      interfaceEndpoints: c.interfaceEndpoints,
      pitrRecoveryDays: c.pitrRecoveryDays,
      receiptsInfrequentAccessDays: c.receiptsInfrequentAccessDays,
      noncurrentVersionExpirationDays: c.noncurrentVersionExpirationDays,
      dynamodb: {
        consistency: c.dynamodbConsistency,
        /** The witness region of strong consistency; undefined in eventual mode. */
        witnessRegion: c.dynamodbWitnessRegion,
      },
      /** The authorization rules of the payment workflow (handlers/authorize.ts). */
      authorization: {
        /** Largest single payment per accepted currency, minor units; the keys are the accepted set. */
        maxAmountMinor: amountsByCurrency(c.paymentLimits),
        velocity: {
          windowSeconds: c.velocityWindowSeconds,
          maxPayments: c.velocityMaxPayments,
          maxAmountMinor: amountsByCurrency(c.velocityAmountLimits),
        },
      },
      /** Completed payments at or above these amounts notify the high-value topic. */
      highValueAmountMinor: amountsByCurrency(c.highValueAmounts),
      /** Lambda concurrency: the account's quota in both regions. */
      lambdaConcurrencyQuota: c.lambdaConcurrencyQuota,
      /** Parameter Store's higher throughput, turned on in both regions. */
      parameterStoreHighThroughput: c.parameterStoreHighThroughput,
      authorizeFunction: {
        timeoutSeconds: c.authorizeTimeoutSeconds,
        reservedConcurrency: c.authorizeReservedConcurrency,
      },
      aurora: {
        engineVersion: c.auroraEngineVersion,
        instanceClass: c.auroraInstanceClass,
        maxCapacity: c.auroraMaxCapacity,
        /** Days between rotations of the writer credentials (handlers/ledger-credentials.ts). */
        credentialsRotationDays: c.ledgerCredentialsRotationDays,
      },
      /** An existing public hosted zone for dnsZoneName; undefined: the program creates the zone. */
      hostedZoneId: c.hostedZoneId,
      api: {
        throttleRateLimit: c.apiThrottleRateLimit,
        throttleBurstLimit: c.apiThrottleBurstLimit,
        /** Requests per 5 minutes per client IP before WAF blocks (production stacks). */
        wafRateLimit: c.wafRateLimit,
        timeoutSeconds: c.apiTimeoutSeconds,
        reservedConcurrency: c.apiReservedConcurrency,
        /** The tokenization provider's token prefix: the only payment methods accepted. */
        tokenPrefix: c.paymentTokenPrefix,
        /** Seconds API Gateway caches an API key's authorization (0: none). */
        authorizerCacheSeconds: c.authorizerCacheSeconds,
        /** The truststore (a PEM file in the project) of mutual TLS on api.<zone>; undefined: off. */
        mutualTlsTruststore: c.mutualTlsTruststore,
      },
      processor: {
        timeoutSeconds: c.processorTimeoutSeconds,
        reservedConcurrency: c.processorReservedConcurrency,
        batchSize: c.processorBatchSize,
        batchWindowSeconds: c.processorBatchWindowSeconds,
      },
      /** The sweeper (components/compute/sweeper.ts). */
      sweeper: { minAgeSeconds: c.sweeperMinAgeSeconds },
      queue: {
        maxReceiveCount: c.queueMaxReceiveCount,
        retentionDays: c.queueRetentionDays,
      },
      /** The Route 53 health checks that move traffic between the regions. */
      healthChecks: {
        intervalSeconds: c.healthCheckIntervalSeconds,
        failureThreshold: c.healthCheckFailureThreshold,
        regions: healthCheckRegions,
      },
      /** TTL of the `api.<zone>` failover records: how long resolvers may keep a failed region. */
      failoverRecordTtlSeconds: c.failoverRecordTtlSeconds,
      /** An EventBridge global endpoint over the two regions' payment buses. */
      eventBridgeGlobalEndpoint: c.eventBridgeGlobalEndpoint,
      /** ARC routing controls (a cluster of five regional endpoints) as the traffic switch. */
      arcRoutingControls: c.arcRoutingControls,
      /** The failover orchestrator's rules. */
      writeFailover: {
        /** A critical alarm of the active region starts the runbook without a person. */
        automatic: c.automaticWriteFailover,
        /** Signals within one window are one incident, and start at most one runbook execution. */
        incidentWindowSeconds: c.failoverIncidentWindowSeconds,
      },
      /** Thresholds of the failover tier's alarms; each alarm looks at 1-minute periods. */
      alarms: {
        evaluationPeriods: c.alarmEvaluationPeriods,
        api5xxPercent: c.alarmApi5xxPercent,
        apiP99LatencyMs: c.alarmApiP99LatencyMs,
        workflowFailuresPerMinute: c.alarmWorkflowFailuresPerMinute,
        dynamodbReplicationLatencyMs: c.alarmDynamodbReplicationLatencyMs,
        auroraRpoLagMs: c.alarmAuroraRpoLagMs,
        auroraReplicationLagMs: c.alarmAuroraReplicationLagMs,
        s3ReplicationLatencySeconds: c.alarmS3ReplicationLatencySeconds,
      },
      /** Recovery objectives the plan's budget must meet (the recovery-objectives policy). */
      targets: { rtoTrafficSeconds: c.rtoTrafficSeconds, rpoSeconds: c.rpoSeconds },
      cost: {
        paymentsPerMonth: c.estimatedPaymentsPerMonth,
        budgetUsd: c.monthlyCostBudgetUsd === 0 ? undefined : c.monthlyCostBudgetUsd,
      },
    };
  });
}

/** `T` with every property, at every depth, read-only: what deepFreeze makes of it. */
type Frozen<T> = T extends readonly (infer E)[]
  ? readonly Frozen<E>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

export type StackConfig = Frozen<z.output<ReturnType<typeof stackConfigSchema>>>;

type Typed = Partial<Record<ConfigKey, unknown>>;

function qualified(project: string, key: string): string {
  return `${project}:${key}`;
}

/** Converts raw strings to the Pulumi.yaml types, as the Pulumi CLI would. */
function typeValues(raw: RawConfig, project: string, problems: string[]): Typed {
  const typed: Typed = {};
  for (const key of CONFIG_KEY_LIST) {
    const type = CONFIG_KEYS[key];
    const value = raw[key];
    const name = qualified(project, key);
    if (value === undefined || (value === "" && OPTIONAL_KEYS.has(key))) {
      if (!OPTIONAL_KEYS.has(key)) {
        problems.push(`${name} is required (pulumi config set ${key} <value>)`);
      }
      continue;
    }
    if (type === "integer") {
      if (!/^-?\d+$/.test(value.trim())) {
        problems.push(`${name} = ${JSON.stringify(value)}: must be an integer`);
        continue;
      }
      typed[key] = Number(value);
    } else if (type === "boolean") {
      if (value !== "true" && value !== "false") {
        problems.push(`${name} = ${JSON.stringify(value)}: must be true or false`);
        continue;
      }
      typed[key] = value === "true";
    } else if (type === "array") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed)) {
        problems.push(`${name} = ${JSON.stringify(value)}: must be a list`);
        continue;
      }
      typed[key] = parsed;
    } else {
      typed[key] = value;
    }
  }
  return typed;
}

function deepFreeze<T>(value: T): Frozen<T> {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value as Frozen<T>;
}

/** Edit distance between two keys, case-insensitive (a misspelling's distance to the key). */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[y.length];
}

/** The declared key nearest to an unknown one, when it is near enough to be what was meant. */
export function nearestConfigKey(unknown: string): ConfigKey | undefined {
  const [best] = CONFIG_KEY_LIST.map((key) => ({ key, d: distance(unknown, key) })).sort(
    (a, b) => a.d - b.d,
  );
  return best !== undefined && best.d <= Math.max(2, Math.floor(unknown.length / 4))
    ? best.key
    : undefined;
}

/** Keys the stack sets that this project does not declare: a misspelling silently ignored. */
function unknownKeyProblems(raw: RawConfig, project: string): string[] {
  return Object.keys(raw)
    .filter(
      (key) => raw[key] !== undefined && !(CONFIG_KEY_LIST as readonly string[]).includes(key),
    )
    .sort()
    .map((key) => {
      const nearest = nearestConfigKey(key);
      return `${qualified(project, key)} is not a configuration key of this project${nearest === undefined ? "" : `; did you mean ${nearest}?`} (Pulumi.yaml lists them)`;
    });
}

/** Validates raw stack configuration. Throws a ConfigError listing every problem at once. */
export function parseStackConfig(raw: RawConfig, context: StackContext): StackConfig {
  const problems: string[] = unknownKeyProblems(raw, context.project);
  const environment =
    raw.environment === undefined || raw.environment === "" ? context.stack : raw.environment;
  const typed = typeValues({ ...raw, environment }, context.project, problems);
  if (problems.length > 0) {
    throw new ConfigError(context.stack, problems);
  }
  const result = stackConfigSchema(context).safeParse(typed);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0]);
      const value = typed[key as ConfigKey];
      const name = qualified(context.project, key);
      problems.push(
        value === undefined
          ? `${name} ${issue.message}`
          : `${name} = ${JSON.stringify(value)}: ${issue.message}`,
      );
    }
    throw new ConfigError(context.stack, problems);
  }
  return deepFreeze(result.data);
}
