/**
 * Physical AWS names: the one place that builds them and knows each service's limits.
 *
 * A name is `<prefix>-<environment>-<base>` (global: the same in every region) or
 * `<prefix>-<environment>-<base>-<region code>` (regional). A name that would exceed its
 * service's limit keeps its prefix, environment and region code and shortens the base, adding a
 * hash of the full name so that two long bases never collide. The same inputs always give the
 * same name.
 */
import { createHash } from "node:crypto";
import { AWS_REGIONS, type AwsRegion, regionCode } from "./regions";

export interface NameRule {
  readonly min: number;
  readonly max: number;
  /** The whole name, fixed prefix included, must match. */
  readonly pattern: RegExp;
  /** What the pattern allows, for messages. */
  readonly allowed: string;
  /** A fixed prefix the service requires (KMS aliases start with `alias/`). */
  readonly fixedPrefix?: string;
}

const ALNUM_HYPHEN_UNDERSCORE = "letters, digits, hyphens and underscores";

/** Service limits, from each service's API reference (CreateX › Name constraints). */
const RULES = {
  s3Bucket: {
    min: 3,
    max: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    allowed:
      "lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
  },
  iamRole: { min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, allowed: "letters, digits and +=,.@_-" },
  iamPolicy: { min: 1, max: 128, pattern: /^[\w+=,.@-]+$/, allowed: "letters, digits and +=,.@_-" },
  lambdaFunction: { min: 1, max: 64, pattern: /^[\w-]+$/, allowed: ALNUM_HYPHEN_UNDERSCORE },
  sqsQueue: {
    min: 1,
    max: 80,
    pattern: /^[\w-]+(\.fifo)?$/,
    allowed: `${ALNUM_HYPHEN_UNDERSCORE} (and a .fifo suffix)`,
  },
  sfnStateMachine: { min: 1, max: 80, pattern: /^[\w-]+$/, allowed: ALNUM_HYPHEN_UNDERSCORE },
  cloudwatchAlarm: { min: 1, max: 255, pattern: /^[ -~]+$/, allowed: "printable ASCII" },
  cloudwatchDashboard: { min: 1, max: 255, pattern: /^[\w-]+$/, allowed: ALNUM_HYPHEN_UNDERSCORE },
  logGroup: { min: 1, max: 512, pattern: /^[\w./#-]+$/, allowed: "letters, digits and ._-/#" },
  dynamodbTable: { min: 3, max: 255, pattern: /^[\w.-]+$/, allowed: "letters, digits and ._-" },
  snsTopic: { min: 1, max: 256, pattern: /^[\w-]+(\.fifo)?$/, allowed: ALNUM_HYPHEN_UNDERSCORE },
  kmsAlias: {
    min: 7,
    max: 256,
    pattern: /^alias\/(?!aws\/)[\w/-]+$/,
    allowed: "alias/ followed by letters, digits and /_- (not alias/aws/)",
    fixedPrefix: "alias/",
  },
  rdsCluster: {
    min: 1,
    max: 63,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lowercase letters, digits and single hyphens, starting with a letter",
  },
  rdsGlobalCluster: {
    min: 1,
    max: 255,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lowercase letters, digits and single hyphens, starting with a letter",
  },
  rdsInstance: {
    min: 1,
    max: 63,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lowercase letters, digits and single hyphens, starting with a letter",
  },
  secret: { min: 1, max: 512, pattern: /^[\w/+=.@-]+$/, allowed: "letters, digits and /_+=.@-" },
  backupVault: { min: 2, max: 50, pattern: /^[\w-]+$/, allowed: ALNUM_HYPHEN_UNDERSCORE },
  backupPlan: { min: 1, max: 50, pattern: /^[\w.-]+$/, allowed: "letters, digits and ._-" },
  eventBus: { min: 1, max: 256, pattern: /^[\w./-]+$/, allowed: "letters, digits and ._-/" },
  eventRule: { min: 1, max: 64, pattern: /^[\w.-]+$/, allowed: "letters, digits and ._-" },
  eventArchive: { min: 1, max: 48, pattern: /^[\w.-]+$/, allowed: "letters, digits and ._-" },
  ssmParameter: { min: 1, max: 2048, pattern: /^[\w./-]+$/, allowed: "letters, digits and ._-/" },
  eventEndpoint: { min: 1, max: 64, pattern: /^[\w.-]+$/, allowed: "letters, digits and ._-" },
  // EventBridge Scheduler CreateSchedule: Name 1-64 of [0-9a-zA-Z-_.].
  schedulerSchedule: { min: 1, max: 64, pattern: /^[\w.-]+$/, allowed: "letters, digits and ._-" },
  restApi: { min: 1, max: 128, pattern: /^[\w-]+$/, allowed: ALNUM_HYPHEN_UNDERSCORE },
  wafWebAcl: { min: 1, max: 128, pattern: /^[\w-]+$/, allowed: ALNUM_HYPHEN_UNDERSCORE },
  securityGroup: { min: 1, max: 255, pattern: /^[ -~]+$/, allowed: "printable ASCII" },
  nameTag: { min: 1, max: 256, pattern: /^[ -~]+$/, allowed: "printable ASCII" },
} as const satisfies Record<string, NameRule>;

export type NameKind = keyof typeof RULES;
export const NAME_RULES: Readonly<Record<NameKind, NameRule>> = RULES;

/** For each resource type with a physical name: the input that holds it, and its rule. */
export const PHYSICAL_NAME_INPUTS: Readonly<Record<string, { input: string; kind: NameKind }>> = {
  "aws:s3/bucket:Bucket": { input: "bucket", kind: "s3Bucket" },
  "aws:iam/role:Role": { input: "name", kind: "iamRole" },
  "aws:scheduler/schedule:Schedule": { input: "name", kind: "schedulerSchedule" },
  "aws:iam/policy:Policy": { input: "name", kind: "iamPolicy" },
  "aws:lambda/function:Function": { input: "name", kind: "lambdaFunction" },
  "aws:sqs/queue:Queue": { input: "name", kind: "sqsQueue" },
  "aws:sfn/stateMachine:StateMachine": { input: "name", kind: "sfnStateMachine" },
  "aws:cloudwatch/metricAlarm:MetricAlarm": { input: "name", kind: "cloudwatchAlarm" },
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": { input: "alarmName", kind: "cloudwatchAlarm" },
  "aws:cloudwatch/dashboard:Dashboard": { input: "dashboardName", kind: "cloudwatchDashboard" },
  "aws:cloudwatch/logGroup:LogGroup": { input: "name", kind: "logGroup" },
  "aws:dynamodb/table:Table": { input: "name", kind: "dynamodbTable" },
  "aws:sns/topic:Topic": { input: "name", kind: "snsTopic" },
  "aws:kms/alias:Alias": { input: "name", kind: "kmsAlias" },
  "aws:rds/cluster:Cluster": { input: "clusterIdentifier", kind: "rdsCluster" },
  "aws:rds/globalCluster:GlobalCluster": {
    input: "globalClusterIdentifier",
    kind: "rdsGlobalCluster",
  },
  "aws:rds/clusterInstance:ClusterInstance": { input: "identifier", kind: "rdsInstance" },
  "aws:secretsmanager/secret:Secret": { input: "name", kind: "secret" },
  "aws:backup/vault:Vault": { input: "name", kind: "backupVault" },
  "aws:backup/plan:Plan": { input: "name", kind: "backupPlan" },
  "aws:cloudwatch/eventBus:EventBus": { input: "name", kind: "eventBus" },
  "aws:cloudwatch/eventRule:EventRule": { input: "name", kind: "eventRule" },
  "aws:cloudwatch/eventArchive:EventArchive": { input: "name", kind: "eventArchive" },
  "aws:ssm/parameter:Parameter": { input: "name", kind: "ssmParameter" },
  "aws:wafv2/webAcl:WebAcl": { input: "name", kind: "wafWebAcl" },
  "aws:apigateway/restApi:RestApi": { input: "name", kind: "restApi" },
  "aws:cloudwatch/eventEndpoint:EventEndpoint": { input: "name", kind: "eventEndpoint" },
  "aws:ec2/securityGroup:SecurityGroup": { input: "name", kind: "securityGroup" },
};

/**
 * Pulumi's auto-name for a resource without an explicit name: the logical name plus a hyphen and
 * seven random characters.
 */
export const AUTONAME_SUFFIX_LENGTH = 8;

/** Why `name` breaks the rule of `kind`, or undefined when it fits. */
export function nameViolation(kind: NameKind, name: string): string | undefined {
  const rule = NAME_RULES[kind];
  if (name.length < rule.min || name.length > rule.max) {
    return `${kind} name "${name}" is ${name.length} characters; allowed ${rule.min}–${rule.max}`;
  }
  if (!rule.pattern.test(name)) {
    return `${kind} name "${name}" has characters ${kind} does not allow; allowed: ${rule.allowed}`;
  }
  return undefined;
}

const BASE_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const HASH_LENGTH = 6;

export interface NamingContext {
  /** Organisation prefix: keeps names in global namespaces (S3) unique to this company. */
  readonly prefix: string;
  readonly environment: string;
}

export class Namer {
  constructor(private readonly context: NamingContext) {}

  /** A name shared by every region (global table, global cluster, same-name event buses). */
  global(kind: NameKind, base: string): string {
    return this.build(kind, base, undefined);
  }

  /** A name unique to one region. */
  regional(kind: NameKind, base: string, region: AwsRegion): string {
    return this.build(kind, base, regionCode(region));
  }

  private build(kind: NameKind, base: string, suffix: string | undefined): string {
    if (!BASE_PATTERN.test(base)) {
      throw new Error(`name base "${base}" must be lowercase words joined by single hyphens`);
    }
    const rule = NAME_RULES[kind];
    const head = `${rule.fixedPrefix ?? ""}${this.context.prefix}-${this.context.environment}-`;
    const tail = suffix === undefined ? "" : `-${suffix}`;
    let name = `${head}${base}${tail}`;
    if (name.length > rule.max) {
      const hash = createHash("sha256").update(name).digest("hex").slice(0, HASH_LENGTH);
      const room = rule.max - head.length - tail.length - HASH_LENGTH - 1;
      if (room < 1) {
        throw new Error(`${kind} names cannot fit "${head}…${tail}" in ${rule.max} characters`);
      }
      name = `${head}${base.slice(0, room).replace(/-+$/, "")}-${hash}${tail}`;
    }
    const violation = nameViolation(kind, name);
    if (violation !== undefined) {
      throw new Error(violation);
    }
    return name;
  }
}

/**
 * The base name of each region's bucket of the mutual TLS truststore: a copy of a file of the
 * project made in every region, not data, so it is rebuilt from the file rather than replicated.
 */
export const TRUSTSTORE_BUCKET_BASE = "truststore";

/** Whether a bucket is a region's copy of a project file (the policy pack does not ask it to replicate). */
export function isRegionalCopyBucket(name: string): boolean {
  return AWS_REGIONS.some((region) =>
    name.endsWith(`-${TRUSTSTORE_BUCKET_BASE}-${regionCode(region)}`),
  );
}

/** The payment event bus's base name: the bus takes it, and the key policy names the bus by it. */
export const PAYMENT_EVENT_BUS = "payments";
