/**
 * Stack configuration: read once, validated in one place, returned typed and frozen.
 *
 * Pulumi.yaml declares every key (type, description, default); this module turns the raw values
 * into a `StackConfig` and rejects anything AWS or this program cannot use, before a single
 * resource is registered, with messages that name the key, the value and what is allowed.
 */
import { z } from "zod";
import { dnsNameProblem } from "./dns";
import { AWS_REGIONS, type AwsRegion, isAwsRegion } from "./regions";
import type { RequiredTagKey } from "./tags";

/** The config keys of this project and their Pulumi.yaml types (a test keeps them in step). */
export const CONFIG_KEYS = {
  primaryRegion: "string",
  secondaryRegion: "string",
  environment: "string",
  production: "boolean",
  protectData: "boolean",
  namePrefix: "string",
  dnsZoneName: "string",
  alertEmail: "string",
  allowedAccountIds: "array",
  owner: "string",
  costCenter: "string",
  dataClassification: "string",
  availabilityZoneCount: "integer",
  backupRetentionDays: "integer",
  logRetentionDays: "integer",
  primaryVpcCidr: "string",
  secondaryVpcCidr: "string",
  natGateways: "string",
  pitrRecoveryDays: "integer",
  receiptsInfrequentAccessDays: "integer",
  noncurrentVersionExpirationDays: "integer",
  auroraEngineVersion: "string",
  auroraInstanceClass: "string",
  auroraMaxCapacity: "integer",
  dynamodbConsistency: "string",
  dynamodbWitnessRegion: "string",
  paymentLimits: "array",
  velocityAmountLimits: "array",
  velocityWindowSeconds: "integer",
  velocityMaxPayments: "integer",
  authorizeTimeoutSeconds: "integer",
  authorizeReservedConcurrency: "integer",
  hostedZoneId: "string",
  apiThrottleRateLimit: "integer",
  apiThrottleBurstLimit: "integer",
  wafRateLimit: "integer",
  apiTimeoutSeconds: "integer",
  apiReservedConcurrency: "integer",
  processorTimeoutSeconds: "integer",
  processorReservedConcurrency: "integer",
  processorBatchSize: "integer",
  processorBatchWindowSeconds: "integer",
  queueMaxReceiveCount: "integer",
  queueRetentionDays: "integer",
  healthCheckIntervalSeconds: "integer",
  healthCheckFailureThreshold: "integer",
  healthCheckRegions: "array",
  failoverRecordTtlSeconds: "integer",
  rtoTrafficSeconds: "integer",
  rpoSeconds: "integer",
  eventBridgeGlobalEndpoint: "boolean",
  automaticWriteFailover: "boolean",
  arcRoutingControls: "boolean",
  failoverIncidentWindowSeconds: "integer",
  alarmEvaluationPeriods: "integer",
  alarmApi5xxPercent: "integer",
  alarmApiP99LatencyMs: "integer",
  alarmWorkflowFailuresPerMinute: "integer",
  alarmDynamodbReplicationLatencyMs: "integer",
  alarmAuroraRpoLagMs: "integer",
  alarmAuroraReplicationLagMs: "integer",
  alarmS3ReplicationLatencySeconds: "integer",
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** Keys whose empty value means "not set" (their Pulumi.yaml default is the empty string). */
const OPTIONAL_KEYS: ReadonlySet<ConfigKey> = new Set([
  "alertEmail",
  "environment",
  "dynamodbWitnessRegion",
  "hostedZoneId",
]);

/** Reserved concurrency of the health endpoint's function: probes take well under 100 ms each. */
export const HEALTH_RESERVED_CONCURRENCY = 5;
/** The failover functions: one runbook runs at a time, and one orchestrator decision at a time. */
export const FAILOVER_STEPS_RESERVED_CONCURRENCY = 2;
export const FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY = 1;
/** What every region reserves besides the configured functions. */
const FIXED_RESERVED_CONCURRENCY =
  HEALTH_RESERVED_CONCURRENCY +
  FAILOVER_STEPS_RESERVED_CONCURRENCY +
  FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY;

/** Concurrent executions a region's account keeps free for everything else (Lambda's rule). */
const UNRESERVED_CONCURRENCY = 100;
const ACCOUNT_CONCURRENCY = 1_000;

export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;

/** How the private subnets reach AWS services: VPC endpoints only, or also through NAT gateways. */
export const NAT_STRATEGIES = ["none", "single", "onePerAz"] as const;
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

export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  readonly environment: string;
  readonly production: boolean;
  readonly protectData: boolean;
  readonly namePrefix: string;
  readonly regions: { readonly primary: AwsRegion; readonly secondary: AwsRegion };
  readonly dnsZoneName: string;
  readonly alertEmail: string | undefined;
  readonly allowedAccountIds: readonly string[];
  readonly tags: Readonly<Record<RequiredTagKey, string>>;
  readonly availabilityZoneCount: number;
  readonly backupRetentionDays: number;
  readonly logRetentionDays: number;
  readonly vpcCidrs: { readonly primary: string; readonly secondary: string };
  readonly natGateways: NatStrategy;
  readonly pitrRecoveryDays: number;
  readonly receiptsInfrequentAccessDays: number;
  readonly noncurrentVersionExpirationDays: number;
  readonly dynamodb: {
    readonly consistency: DynamodbConsistency;
    /** The witness region of strong consistency; undefined in eventual mode. */
    readonly witnessRegion: AwsRegion | undefined;
  };
  /** The authorization rules of the payment workflow (handlers/authorize.ts). */
  readonly authorization: {
    /** Largest single payment per accepted currency, minor units; the keys are the accepted set. */
    readonly maxAmountMinor: Readonly<Record<string, number>>;
    readonly velocity: {
      readonly windowSeconds: number;
      readonly maxPayments: number;
      readonly maxAmountMinor: Readonly<Record<string, number>>;
    };
  };
  readonly authorizeFunction: {
    readonly timeoutSeconds: number;
    readonly reservedConcurrency: number;
  };
  readonly aurora: {
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly maxCapacity: number;
  };
  /** An existing public hosted zone for dnsZoneName; undefined: the program creates the zone. */
  readonly hostedZoneId: string | undefined;
  readonly api: {
    readonly throttleRateLimit: number;
    readonly throttleBurstLimit: number;
    /** Requests per 5 minutes per client IP before WAF blocks (production stacks). */
    readonly wafRateLimit: number;
    readonly timeoutSeconds: number;
    readonly reservedConcurrency: number;
  };
  readonly processor: {
    readonly timeoutSeconds: number;
    readonly reservedConcurrency: number;
    readonly batchSize: number;
    readonly batchWindowSeconds: number;
  };
  readonly queue: {
    readonly maxReceiveCount: number;
    readonly retentionDays: number;
  };
  /** The Route 53 health checks that move traffic between the regions. */
  readonly healthChecks: {
    readonly intervalSeconds: 10 | 30;
    readonly failureThreshold: number;
    readonly regions: readonly string[];
  };
  /** TTL of the `api.<zone>` failover records: how long resolvers may keep a failed region. */
  readonly failoverRecordTtlSeconds: number;
  /** An EventBridge global endpoint over the two regions' payment buses. */
  readonly eventBridgeGlobalEndpoint: boolean;
  /** ARC routing controls (a cluster of five regional endpoints) as the traffic switch. */
  readonly arcRoutingControls: boolean;
  /** The failover orchestrator's rules. */
  readonly writeFailover: {
    /** A critical alarm of the active region starts the runbook without a person. */
    readonly automatic: boolean;
    /** Signals within one window are one incident, and start at most one runbook execution. */
    readonly incidentWindowSeconds: number;
  };
  /** Thresholds of the failover tier's alarms; each alarm looks at 1-minute periods. */
  readonly alarms: {
    readonly evaluationPeriods: number;
    readonly api5xxPercent: number;
    readonly apiP99LatencyMs: number;
    readonly workflowFailuresPerMinute: number;
    readonly dynamodbReplicationLatencyMs: number;
    readonly auroraRpoLagMs: number;
    readonly auroraReplicationLagMs: number;
    readonly s3ReplicationLatencySeconds: number;
  };
  /** Recovery objectives the plan's budget must meet (the recovery-objectives policy). */
  readonly targets: { readonly rtoTrafficSeconds: number; readonly rpoSeconds: number };
}

