/**
 * Resilience: what keeps data recoverable and the payment path draining. Mandatory in
 * production; the dev stack's policy config (policy/config/dev.json) makes them advisory.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
  asArray,
  bucketName,
  type Props,
  record,
  resourcesOfType,
  text,
  typedPolicy,
} from "./support";
import { isRegionalCopyBucket } from "../model/naming";

export interface ResilienceConfig {
  /** Production stacks must protect data stores and keep deletion protection on. */
  readonly production?: boolean;
  /** Minimum days of Aurora automated backups. */
  readonly minimumBackupRetentionDays?: number;
}

const productionSchema = {
  production: { type: "boolean", default: true },
} as const;

export const DATA_STORE_TYPES = [
  "aws:dynamodb/table:Table",
  "aws:dynamodb/tableReplica:TableReplica",
  "aws:rds/cluster:Cluster",
  "aws:rds/globalCluster:GlobalCluster",
  "aws:s3/bucket:Bucket",
  "aws:kms/key:Key",
  "aws:kms/replicaKey:ReplicaKey",
  "aws:secretsmanager/secret:Secret",
  "aws:backup/vault:Vault",
];

export const VERSIONING_TYPES = [
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
];
export const REPLICATION_TYPE = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";

/** The managed policies aws.lambda.CallbackFunction attaches to the role it creates by default. */
export const CALLBACK_FUNCTION_DEFAULT_POLICIES = [
  "AWSLambda_FullAccess",
  "CloudWatchFullAccessV2",
  "CloudWatchEventsFullAccess",
  "AmazonS3FullAccess",
  "AmazonDynamoDBFullAccess",
  "AmazonSQSFullAccess",
  "AmazonKinesisFullAccess",
  "AmazonCognitoPowerUser",
  "AWSXrayWriteOnlyAccess",
].map((name) => `arn:aws:iam::aws:policy/${name}`);

export const dynamodbPitr = typedPolicy({
  name: "dynamodb-pitr",
  description: "DynamoDB tables keep point-in-time recovery on.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:dynamodb/table:Table": (props) =>
      record(props.pointInTimeRecovery).enabled === true
        ? undefined
        : "point-in-time recovery is off (pointInTimeRecovery.enabled)",
  },
});

export const auroraBackups = typedPolicy({
  name: "aurora-backups",
  description:
    "Aurora clusters keep automated backups for at least the configured days and, in production, deletion protection.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      ...productionSchema,
      minimumBackupRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 7 },
    },
  },
  checks: {
    "aws:rds/cluster:Cluster": (props, args) => {
      const { production = true, minimumBackupRetentionDays = 7 } =
        args.getConfig<ResilienceConfig>();
      const retention =
        typeof props.backupRetentionPeriod === "number" ? props.backupRetentionPeriod : 1;
      return [
        ...(retention < minimumBackupRetentionDays
          ? [
              `keeps automated backups ${retention} days; the minimum is ${minimumBackupRetentionDays}`,
            ]
          : []),
        ...(production && props.deletionProtection !== true
          ? ["deletion protection is off in a production stack (deletionProtection)"]
          : []),
      ];
    },
    "aws:rds/globalCluster:GlobalCluster": (props, args) =>
      (args.getConfig<ResilienceConfig>().production ?? true) && props.deletionProtection !== true
        ? "deletion protection is off in a production stack (deletionProtection)"
        : undefined,
  },
});

export const dataStoresProtected = typedPolicy({
  name: "data-stores-protected",
  description:
    "In production, data stores (tables, clusters, buckets, keys, secrets, backup vaults) carry Pulumi's protect option, so no update can delete them; a region's copy of a project file (the mutual TLS truststore) is not a data store.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { ...productionSchema } },
  checks: Object.fromEntries(
    DATA_STORE_TYPES.map((type) => [
      type,
      (props: Props, args) =>
        (args.getConfig<ResilienceConfig>().production ?? true) &&
        !args.opts.protect &&
        !(type === "aws:s3/bucket:Bucket" && isRegionalCopyBucket(text(props.bucket) ?? ""))
          ? "is a data store without protect: true in a production stack"
          : undefined,
    ]),
  ),
});

function versioned(resources: readonly PolicyResource[], bucket: string | undefined): boolean {
  return resourcesOfType(resources, ...VERSIONING_TYPES).some(
    (v) =>
      text(v.props.bucket) === bucket &&
      record(v.props.versioningConfiguration).status === "Enabled",
  );
}

export const s3Versioning: StackValidationPolicy = {
  name: "s3-versioning",
  description:
    "Every S3 bucket keeps versioning enabled (recovery from overwrites; a precondition of replication).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    for (const bucket of resourcesOfType(resources, "aws:s3/bucket:Bucket")) {
      if (!versioned(resources, bucketName(bucket))) {
        reportViolation(
          `bucket ${bucketName(bucket) ?? bucket.name} does not have versioning enabled`,
          bucket.urn,
        );
      }
    }
  },
};

export const s3ReplicationRtc: StackValidationPolicy = {
  name: "s3-replication-rtc",
  description:
    "Every S3 bucket replicates to the other region with Replication Time Control (15 minutes) and replication metrics, except a region's copy of a project file (the mutual TLS truststore).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const configs = resourcesOfType(resources, REPLICATION_TYPE);
    for (const bucket of resourcesOfType(resources, "aws:s3/bucket:Bucket")) {
      const name = bucketName(bucket) ?? bucket.name;
      if (isRegionalCopyBucket(name)) {
        continue;
      }
      const config = configs.find((c) => text(c.props.bucket) === bucketName(bucket));
      if (config === undefined) {
        reportViolation(
          `bucket ${name} is not replicated (no replication configuration)`,
          bucket.urn,
        );
        continue;
      }
      asArray(config.props.rules as Props[] | undefined).forEach((rule, i) => {
        const destination = record(rule.destination);
        const time = record(destination.replicationTime);
        if (time.status !== "Enabled" || record(time.time).minutes !== 15) {
          reportViolation(
            `bucket ${name}: replication rule ${i + 1} has no Replication Time Control (replicationTime 15 minutes)`,
            config.urn,
          );
        }
        if (record(destination.metrics).status !== "Enabled") {
          reportViolation(
            `bucket ${name}: replication rule ${i + 1} has no replication metrics`,
            config.urn,
          );
        }
      });
    }
  },
};

function queueName(queue: PolicyResource): string | undefined {
  return text(queue.props.name);
}

/** Queue names a metric alarm watches (single metric or metric math). */
function alarmedQueues(alarm: PolicyResource): string[] {
  const metrics = [
    alarm.props,
    ...asArray(alarm.props.metricQueries as Props[] | undefined).map((q) => record(q.metric)),
  ];
  return metrics
    .filter((m) => m.namespace === "AWS/SQS")
    .map((m) => text(record(m.dimensions).QueueName))
    .filter((name): name is string => name !== undefined);
}

export const sqsDeadLetterQueues: StackValidationPolicy = {
  name: "sqs-dead-letter-queues",
  description:
    "Every SQS queue sends poison messages to a dead-letter queue, and every dead-letter queue has an alarm.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const queues = resourcesOfType(resources, "aws:sqs/queue:Queue");
    const deadLetterArns = new Set(
      queues
        .map((q) => text(record(q.props.redrivePolicy).deadLetterTargetArn))
        .filter((arn) => arn !== undefined),
    );
    const watched = new Set(
      resourcesOfType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").flatMap(alarmedQueues),
    );
    for (const queue of queues) {
      const name = queueName(queue) ?? queue.name;
      const arn = text(queue.props.arn);
      if (arn !== undefined && deadLetterArns.has(arn)) {
        if (!watched.has(name)) {
          reportViolation(`dead-letter queue ${name} has no CloudWatch alarm`, queue.urn);
        }
      } else if (text(record(queue.props.redrivePolicy).deadLetterTargetArn) === undefined) {
        reportViolation(
          `queue ${name} has no dead-letter queue (redrivePolicy.deadLetterTargetArn)`,
          queue.urn,
        );
      }
    }
  },
};

export const lambdaExplicitRole: StackValidationPolicy = {
  name: "lambda-explicit-role",
  description:
    "Lambda functions run with an explicit least-privilege role, not the role CallbackFunction creates by default (nine broad managed policies).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const roles = resourcesOfType(resources, "aws:iam/role:Role");
    const attachments = resourcesOfType(
      resources,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    );
    for (const fn of resourcesOfType(resources, "aws:lambda/function:Function")) {
      const role = roles.find((r) => text(r.props.arn) === text(fn.props.role));
      const isDefault = attachments.some(
        (a) =>
          text(a.props.role) === text(role?.props.name) &&
          CALLBACK_FUNCTION_DEFAULT_POLICIES.includes(String(a.props.policyArn)),
      );
      if (role !== undefined && isDefault) {
        reportViolation(
          `function ${String(fn.props.name ?? fn.name)} uses CallbackFunction's default role ${String(role.props.name)}; pass an explicit least-privilege role`,
          fn.urn,
        );
      }
    }
  },
};

export const lambdaReservedConcurrency = typedPolicy({
  name: "lambda-reserved-concurrency",
  description:
    "Lambda functions reserve concurrency, so one function cannot starve the others (or the standby region's).",
  enforcementLevel: "mandatory",
  checks: {
    "aws:lambda/function:Function": (props) =>
      typeof props.reservedConcurrentExecutions === "number" &&
      props.reservedConcurrentExecutions >= 1
        ? undefined
        : "reserves no concurrency (reservedConcurrentExecutions ≥ 1)",
  },
});

export const lambdaTimeoutWithinVisibility: StackValidationPolicy = {
  name: "lambda-timeout-within-visibility",
  description:
    "A Lambda function consuming an SQS queue times out before the queue's visibility timeout, so no message is processed twice at once.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const queues = resourcesOfType(resources, "aws:sqs/queue:Queue");
    const functions = resourcesOfType(resources, "aws:lambda/function:Function");
    for (const mapping of resourcesOfType(
      resources,
      "aws:lambda/eventSourceMapping:EventSourceMapping",
    )) {
      const queue = queues.find((q) => text(q.props.arn) === text(mapping.props.eventSourceArn));
      const target = text(mapping.props.functionName);
      const fn = functions.find(
        (f) => target !== undefined && [text(f.props.name), text(f.props.arn)].includes(target),
      );
      if (queue === undefined || fn === undefined) {
        continue;
      }
      const timeout = typeof fn.props.timeout === "number" ? fn.props.timeout : 3;
      const visibility =
        typeof queue.props.visibilityTimeoutSeconds === "number"
          ? queue.props.visibilityTimeoutSeconds
          : 30;
      if (timeout > visibility) {
        reportViolation(
          `function ${String(fn.props.name)} times out after ${timeout} s but queue ${String(queue.props.name)} hides a message for ${visibility} s`,
          mapping.urn,
        );
      }
    }
  },
};

export const resiliencePolicies = [
  dynamodbPitr,
  auroraBackups,
  dataStoresProtected,
  s3Versioning,
  s3ReplicationRtc,
  sqsDeadLetterQueues,
  lambdaExplicitRole,
  lambdaReservedConcurrency,
  lambdaTimeoutWithinVisibility,
];