/** Raw values by bare key, as Pulumi hands them to the program: strings, arrays as JSON. */
export type RawConfig = Readonly<Partial<Record<ConfigKey, string>>>;

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

const region = z.string().refine(isAwsRegion, {
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

function amountsByCurrency(pairs: readonly string[]): Record<string, number> {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, 3), Number(pair.slice(4))]));
}

const integer = (min: number, max: number, unit: string) =>
  z
    .number()
    .int({ error: `must be a whole number of ${unit}` })
    .min(min, { error: `must be between ${min} and ${max} ${unit}` })
    .max(max, { error: `must be between ${min} and ${max} ${unit}` });

const schema = z
  .object({
    primaryRegion: region,
    secondaryRegion: region,
    environment: nameSegment("it is part of every physical name"),
    production: z.boolean(),
    protectData: z.boolean(),
    namePrefix: nameSegment("it prefixes every physical name"),
    dnsZoneName: dnsName,
    alertEmail: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s.]+$/, { error: "is not an e-mail address" })
      .optional(),
    allowedAccountIds: z.array(
      z.string().regex(/^\d{12}$/, { error: "must list 12-digit AWS account ids" }),
    ),
    owner: tagValue("Owner"),
    costCenter: tagValue("CostCenter"),
    dataClassification: z.enum(DATA_CLASSIFICATIONS, {
      error: `must be one of ${DATA_CLASSIFICATIONS.join(", ")}`,
    }),
    availabilityZoneCount: integer(2, 6, "availability zones"),
    backupRetentionDays: integer(7, 35, "days (Aurora and AWS Backup limits)"),
    logRetentionDays: z
      .number()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        error: `is not a CloudWatch Logs retention; allowed: ${LOG_RETENTION_DAYS.join(", ")}`,
      }),
    primaryVpcCidr: vpcCidr,
    secondaryVpcCidr: vpcCidr,
    natGateways: z.enum(NAT_STRATEGIES, { error: `must be one of ${NAT_STRATEGIES.join(", ")}` }),
    pitrRecoveryDays: integer(1, 35, "days (DynamoDB point-in-time recovery)"),
    receiptsInfrequentAccessDays: integer(0, 3650, "days").refine((d) => d === 0 || d >= 30, {
      error:
        "must be 0 (no transition) or at least 30: S3 moves objects to STANDARD_IA after 30 days at the earliest",
    }),
    noncurrentVersionExpirationDays: integer(1, 3650, "days"),
    auroraEngineVersion: z.string().regex(/^\d+\.\d+$/, {
      error: "must be an Aurora PostgreSQL version such as 16.6 (the same in both regions)",
    }),
    auroraInstanceClass: z
      .string()
      .regex(/^db\.(serverless|[a-z][a-z0-9-]*\.[a-z0-9]+)$/, {
        error: "must be db.serverless or an instance class such as db.r6g.large",
      })
      .refine((c) => !c.startsWith("db.t"), {
        error: "is a T class, which the RDS Data API (used by the handlers) does not support",
      }),
    auroraMaxCapacity: integer(1, 256, "Aurora capacity units"),
    dynamodbConsistency: z.enum(DYNAMODB_CONSISTENCY, {
      error: `must be one of ${DYNAMODB_CONSISTENCY.join(", ")}`,
    }),
    dynamodbWitnessRegion: region.optional(),
    paymentLimits: currencyAmounts.min(1, { error: "must accept at least one currency" }),
    velocityAmountLimits: currencyAmounts,
    velocityWindowSeconds: integer(60, 86_400, "seconds"),
    velocityMaxPayments: integer(1, 1_000_000, "payments"),
    authorizeTimeoutSeconds: integer(1, 60, "seconds"),
    // The account keeps at least 100 of its default 1,000 concurrent executions unreserved.
    authorizeReservedConcurrency: integer(1, 900, "concurrent executions"),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, {
        error: "is not a Route 53 hosted zone id (Z followed by letters and digits)",
      })
      .optional(),
    apiThrottleRateLimit: integer(1, 10_000, "requests per second"),
    apiThrottleBurstLimit: integer(1, 5_000, "requests"),
    // WAF's rate-based rules take 10 to 2,000,000,000 requests per 5-minute window.
    wafRateLimit: integer(10, 2_000_000_000, "requests per 5 minutes"),
    // API Gateway gives up on an integration after 29 s.
    apiTimeoutSeconds: integer(1, 29, "seconds"),
    apiReservedConcurrency: integer(1, 900, "concurrent executions"),
    processorTimeoutSeconds: integer(1, 900, "seconds"),
    // SQS event sources scale to at least 2 concurrent batches.
    processorReservedConcurrency: integer(2, 900, "concurrent executions"),
    processorBatchSize: integer(1, 10_000, "messages"),
    processorBatchWindowSeconds: integer(0, 300, "seconds"),
    queueMaxReceiveCount: integer(1, 1_000, "receives"),
    queueRetentionDays: integer(1, 14, "days (SQS keeps messages 1 to 14 days)"),
    healthCheckIntervalSeconds: z.union([z.literal(10), z.literal(30)], {
      error: "must be 10 (fast) or 30: the only intervals Route 53 health checks offer",
    }),
    healthCheckFailureThreshold: integer(1, 10, "consecutive failed checks"),
    healthCheckRegions: z
      .array(
        z.enum(HEALTH_CHECKER_REGIONS, {
          error: `must list Route 53 health-checker regions: ${HEALTH_CHECKER_REGIONS.join(", ")}`,
        }),
      )
      .min(3, { error: "must list at least 3 regions (Route 53's minimum)" }),
    failoverRecordTtlSeconds: integer(5, 300, "seconds"),
    rtoTrafficSeconds: integer(30, 3_600, "seconds"),
    rpoSeconds: integer(0, 3_600, "seconds"),
    eventBridgeGlobalEndpoint: z.boolean(),
    automaticWriteFailover: z.boolean(),
    arcRoutingControls: z.boolean(),
    failoverIncidentWindowSeconds: integer(60, 86_400, "seconds"),
    alarmEvaluationPeriods: integer(1, 60, "one-minute periods"),
    alarmApi5xxPercent: integer(1, 100, "percent of requests"),
    alarmApiP99LatencyMs: integer(100, 29_000, "milliseconds"),
    alarmWorkflowFailuresPerMinute: integer(1, 100_000, "failed executions"),
    alarmDynamodbReplicationLatencyMs: integer(100, 3_600_000, "milliseconds"),
    alarmAuroraRpoLagMs: integer(100, 3_600_000, "milliseconds"),
    alarmAuroraReplicationLagMs: integer(100, 3_600_000, "milliseconds"),
    // S3 Replication Time Control replicates 99.99 % of objects within 15 minutes.
    alarmS3ReplicationLatencySeconds: integer(60, 86_400, "seconds"),
  })
  .superRefine((c, ctx) => {
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
    const reservations = [
      c.authorizeReservedConcurrency,
      c.apiReservedConcurrency,
      c.processorReservedConcurrency,
    ];
    const reserved = reservations.reduce((sum, n) => sum + n, FIXED_RESERVED_CONCURRENCY);
    const eachInRange = reservations.every((n) => Number.isInteger(n) && n >= 1 && n <= 900);
    if (eachInRange && reserved > ACCOUNT_CONCURRENCY - UNRESERVED_CONCURRENCY) {
      fail(
        "processorReservedConcurrency",
        `makes the region's functions reserve ${reserved} concurrent executions (authorize, api, processor and ${FIXED_RESERVED_CONCURRENCY} for health and failover); at most ${ACCOUNT_CONCURRENCY - UNRESERVED_CONCURRENCY} leaves ${UNRESERVED_CONCURRENCY} of the default ${ACCOUNT_CONCURRENCY} unreserved`,
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
  });

type Typed = Partial<Record<ConfigKey, unknown>>;

function qualified(project: string, key: string): string {
  return `${project}:${key}`;
}

/** Converts raw strings to the Pulumi.yaml types, as the Pulumi CLI would. */
function typeValues(raw: RawConfig, project: string, problems: string[]): Typed {
  const typed: Typed = {};
  for (const [key, type] of Object.entries(CONFIG_KEYS) as [ConfigKey, string][]) {
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

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Validates raw stack configuration. Throws a ConfigError listing every problem at once. */
export function parseStackConfig(
  raw: RawConfig,
  context: { readonly project: string; readonly stack: string },
): StackConfig {
  const problems: string[] = [];
  const environment =
    raw.environment === undefined || raw.environment === "" ? context.stack : raw.environment;
  const typed = typeValues({ ...raw, environment }, context.project, problems);
  if (problems.length > 0) {
    throw new ConfigError(context.stack, problems);
  }
  const result = schema.safeParse(typed);
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
  const c = result.data;
  return deepFreeze({
    project: context.project,
    stack: context.stack,
    environment: c.environment,
    production: c.production,
    protectData: c.protectData,
    namePrefix: c.namePrefix,
    regions: { primary: c.primaryRegion as AwsRegion, secondary: c.secondaryRegion as AwsRegion },
    dnsZoneName: c.dnsZoneName,
    alertEmail: c.alertEmail,
    allowedAccountIds: c.allowedAccountIds,
    tags: {
      Environment: c.environment,
      Application: context.project,
      Owner: c.owner,
      CostCenter: c.costCenter,
      DataClassification: c.dataClassification,
    },
    availabilityZoneCount: c.availabilityZoneCount,
    backupRetentionDays: c.backupRetentionDays,
    logRetentionDays: c.logRetentionDays,
    vpcCidrs: { primary: c.primaryVpcCidr, secondary: c.secondaryVpcCidr },
    natGateways: c.natGateways,
    pitrRecoveryDays: c.pitrRecoveryDays,
    receiptsInfrequentAccessDays: c.receiptsInfrequentAccessDays,
    noncurrentVersionExpirationDays: c.noncurrentVersionExpirationDays,
    dynamodb: {
      consistency: c.dynamodbConsistency,
      witnessRegion: c.dynamodbWitnessRegion as AwsRegion | undefined,
    },
    authorization: {
      maxAmountMinor: amountsByCurrency(c.paymentLimits),
      velocity: {
        windowSeconds: c.velocityWindowSeconds,
        maxPayments: c.velocityMaxPayments,
        maxAmountMinor: amountsByCurrency(c.velocityAmountLimits),
      },
    },
    authorizeFunction: {
      timeoutSeconds: c.authorizeTimeoutSeconds,
      reservedConcurrency: c.authorizeReservedConcurrency,
    },
    aurora: {
      engineVersion: c.auroraEngineVersion,
      instanceClass: c.auroraInstanceClass,
      maxCapacity: c.auroraMaxCapacity,
    },
    hostedZoneId: c.hostedZoneId,
    api: {
      throttleRateLimit: c.apiThrottleRateLimit,
      throttleBurstLimit: c.apiThrottleBurstLimit,
      wafRateLimit: c.wafRateLimit,
      timeoutSeconds: c.apiTimeoutSeconds,
      reservedConcurrency: c.apiReservedConcurrency,
    },
    processor: {
      timeoutSeconds: c.processorTimeoutSeconds,
      reservedConcurrency: c.processorReservedConcurrency,
      batchSize: c.processorBatchSize,
      batchWindowSeconds: c.processorBatchWindowSeconds,
    },
    queue: {
      maxReceiveCount: c.queueMaxReceiveCount,
      retentionDays: c.queueRetentionDays,
    },
    healthChecks: {
      intervalSeconds: c.healthCheckIntervalSeconds,
      failureThreshold: c.healthCheckFailureThreshold,
      regions: c.healthCheckRegions,
    },
    failoverRecordTtlSeconds: c.failoverRecordTtlSeconds,
    eventBridgeGlobalEndpoint: c.eventBridgeGlobalEndpoint,
    arcRoutingControls: c.arcRoutingControls,
    writeFailover: {
      automatic: c.automaticWriteFailover,
      incidentWindowSeconds: c.failoverIncidentWindowSeconds,
    },
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
    targets: { rtoTrafficSeconds: c.rtoTrafficSeconds, rpoSeconds: c.rpoSeconds },
  });
}
