/**
 * The access inventory: every request to AWS the program causes, derived from the plan, each with
 * the AWS page that documents it, for the access judge (./access-judge.ts) to decide.
 *
 * - Handlers: the SDK commands in each function's deployed code (the `__index.js` CallbackFunction
 *   serializes), as IAM actions, on the resources the function's environment (or the payloads the
 *   plan's state machines send it) names. Which variable names which resource is the one table
 *   written by hand (`HANDLERS`), one entry per command of each handler shell, as the shells'
 *   headers document their environment; a command with no entry is a gap, so nothing is skipped.
 * - State machines: the `Resource` of every Task of every deployed definition (Parallel and Map
 *   branches included), as the Step Functions integration pages name their IAM actions, plus what
 *   Step Functions does with the machine's role (logging, X-Ray, the machine's key).
 * - Services acting for the program: role assumption, invocations of functions, deliveries to
 *   topics, the keys they encrypt with, replication, backups, monitoring — per resource of the plan.
 *
 * Requests AWS makes with the caller's identity because of another request (a queue's key for
 * SendMessage, a secret's key for GetSecretValue, the secret the Data API reads) follow each call.
 * Every resource type of the plan is either a source of requests here or listed with the reason
 * it makes none (`QUIET_TYPES`); a type in neither is a gap.
 */
import type { Evaluation, RecordedResource } from "../engine/engine";
import type { AccessCall } from "./access-judge";

export interface Inventory {
  readonly calls: readonly AccessCall[];
  /** What could not be derived: a command, Task or resource the inventory cannot turn into calls. */
  readonly gaps: readonly string[];
  /** Commands in a handler's code that its entry point never sends, with the reason. */
  readonly unreachable: readonly string[];
}

/** The Service Authorization Reference page of each IAM service prefix the program uses. */
const SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference";
const SERVICE_AUTHORIZATION: Readonly<Record<string, string>> = {
  backup: `${SAR}/list_awsbackup.html`,
  cloudwatch: `${SAR}/list_amazoncloudwatch.html`,
  dynamodb: `${SAR}/list_amazondynamodb.html`,
  ec2: `${SAR}/list_amazonec2.html`,
  events: `${SAR}/list_amazoneventbridge.html`,
  kms: `${SAR}/list_awskeymanagementservice.html`,
  lambda: `${SAR}/list_awslambda.html`,
  logs: `${SAR}/list_amazoncloudwatchlogs.html`,
  rds: `${SAR}/list_amazonrds.html`,
  "rds-data": `${SAR}/list_amazonrdsdataapi.html`,
  "route53-recovery-cluster": `${SAR}/list_amazonroute53recoverycluster.html`,
  s3: `${SAR}/list_amazons3.html`,
  secretsmanager: `${SAR}/list_awssecretsmanager.html`,
  sns: `${SAR}/list_amazonsns.html`,
  sqs: `${SAR}/list_amazonsqs.html`,
  ssm: `${SAR}/list_awssystemsmanager.html`,
  states: `${SAR}/list_awsstepfunctions.html`,
  sts: `${SAR}/list_awssecuritytokenservice.html`,
  xray: `${SAR}/list_awsx-ray.html`,
};

/** The pages each kind of request is documented on. */
export const PAGES = {
  sqsKeys:
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html",
  sqsBatch:
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html",
  secretKeys:
    "https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html",
  dataApi: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.access.html",
  snsKeys: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
  s3Keys: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
  s3BucketKeys: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html",
  dynamodbKeys: "https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html",
  parameterKeys:
    "https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html",
  sfnIntegrations:
    "https://docs.aws.amazon.com/step-functions/latest/dg/service-integration-iam-templates.html",
  sfnSdk: "https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html",
  sfnLogs: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html",
  sfnXray: "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html",
  sfnKeys: "https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html",
  sfnRole:
    "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html#prevent-cross-service-confused-deputy",
  auroraGlobalSwitch:
    "https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_aurora.html",
  lambdaRole: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
  lambdaLogs: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
  lambdaVpc: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
  lambdaEnvironment:
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html",
  lambdaSqs: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
  lambdaApiGateway: "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway.html",
  lambdaSns: "https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html",
  rotationPermissions:
    "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html",
  scheduler: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html",
  logsKeys: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
  busKeys: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html",
  archiveKeys: "https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html",
  eventTargets:
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html",
  alarmActions:
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-sns-notifications.html",
  replication:
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html",
  replicationKeys:
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html",
  backupRole: "https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html",
  backupPolicy:
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBackupServiceRolePolicyForBackup.html",
  backupS3Policy:
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBackupServiceRolePolicyForS3Backup.html",
  rdsMonitoring:
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html",
  rdsMonitoringPolicy:
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonRDSEnhancedMonitoringRole.html",
  apiLogs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
  apiLogsPolicy:
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html",
  executeApiArn:
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html",
} as const;

const MANAGED = {
  backup: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  backupS3: "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
  rdsMonitoring: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
  apiLogs: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
} as const;

class InventoryGap extends Error {}

function gap(message: string): never {
  throw new InventoryGap(message);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The plan, indexed for the lookups the inventory makes. */
class Plan {
  readonly account: string;
  private readonly byArn = new Map<string, RecordedResource>();

  constructor(readonly evaluation: Evaluation) {
    const roles = this.of("aws:iam/role:Role");
    this.account =
      evaluation.config.allowedAccountIds[0] ?? str(roles[0]?.outputs.arn).split(":")[4] ?? "";
    for (const resource of evaluation.resources) {
      const arn = str(resource.outputs.arn);
      if (arn !== "" && resource.custom && !this.byArn.has(arn)) {
        this.byArn.set(arn, resource);
      }
    }
  }

  of(type: string): RecordedResource[] {
    return this.evaluation.resources.filter((r) => r.type === type);
  }

  withArn(arn: string, type?: string): RecordedResource | undefined {
    const found = this.byArn.get(arn);
    return type === undefined || found?.type === type ? found : undefined;
  }

  arn(service: string, region: string, resource: string): string {
    return `arn:aws:${service}:${region}:${this.account}:${resource}`;
  }

  parameter(region: string, name: string): string {
    return this.arn("ssm", region, `parameter/${name.replace(/^\//, "")}`);
  }

  table(region: string, name: string): string {
    return this.arn("dynamodb", region, `table/${name}`);
  }

  /** A queue's ARN from its URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
  queue(url: string): string {
    const [, , host, account, name] = url.split("/");
    if (host === undefined || name === undefined) {
      gap(`${url} is no queue URL`);
    }
    return `arn:aws:sqs:${host.split(".")[1]}:${account}:${name}`;
  }

  globalCluster(identifier: string): string {
    return `arn:aws:rds::${this.account}:global-cluster:${identifier}`;
  }

  eventSourceMapping(region: string, uuid: string): string {
    return this.arn("lambda", region, `event-source-mapping:${uuid}`);
  }

  function(nameOrArn: string, region: string): string {
    return nameOrArn.startsWith("arn:")
      ? nameOrArn.split(":").slice(0, 7).join(":")
      : this.arn("lambda", region, `function:${nameOrArn}`);
  }

  bus(nameOrArn: string, region: string): string {
    return nameOrArn.startsWith("arn:")
      ? nameOrArn
      : this.arn("events", region, `event-bus/${nameOrArn || "default"}`);
  }

  logGroup(region: string, name: string): string {
    return this.arn("logs", region, `log-group:${name}`);
  }

  /** The customer managed key a resource names (an ARN), or undefined for an AWS managed key. */
  key(value: unknown, what: string): string | undefined {
    const key = str(value);
    if (key === "" || key.startsWith("alias/aws/")) {
      return undefined;
    }
    if (!/^arn:aws:kms:[^:]+:\d+:key\//.test(key)) {
      gap(`${what} names its key as ${key}: the inventory needs the key's ARN`);
    }
    return key;
  }

  /** The key a queue encrypts with (its kmsMasterKeyId), or undefined. */
  queueKey(queueArn: string): string | undefined {
    const queue = this.withArn(queueArn, "aws:sqs/queue:Queue");
    return queue === undefined
      ? gap(`no queue ${queueArn} in the plan`)
      : this.key(queue.rawInputs.kmsMasterKeyId, queueArn);
  }

  topicKey(topicArn: string): string | undefined {
    const topic = this.withArn(topicArn, "aws:sns/topic:Topic");
    return topic === undefined
      ? gap(`no topic ${topicArn} in the plan`)
      : this.key(topic.rawInputs.kmsMasterKeyId, topicArn);
  }

  /** A secret's key in the secret's region: the primary's kmsKeyId, or its replica's. */
  secretKey(secretArn: string): string | undefined {
    const region = secretArn.split(":")[3];
    for (const secret of this.of("aws:secretsmanager/secret:Secret")) {
      const arn = str(secret.outputs.arn);
      if (arn === secretArn) {
        return this.key(secret.rawInputs.kmsKeyId, secretArn);
      }
      if (arn.replace(`:${secret.region ?? ""}:`, `:${region}:`) === secretArn) {
        const replica = (
          secret.rawInputs.replicas as { region: string; kmsKeyId?: string }[] | undefined
        )?.find((r) => r.region === region);
        if (replica !== undefined) {
          return this.key(replica.kmsKeyId, secretArn);
        }
      }
    }
    return gap(`no secret ${secretArn} in the plan`);
  }

  /** The default encryption key of a bucket (SSE-KMS), and whether S3 Bucket Keys are on. */
  bucketKey(bucket: string): { key: string; bucketKey: boolean } | undefined {
    const config = this.of(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ).find((c) => c.rawInputs.bucket === bucket);
    const rule = (
      config?.rawInputs.rules as
        | {
            applyServerSideEncryptionByDefault?: { kmsMasterKeyId?: string; sseAlgorithm?: string };
            bucketKeyEnabled?: boolean;
          }[]
        | undefined
    )?.[0];
    const key = this.key(rule?.applyServerSideEncryptionByDefault?.kmsMasterKeyId, bucket);
    return key === undefined ? undefined : { key, bucketKey: rule?.bucketKeyEnabled === true };
  }
}

/** One request of a call's list, before it becomes an AccessCall. */
interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly page?: string;
  readonly why?: string;
  /** The secret an RDS Data API statement names (the Data API reads it as the caller). */
  readonly secret?: string;
}

/**
 * The requests AWS makes with the caller's identity because of one request: a queue's, topic's,
 * bucket's or secret's customer managed key, and the secret the RDS Data API reads.
 */
function followUps(plan: Plan, request: Request): Request[] {
  const [service, action] = request.action.split(":");
  const region = request.resource.split(":")[3];
  const kms = (
    key: string | undefined,
    actions: string[],
    context: Record<string, string>,
    page: string,
    why: string,
  ) =>
    key === undefined
      ? []
      : actions.map((a): Request => ({ action: a, resource: key, context, page, why }));
  switch (`${service}:${action}`) {
    // Producers need GenerateDataKey and Decrypt, consumers Decrypt, on the queue's key; SQS asks
    // KMS through itself with the queue's ARN as encryption context.
    case "sqs:SendMessage":
    case "sqs:ReceiveMessage": {
      const context = {
        "kms:ViaService": `sqs.${region}.amazonaws.com`,
        "kms:EncryptionContext:aws:sqs:arn": request.resource,
      };
      return kms(
        plan.queueKey(request.resource),
        action === "SendMessage" ? ["kms:GenerateDataKey", "kms:Decrypt"] : ["kms:Decrypt"],
        context,
        PAGES.sqsKeys,
        `the queue's key, for ${request.action}`,
      );
    }
    // A publisher to an encrypted topic needs GenerateDataKey and Decrypt on its key.
    case "sns:Publish":
      return kms(
        plan.topicKey(request.resource),
        ["kms:GenerateDataKey", "kms:Decrypt"],
        { "kms:ViaService": `sns.${region}.amazonaws.com` },
        PAGES.snsKeys,
        "the topic's key, for sns:Publish",
      );
    // Secrets Manager decrypts (GetSecretValue) and encrypts (PutSecretValue) a secret's value
    // with the caller's permissions on its key, the secret's ARN as encryption context.
    case "secretsmanager:GetSecretValue":
    case "secretsmanager:PutSecretValue":
      return kms(
        plan.secretKey(request.resource),
        action === "GetSecretValue" ? ["kms:Decrypt"] : ["kms:GenerateDataKey"],
        {
          "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
          "kms:EncryptionContext:SecretARN": request.resource,
        },
        PAGES.secretKeys,
        `the secret's key, for ${request.action}`,
      );
    // The Data API reads the statement's secret with the caller's credentials.
    case "rds-data:ExecuteStatement": {
      if (request.secret === undefined) {
        return gap(`${request.resource}: rds-data:ExecuteStatement without the secret it reads`);
      }
      const read: Request = {
        action: "secretsmanager:GetSecretValue",
        resource: request.secret,
        page: PAGES.dataApi,
        why: "the Data API reads the statement's secret as the caller",
      };
      return [read, ...followUps(plan, read)];
    }
    // SSE-KMS: a PutObject has S3 generate a data key with the writer's permissions; with S3
    // Bucket Keys the encryption context is the bucket's ARN.
    case "s3:PutObject": {
      const bucket = request.resource.slice("arn:aws:s3:::".length).split("/")[0];
      const found = plan.bucketKey(bucket);
      const bucketRegion = plan
        .of("aws:s3/bucket:Bucket")
        .find((b) => b.outputs.bucket === bucket)?.region;
      return found === undefined
        ? []
        : kms(
            found.key,
            ["kms:GenerateDataKey"],
            {
              "kms:ViaService": `s3.${bucketRegion ?? ""}.amazonaws.com`,
              "kms:EncryptionContext:aws:s3:arn": found.bucketKey
                ? `arn:aws:s3:::${bucket}`
                : request.resource,
            },
            found.bucketKey ? PAGES.s3BucketKeys : PAGES.s3Keys,
            "the bucket's default key, for s3:PutObject",
          );
    }
    // A SecureString parameter is decrypted (GetParameter) and encrypted (PutParameter) with the
    // caller's permissions on its key, through Parameter Store, its ARN as encryption context.
    case "ssm:GetParameter":
    case "ssm:PutParameter": {
      const parameter = plan.withArn(request.resource, "aws:ssm/parameter:Parameter");
      if (parameter === undefined) {
        return gap(`no parameter ${request.resource} in the plan`);
      }
      return parameter.rawInputs.type !== "SecureString"
        ? []
        : kms(
            plan.key(parameter.rawInputs.keyId, request.resource),
            action === "GetParameter" ? ["kms:Decrypt"] : ["kms:Encrypt"],
            {
              "kms:ViaService": `ssm.${region}.amazonaws.com`,
              "kms:EncryptionContext:PARAMETER_ARN": request.resource,
            },
            PAGES.parameterKeys,
            `the parameter's key, for ${request.action}`,
          );
    }
    default:
      // DynamoDB tables under a customer managed key are read and written through grants
      // DynamoDB holds; callers need no KMS permission (PAGES.dynamodbKeys).
      return [];
  }
}

// -------------------------------------------------------------------------------------------------
// Handlers

/** A deployed function, as the inventory reads it. */
interface FunctionView {
  readonly resource: RecordedResource;
  readonly arn: string;
  readonly region: string;
  readonly role: string;
  readonly env: Readonly<Record<string, string>>;
  readonly code: string;
  readonly handler: string;
  /** The static payloads state machines' Tasks send it, with the sending machine's ARN. */
  readonly payloads: readonly {
    readonly payload: Record<string, unknown>;
    readonly from: string;
  }[];
}

interface Target {
  readonly resource: string;
  /** The secret an RDS Data API statement names. */
  readonly secret?: string;
}

/** The resources a command acts on, or why this plan gives it none. */
type Resolver = (fn: FunctionView, plan: Plan) => readonly Target[] | { readonly none: string };

interface Unreachable {
  readonly unreachable: string;
}

function env(fn: FunctionView, name: string): string {
  const value = fn.env[name];
  return value === undefined || value === ""
    ? gap(`${fn.resource.name}: its code reads ${name}, which its environment does not set`)
    : value;
}

const inRegion =
  (make: (plan: Plan, region: string, value: string) => string) =>
  (...names: string[]): Resolver =>
  (fn, plan) =>
    names.map((name) => ({ resource: make(plan, fn.region, env(fn, name)) }));

const parameterOf = inRegion((plan, region, name) => plan.parameter(region, name));
const tableOf = inRegion((plan, region, name) => plan.table(region, name));
const arnOf = inRegion((_plan, _region, arn) => arn);
const queueOf = inRegion((plan, _region, url) => plan.queue(url));

/** A Data API statement on the cluster `clusterVar` names, with the secret `secretVar` names. */
const statementOn =
  (clusterVar: string, secretVar: string): Resolver =>
  (fn) => [{ resource: env(fn, clusterVar), secret: env(fn, secretVar) }];

/**
 * A Query's resources: the indexes the code names (`IndexName: <literal or constant>`, the
 * constant resolved in the serialized code), on the table the environment names.
 */
const indexesOf =
  (tableVar: string): Resolver =>
  (fn, plan) => {
    const table = plan.table(fn.region, env(fn, tableVar));
    const names = [...fn.code.matchAll(/IndexName:\s*([^,\n}]+)/g)].map(([, expression]) => {
      const literal = /^["'](.+)["']$/.exec(expression.trim())?.[1];
      if (literal !== undefined) {
        return literal;
      }
      const constant = new RegExp(
        `${expression.trim().replace(/[.$]/g, "\\$&")} = "([^"]+)";`,
      ).exec(fn.code)?.[1];
      return constant ?? gap(`${fn.resource.name}: cannot resolve IndexName ${expression.trim()}`);
    });
    return names.length === 0
      ? [{ resource: table }]
      : [...new Set(names)].map((index) => ({ resource: `${table}/index/${index}` }));
  };

/** Resources from the payloads of Tasks that send `action` to the function. */
const fromPayloads =
  (
    action: string,
    pick: (
      payload: Record<string, unknown>,
      fn: FunctionView,
      plan: Plan,
      from: string,
    ) => string[],
  ): Resolver =>
  (fn, plan) => {
    const payloads = fn.payloads.filter((p) => p.payload.action === action);
    return payloads.length === 0
      ? { none: `no Task of the plan sends it "${action}"` }
      : payloads.flatMap(({ payload, from }) =>
          pick(payload, fn, plan, from).map((resource) => ({ resource })),
        );
  };

/** The rotation function's secrets: those whose rotation names it (event.SecretId). */
const rotatedSecrets: Resolver = (fn, plan) => {
  const secrets = plan
    .of("aws:secretsmanager/secretRotation:SecretRotation")
    .filter((r) => plan.function(str(r.rawInputs.rotationLambdaArn), r.region ?? "") === fn.arn)
    .map((r) => ({ resource: str(r.rawInputs.secretId) }));
  return secrets.length === 0 ? { none: "no secret's rotation names the function" } : secrets;
};

/** The ledger's Data API targets: LEDGER_TARGETS ([{ region, clusterArn, secretArn }]). */
function ledgerTargets(fn: FunctionView): { clusterArn: string; secretArn: string }[] {
  return JSON.parse(env(fn, "LEDGER_TARGETS")) as { clusterArn: string; secretArn: string }[];
}

const both =
  (...resolvers: Resolver[]): Resolver =>
  (fn, plan) => {
    const results = resolvers.map((r) => r(fn, plan));
    const targets = results.flatMap((r) => ("none" in r ? [] : r));
    return targets.length > 0
      ? targets
      : { none: results.map((r) => ("none" in r ? r.none : "")).join("; ") };
  };

/** The payload value as a string list (a field that must be present). */
function field(payload: Record<string, unknown>, name: string): string[] {
  const value = payload[name];
  const values = (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === "string",
  );
  return values.length > 0
    ? values
    : gap(`a payload's ${name} is not static: ${JSON.stringify(value)}`);
}

/**
 * What each handler's commands act on, by its entry point (the serialized `exports.handler`). The
 * environment variables are those each shell's header documents; a command the entry point cannot
 * reach is listed with the reason, so the judge neither misses nor invents it.
 */
const HANDLERS: Readonly<Record<string, Readonly<Record<string, Resolver | Unreachable>>>> = {
  paymentsApiHandler: {
    "ssm:GetParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "secretsmanager:GetSecretValue": arnOf("PAYMENT_ID_SECRET_ARN"),
    "dynamodb:GetItem": tableOf("PAYMENTS_TABLE"),
    "dynamodb:PutItem": tableOf("PAYMENTS_TABLE"),
    "dynamodb:UpdateItem": tableOf("PAYMENTS_TABLE"),
    "sqs:SendMessage": queueOf("PAYMENTS_QUEUE_URL"),
  },
  merchantAuthorizerHandler: {
    "secretsmanager:GetSecretValue": arnOf("PEPPER_SECRET_ARN"),
    "dynamodb:GetItem": tableOf("MERCHANTS_TABLE"),
  },
  authorizeHandler: {
    "ssm:GetParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "dynamodb:Query": indexesOf("PAYMENTS_TABLE"),
  },
  healthHandler: {
    "ssm:GetParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "dynamodb:GetItem": tableOf("PAYMENTS_TABLE"),
    "rds-data:ExecuteStatement": statementOn("LEDGER_CLUSTER_ARN", "LEDGER_SECRET_ARN"),
  },
  sweeperHandler: {
    "ssm:GetParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "dynamodb:Query": indexesOf("PAYMENTS_TABLE"),
    "dynamodb:UpdateItem": tableOf("PAYMENTS_TABLE"),
    "sqs:SendMessage": queueOf("PAYMENTS_QUEUE_URL"),
    "rds-data:ExecuteStatement": statementOn("LEDGER_CLUSTER_ARN", "LEDGER_SECRET_ARN"),
  },
  paymentsProcessorHandler: {
    "ssm:GetParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "rds-data:ExecuteStatement": statementOn("LEDGER_CLUSTER_ARN", "LEDGER_SECRET_ARN"),
    "states:StartExecution": arnOf("PAYMENT_WORKFLOW_ARN"),
  },
  peerWatchHandler: {
    "ssm:GetParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "ssm:PutParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "rds:DescribeGlobalClusters": (fn, plan) => [
      { resource: plan.globalCluster(env(fn, "GLOBAL_CLUSTER_ID")) },
    ],
    "lambda:UpdateEventSourceMapping": (fn, plan) =>
      env(fn, "PROCESSOR_MAPPINGS")
        .split(",")
        .map((uuid) => ({ resource: plan.eventSourceMapping(fn.region, uuid) })),
  },
  failoverOrchestratorHandler: {
    "ssm:GetParameter": parameterOf("ACTIVE_REGION_PARAMETER"),
    "states:ListExecutions": arnOf("RUNBOOK_ARN", "PEER_RUNBOOK_ARN"),
    "states:StartExecution": arnOf("RUNBOOK_ARN"),
  },
  // The runbook's steps: each action's resources are in the payload the runbook sends.
  failoverStepsHandler: {
    "rds:DescribeGlobalClusters": fromPayloads("read-global-cluster", (p, _fn, plan) =>
      field(p, "globalClusterIdentifier").map((id) => plan.globalCluster(id)),
    ),
    // Metric reads name no resource (GetMetricData's only resource type, a dataset, is optional).
    "cloudwatch:GetMetricData": fromPayloads("replication-lag", () => ["*"]),
    "ssm:PutParameter": fromPayloads("fence", (p, _fn, plan) =>
      field(p, "parameterName").map((name) => plan.parameter(field(p, "region")[0], name)),
    ),
    "lambda:UpdateEventSourceMapping": fromPayloads("set-processing", (p, _fn, plan) =>
      field(p, "mappings").map((uuid) => plan.eventSourceMapping(field(p, "region")[0], uuid)),
    ),
    "sqs:ReceiveMessage": fromPayloads("drain", (p, _fn, plan) =>
      field(p, "queueUrls").map((url) => plan.queue(url)),
    ),
    "sqs:DeleteMessage": fromPayloads("drain", (p, _fn, plan) =>
      field(p, "queueUrls").map((url) => plan.queue(url)),
    ),
    "sqs:GetQueueAttributes": fromPayloads("drain", (p, _fn, plan) =>
      field(p, "queueUrls").map((url) => plan.queue(url)),
    ),
    "sqs:SendMessage": fromPayloads("drain", (p, _fn, plan) =>
      field(p, "toQueueUrl").map((url) => plan.queue(url)),
    ),
    "states:ListExecutions": fromPayloads("drain", (p) => field(p, "stateMachineArn")),
    "route53-recovery-cluster:UpdateRoutingControlStates": fromPayloads("route-traffic", (p) => [
      ...field(p, "on"),
      ...field(p, "off"),
    ]),
    // The record's execution is the sending runbook's own ($$.Execution.Id).
    "states:GetExecutionHistory": fromPayloads("record", (_p, _fn, _plan, from) => [
      `${from.replace(":stateMachine:", ":execution:")}:run-1`,
    ]),
    "dynamodb:PutItem": tableOf("RUNS_TABLE"),
  },
  // The deploy-time migration: the global writer's cluster from DescribeGlobalClusters, the schema
  // as the master user on it (either region's: LEDGER_TARGETS), then each credentials secret's
  // first value and its role's password (provisionCredentials).
  migrateLedger: {
    "rds:DescribeGlobalClusters": (fn, plan) => [
      { resource: plan.globalCluster(env(fn, "GLOBAL_CLUSTER_ID")) },
    ],
    "rds-data:ExecuteStatement": (fn) =>
      ledgerTargets(fn).map((t) => ({ resource: t.clusterArn, secret: t.secretArn })),
    "secretsmanager:GetSecretValue": arnOf("ROTATOR_SECRET_ARN", "WRITER_SECRET_ARN"),
    "secretsmanager:PutSecretValue": arnOf("ROTATOR_SECRET_ARN", "WRITER_SECRET_ARN"),
    "secretsmanager:GetRandomPassword": () => [{ resource: "*" }],
    "secretsmanager:DescribeSecret": {
      unreachable: "credentialPorts' describe serves the rotation (rotationStep) only",
    },
    "secretsmanager:UpdateSecretVersionStage": {
      unreachable: "credentialPorts' promote serves the rotation (rotationStep) only",
    },
  },
  rotateLedgerCredentials: {
    "secretsmanager:DescribeSecret": rotatedSecrets,
    "secretsmanager:GetSecretValue": both(rotatedSecrets, (fn) =>
      ledgerTargets(fn).map((t) => ({ resource: t.secretArn })),
    ),
    "secretsmanager:PutSecretValue": rotatedSecrets,
    "secretsmanager:UpdateSecretVersionStage": rotatedSecrets,
    "secretsmanager:GetRandomPassword": () => [{ resource: "*" }],
    "rds-data:ExecuteStatement": (fn) =>
      ledgerTargets(fn).map((t) => ({ resource: t.clusterArn, secret: t.secretArn })),
  },
};

/** The IAM service prefix of each SDK v3 client package the handlers require. */
const SDK_CLIENTS: Readonly<Record<string, string>> = {
  "@aws-sdk/client-cloudwatch": "cloudwatch",
  "@aws-sdk/client-dynamodb": "dynamodb",
  "@aws-sdk/client-lambda": "lambda",
  "@aws-sdk/client-rds": "rds",
  "@aws-sdk/client-rds-data": "rds-data",
  "@aws-sdk/client-route53-recovery-cluster": "route53-recovery-cluster",
  "@aws-sdk/client-secrets-manager": "secretsmanager",
  "@aws-sdk/client-sfn": "states",
  "@aws-sdk/client-sqs": "sqs",
  "@aws-sdk/client-ssm": "ssm",
};

/**
 * Commands authorized as another action: SQS's batch requests need the permission of the single
 * request (PAGES.sqsBatch; the Service Authorization Reference lists no batch actions).
 */
const AUTHORIZED_AS: Readonly<Record<string, string>> = {
  "sqs:SendMessageBatch": "sqs:SendMessage",
  "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
};

/** The commands a function's serialized code sends: [IAM action, `client.Command` as written]. */
function commandsOf(fn: FunctionView): [string, string][] {
  const clients = new Map(
    [...fn.code.matchAll(/([\w$]+) = require\("(@aws-sdk\/client-[\w-]+)"\)/g)].map(
      ([, alias, pkg]) => [alias, pkg] as const,
    ),
  );
  const found: [string, string][] = [];
  for (const [written, alias, command] of fn.code.matchAll(
    /new (?:([\w$]+)\.)?([A-Z]\w*)Command\(/g,
  )) {
    const pkg = alias === undefined ? undefined : clients.get(alias);
    const prefix = pkg === undefined ? undefined : SDK_CLIENTS[pkg];
    if (prefix === undefined) {
      gap(`${fn.resource.name}: "${written}" comes from no SDK client the inventory knows`);
    }
    const action = `${prefix}:${command}`;
    found.push([AUTHORIZED_AS[action] ?? action, written.slice(4, -1)]);
  }
  return found;
}

function functionViews(plan: Plan, machines: readonly MachineView[]): FunctionView[] {
  return plan.of("aws:lambda/function:Function").map((fn) => {
    const assets = (fn.rawInputs.code as { assets?: Record<string, { text?: string }> } | undefined)
      ?.assets;
    const code = assets?.["__index.js"]?.text ?? "";
    const arn = str(fn.outputs.arn);
    const region = fn.region ?? "";
    const payloads = machines.flatMap((m) =>
      m.tasks
        .filter(
          (t) =>
            t.resource.startsWith("arn:aws:states:::lambda:invoke") &&
            plan.function(str(t.parameters.FunctionName), m.region) === arn &&
            typeof t.parameters.Payload === "object",
        )
        .map((t) => ({ payload: t.parameters.Payload as Record<string, unknown>, from: m.arn })),
    );
    return {
      resource: fn,
      arn,
      region,
      role: str(fn.rawInputs.role),
      env:
        (fn.rawInputs.environment as { variables?: Record<string, string> } | undefined)
          ?.variables ?? {},
      code,
      handler: /exports\.handler = __([\w$]+);/.exec(code)?.[1] ?? "",
      payloads,
    };
  });
}

function handlerCalls(plan: Plan, fn: FunctionView, unreachable: string[]): AccessCall[] {
  if (fn.code === "") {
    return gap(`${fn.resource.name}: no serialized code (__index.js) to read its commands from`);
  }
  const table =
    HANDLERS[fn.handler] ??
    gap(`${fn.resource.name}: handler ${fn.handler} has no entry in HANDLERS`);
  const commands = commandsOf(fn);
  const actions = new Set(commands.map(([action]) => action));
  for (const action of Object.keys(table)) {
    if (!actions.has(action)) {
      gap(
        `${fn.resource.name}: HANDLERS.${fn.handler} maps ${action}, which its code does not send`,
      );
    }
  }
  const calls: AccessCall[] = [];
  for (const action of actions) {
    const entry =
      table[action] ??
      gap(
        `${fn.resource.name}: ${fn.handler} sends ${action} (${commands.find(([a]) => a === action)?.[1]}), which HANDLERS does not map to a resource`,
      );
    const written = commands.filter(([a]) => a === action).map(([, w]) => w);
    if ("unreachable" in entry) {
      unreachable.push(`${fn.resource.name}: ${written.join(", ")}: ${entry.unreachable}`);
      continue;
    }
    const targets = entry(fn, plan);
    if ("none" in targets) {
      unreachable.push(`${fn.resource.name}: ${written.join(", ")}: ${targets.none}`);
      continue;
    }
    for (const target of targets) {
      const request: Request = { action, resource: target.resource, secret: target.secret };
      const origin = `${fn.resource.name} (${written[0]})`;
      calls.push(
        {
          principal: fn.role,
          action,
          resource: target.resource,
          origin,
          page: SERVICE_AUTHORIZATION[action.split(":")[0]] ?? "",
        },
        ...followUps(plan, request).map((r) => asCall(fn.role, r, `${origin}: ${r.why ?? ""}`)),
      );
    }
  }
  return calls;
}

function asCall(principal: string, request: Request, origin: string): AccessCall {
  return {
    principal,
    action: request.action,
    resource: request.resource,
    ...(request.context === undefined ? {} : { context: request.context }),
    origin,
    page: request.page ?? SERVICE_AUTHORIZATION[request.action.split(":")[0]] ?? "",
  };
}

/** What the Lambda service does with a function's role: its logs, its VPC interfaces, its key. */
function runtimeCalls(plan: Plan, fn: FunctionView): AccessCall[] {
  const inputs = fn.resource.rawInputs;
  const logGroup =
    str((inputs.loggingConfig as { logGroup?: string } | undefined)?.logGroup) ||
    `/aws/lambda/${str(fn.resource.outputs.name)}`;
  const stream = `${plan.logGroup(fn.region, logGroup)}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
  const calls: AccessCall[] = ["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({
    principal: fn.role,
    action,
    resource: stream,
    origin: `${fn.resource.name}: Lambda writes its logs`,
    page: PAGES.lambdaLogs,
  }));
  const vpc = inputs.vpcConfig as { subnetIds?: string[]; securityGroupIds?: string[] } | undefined;
  if (vpc?.subnetIds !== undefined && vpc.subnetIds.length > 0) {
    const eni = plan.arn("ec2", fn.region, "network-interface/eni-0123456789abcdef0");
    const vpcCall = (action: string, resource: string): AccessCall => ({
      principal: fn.role,
      action,
      resource,
      origin: `${fn.resource.name}: Lambda manages its network interfaces`,
      page: PAGES.lambdaVpc,
    });
    calls.push(
      ...[
        eni,
        ...vpc.subnetIds.map((s) => plan.arn("ec2", fn.region, `subnet/${s}`)),
        ...(vpc.securityGroupIds ?? []).map((g) =>
          plan.arn("ec2", fn.region, `security-group/${g}`),
        ),
      ].map((resource) => vpcCall("ec2:CreateNetworkInterface", resource)),
      vpcCall("ec2:DescribeNetworkInterfaces", "*"),
      vpcCall("ec2:DescribeSubnets", "*"),
      ...[
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ].map((action) => vpcCall(action, eni)),
    );
  }
  const key = plan.key(inputs.kmsKeyArn, fn.resource.name);
  if (key !== undefined && Object.keys(fn.env).length > 0) {
    // The environment, encrypted with the function's key, is decrypted for the function when an
    // execution environment starts; the role's kms:Decrypt on the key allows it.
    calls.push({
      principal: fn.role,
      action: "kms:Decrypt",
      resource: key,
      origin: `${fn.resource.name}: Lambda decrypts its environment`,
      page: PAGES.lambdaEnvironment,
    });
  }
  return calls;
}

// -------------------------------------------------------------------------------------------------
// State machines

interface TaskView {
  readonly name: string;
  readonly resource: string;
  readonly parameters: Record<string, unknown>;
}

interface MachineView {
  readonly resource: RecordedResource;
  readonly arn: string;
  readonly region: string;
  readonly role: string;
  readonly tasks: readonly TaskView[];
}

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Arguments?: Record<string, unknown>;
  readonly Branches?: { readonly States: Record<string, AslState> }[];
  readonly Iterator?: { readonly States: Record<string, AslState> };
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
}

/** Every Task of a definition, in Parallel branches and Map iterations too. */
function tasksOf(states: Record<string, AslState>, prefix = ""): TaskView[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === "Task"
      ? [
          {
            name: `${prefix}${name}`,
            resource: state.Resource ?? "",
            parameters: state.Parameters ?? state.Arguments ?? {},
          },
        ]
      : []),
    ...(state.Branches ?? []).flatMap((b, i) => tasksOf(b.States, `${prefix}${name}[${i}]/`)),
    ...[state.Iterator, state.ItemProcessor].flatMap((p) =>
      p === undefined ? [] : tasksOf(p.States, `${prefix}${name}/`),
    ),
  ]);
}

function machineViews(plan: Plan): MachineView[] {
  return plan.of("aws:sfn/stateMachine:StateMachine").map((m) => {
    const definition = JSON.parse(str(m.rawInputs.definition)) as {
      States: Record<string, AslState>;
    };
    return {
      resource: m,
      arn: str(m.outputs.arn),
      region: m.region ?? "",
      role: str(m.rawInputs.roleArn),
      tasks: tasksOf(definition.States),
    };
  });
}

/** The IAM prefix of each AWS SDK integration's service name, where the two differ. */
const SDK_SERVICE_PREFIX: Readonly<Record<string, string>> = {
  rdsdata: "rds-data",
  sfn: "states",
  cloudwatchlogs: "logs",
  eventbridge: "events",
};

/** A static parameter of a Task (a `.$` path is decided at run time). */
function param(task: TaskView, name: string): string {
  const value = task.parameters[name];
  return typeof value === "string" ? value : gap(`Task ${task.name}: ${name} is not static`);
}

/**
 * A sample object key for a Task that builds it with States.Format: each `{}` stands for one
 * value (`receipts/{}/{}.json` → `receipts/x/x.json`).
 */
function sampleKey(task: TaskView): string {
  const formatted = /^States\.Format\('([^']*)'/.exec(str(task.parameters["Key.$"]))?.[1];
  return (
    str(task.parameters.Key) ||
    (formatted?.replace(/\{\}/g, "x") ?? gap(`Task ${task.name}: no key to write`))
  );
}

/** The requests of one Task, by its Resource (Step Functions' integration pages name the actions). */
function taskRequests(plan: Plan, machine: MachineView, task: TaskView): Request[] {
  const optimized = /^arn:aws:states:::(\w+):(\w+)$/.exec(task.resource);
  const sdk = /^arn:aws:states:::aws-sdk:(\w+):(\w+)$/.exec(task.resource);
  const region = machine.region;
  const page = PAGES.sfnIntegrations;
  if (optimized !== null) {
    const [, service, api] = optimized;
    switch (`${service}:${api}`) {
      case "lambda:invoke":
        return [
          {
            action: "lambda:InvokeFunction",
            resource: plan.function(param(task, "FunctionName"), region),
            page,
          },
        ];
      case "dynamodb:getItem":
      case "dynamodb:putItem":
      case "dynamodb:updateItem":
      case "dynamodb:deleteItem":
        return [
          {
            action: `dynamodb:${capitalize(api)}`,
            resource: plan.table(region, param(task, "TableName")),
            page,
          },
        ];
      case "sqs:sendMessage":
        return [{ action: "sqs:SendMessage", resource: plan.queue(param(task, "QueueUrl")), page }];
      case "sns:publish":
        return [{ action: "sns:Publish", resource: param(task, "TopicArn"), page }];
      case "events:putEvents":
        return (task.parameters.Entries as Record<string, unknown>[]).map((entry) => ({
          action: "events:PutEvents",
          resource: plan.bus(str(entry.EventBusName), region),
          page,
        }));
      default:
        return gap(
          `${machine.resource.name} Task ${task.name}: ${task.resource} is no integration the inventory knows`,
        );
    }
  }
  if (sdk !== null) {
    const [, service, api] = sdk;
    const action = `${SDK_SERVICE_PREFIX[service] ?? service}:${capitalize(api)}`;
    const sdkPage = PAGES.sfnSdk;
    switch (action) {
      case "rds-data:ExecuteStatement":
        return [
          {
            action,
            resource: param(task, "ResourceArn"),
            page: sdkPage,
            secret: param(task, "SecretArn"),
          },
        ];
      case "s3:PutObject":
        return [
          {
            action,
            resource: `arn:aws:s3:::${param(task, "Bucket")}/${sampleKey(task)}`,
            page: sdkPage,
          },
        ];
      case "ssm:PutParameter":
        return [{ action, resource: plan.parameter(region, param(task, "Name")), page: sdkPage }];
      // Both act on the global cluster and on every member: the one promoted and the writer they
      // demote (PAGES.auroraGlobalSwitch).
      case "rds:SwitchoverGlobalCluster":
      case "rds:FailoverGlobalCluster": {
        const id = param(task, "GlobalClusterIdentifier");
        const members = plan
          .of("aws:rds/cluster:Cluster")
          .filter((c) => c.rawInputs.globalClusterIdentifier === id)
          .map((c) => str(c.outputs.arn));
        return [plan.globalCluster(id), ...members].map((resource) => ({
          action,
          resource,
          page: PAGES.auroraGlobalSwitch,
        }));
      }
      default:
        return gap(
          `${machine.resource.name} Task ${task.name}: no resources known for ${action} (${task.resource})`,
        );
    }
  }
  return gap(
    `${machine.resource.name} Task ${task.name}: Resource ${task.resource} is no integration the inventory knows`,
  );
}

function machineCalls(plan: Plan, machine: MachineView): AccessCall[] {
  const calls: AccessCall[] = [];
  for (const task of machine.tasks) {
    for (const request of taskRequests(plan, machine, task)) {
      const origin = `${machine.resource.name} Task ${task.name} (${task.resource})`;
      calls.push(
        asCall(machine.role, request, origin),
        ...followUps(plan, request).map((r) =>
          asCall(machine.role, r, `${origin}: ${r.why ?? ""}`),
        ),
      );
    }
  }
  const inputs = machine.resource.rawInputs;
  const logging = inputs.loggingConfiguration as { level?: string } | undefined;
  const own = (
    action: string,
    resource: string,
    page: string,
    context?: Record<string, string>,
  ): AccessCall =>
    asCall(
      machine.role,
      { action, resource, page, context },
      `${machine.resource.name}: Step Functions with the machine's role`,
    );
  if (logging?.level !== undefined && logging.level !== "OFF") {
    calls.push(
      ...[
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
      ].map((action) => own(action, "*", PAGES.sfnLogs)),
    );
  }
  if ((inputs.tracingConfiguration as { enabled?: boolean } | undefined)?.enabled === true) {
    calls.push(
      ...[
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
      ].map((action) => own(action, "*", PAGES.sfnXray)),
    );
  }
  const encryption = inputs.encryptionConfiguration as
    { type?: string; kmsKeyId?: string } | undefined;
  const key =
    encryption?.type === "CUSTOMER_MANAGED_KMS_KEY"
      ? plan.key(encryption.kmsKeyId, machine.resource.name)
      : undefined;
  if (key !== undefined) {
    // The machine's definition and execution data, under its ARN as encryption context; with
    // logging, GenerateDataKey for the log delivery, and the log delivery service decrypts.
    const context = { "kms:EncryptionContext:aws:states:stateMachineArn": machine.arn };
    calls.push(
      own("kms:Decrypt", key, PAGES.sfnKeys, context),
      own("kms:GenerateDataKey", key, PAGES.sfnKeys, context),
    );
    if (logging?.level !== undefined && logging.level !== "OFF") {
      calls.push(own("kms:GenerateDataKey", key, PAGES.sfnKeys), {
        principal: "delivery.logs.amazonaws.com",
        action: "kms:Decrypt",
        resource: key,
        origin: `${machine.resource.name}: log delivery of an encrypted state machine`,
        page: PAGES.sfnKeys,
      });
    }
  }
  return calls;
}

// -------------------------------------------------------------------------------------------------
// Services acting for the program

/** sts:AssumeRole by a service, judged by the role's trust policy, with the keys it sends. */
function assume(
  role: string,
  service: string,
  origin: string,
  page: string,
  context?: Record<string, string>,
): AccessCall {
  return {
    principal: service,
    action: "sts:AssumeRole",
    resource: role,
    ...(context === undefined ? {} : { context }),
    origin,
    page,
  };
}

/** A call whose follow-ups (a key, a secret) are made by the same principal. */
function withFollowUps(
  plan: Plan,
  principal: string,
  request: Request,
  origin: string,
): AccessCall[] {
  return [request, ...followUps(plan, request)].map((r) =>
    asCall(principal, r, r === request ? origin : `${origin}: ${r.why ?? ""}`),
  );
}

type Source = (plan: Plan, resource: RecordedResource) => AccessCall[];

/** API Gateway invoking the functions of a REST API's OpenAPI body, as its stages serve it. */
const restApi: Source = (plan, api) => {
  interface Operation {
    "x-amazon-apigateway-integration"?: { uri?: string };
  }
  interface Scheme {
    "x-amazon-apigateway-authorizer"?: { authorizerUri?: string };
  }
  const body = JSON.parse(str(api.rawInputs.body) || "{}") as {
    paths?: Record<string, Record<string, Operation>>;
    components?: { securitySchemes?: Record<string, Scheme> };
    securityDefinitions?: Record<string, Scheme>;
  };
  const execution = str(api.outputs.executionArn);
  const stages = plan
    .of("aws:apigateway/stage:Stage")
    .filter((s) => s.rawInputs.restApi === api.id)
    .map((s) => str(s.rawInputs.stageName));
  const target = (uri: string | undefined) =>
    /\/functions\/(arn:aws:lambda:[^/]+)\/invocations$/.exec(uri ?? "")?.[1];
  const invoke = (fnArn: string, sourceArn: string, origin: string): AccessCall => ({
    principal: "apigateway.amazonaws.com",
    action: "lambda:InvokeFunction",
    resource: fnArn,
    context: { "aws:SourceArn": sourceArn },
    origin,
    page: PAGES.lambdaApiGateway,
  });
  const calls: AccessCall[] = [];
  for (const [path, methods] of Object.entries(body.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      const fnArn = target(operation["x-amazon-apigateway-integration"]?.uri);
      if (fnArn !== undefined) {
        // A method's ARN is <api>/<stage>/<METHOD>/<path> (PAGES.executeApiArn).
        const verb = method.toUpperCase();
        calls.push(
          ...stages.map((stage) =>
            invoke(fnArn, `${execution}/${stage}/${verb}${path}`, `${api.name} ${verb} ${path}`),
          ),
        );
      }
    }
  }
  const schemes = { ...body.securityDefinitions, ...body.components?.securitySchemes };
  for (const [name, scheme] of Object.entries(schemes)) {
    const fnArn = target(scheme["x-amazon-apigateway-authorizer"]?.authorizerUri);
    if (fnArn !== undefined) {
      // API Gateway gives the authorizer an id on import; the scheme's name stands for it.
      calls.push(
        invoke(fnArn, `${execution}/authorizers/${name}`, `${api.name} authorizer ${name}`),
      );
    }
  }
  return calls;
};

/** CloudWatch publishing an alarm's state changes to its topics, with the alarm as source. */
const alarm: Source = (plan, resource) => {
  const actions = new Set(
    ["alarmActions", "okActions", "insufficientDataActions"].flatMap(
      (k) => (resource.rawInputs[k] as string[] | undefined) ?? [],
    ),
  );
  const context = { "aws:SourceArn": str(resource.outputs.arn), "aws:SourceAccount": plan.account };
  return [...actions].flatMap((action) => {
    if (!action.startsWith("arn:aws:sns:")) {
      return gap(`${resource.name}: alarm action ${action} is no topic the inventory knows`);
    }
    const publish: Request = { action: "sns:Publish", resource: action, page: PAGES.alarmActions };
    return withFollowUps(
      plan,
      "cloudwatch.amazonaws.com",
      publish,
      `${resource.name} notifies ${action}`,
    ).map((call) => ({ ...call, context: { ...call.context, ...context } }));
  });
};

/** EventBridge delivering a rule's events to its target. */
const eventTarget: Source = (plan, target) => {
  const bus = str(target.rawInputs.eventBusName) || "default";
  const ruleName = str(target.rawInputs.rule);
  const rule = plan
    .of("aws:cloudwatch/eventRule:EventRule")
    .find(
      (r) =>
        r.region === target.region &&
        r.outputs.name === ruleName &&
        (str(r.rawInputs.eventBusName) || "default") === bus,
    );
  const arn = str(target.rawInputs.arn);
  if (rule === undefined) {
    return gap(`${target.name}: no rule ${ruleName} on ${bus}`);
  }
  const origin = `${target.name}: rule ${ruleName} delivers to ${arn}`;
  if (arn.startsWith("arn:aws:sns:")) {
    // No condition key reaches a topic's policy or key from EventBridge (PAGES.eventTargets,
    // "Amazon SNS permissions"; PAGES.snsKeys: aws:SourceAccount, aws:SourceArn and
    // aws:SourceOrgID are not supported for EventBridge to encrypted topics).
    return withFollowUps(
      plan,
      "events.amazonaws.com",
      { action: "sns:Publish", resource: arn, page: PAGES.eventTargets },
      origin,
    );
  }
  if (arn.startsWith("arn:aws:lambda:") || arn.startsWith("arn:aws:sqs:")) {
    const action = arn.startsWith("arn:aws:lambda:") ? "lambda:InvokeFunction" : "sqs:SendMessage";
    return withFollowUps(
      plan,
      "events.amazonaws.com",
      { action, resource: arn, page: PAGES.eventTargets },
      origin,
    ).map((call, i) =>
      i === 0 ? { ...call, context: { "aws:SourceArn": str(rule.outputs.arn) } } : call,
    );
  }
  return gap(`${target.name}: target ${arn} is of a kind the inventory does not know`);
};

/** CloudWatch Logs encrypting a log group with its key, the group's ARN as context. */
const logGroup: Source = (plan, group) => {
  const key = plan.key(group.rawInputs.kmsKeyId, group.name);
  return key === undefined
    ? []
    : ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
        principal: `logs.${group.region ?? ""}.amazonaws.com`,
        action,
        resource: key,
        context: { "kms:EncryptionContext:aws:logs:arn": str(group.outputs.arn) },
        origin: `${group.name}: CloudWatch Logs encrypts and reads the log group`,
        page: PAGES.logsKeys,
      }));
};

/**
 * EventBridge encrypting a bus's events: DescribeKey to check the key, then data keys under the
 * bus's ARN as encryption context, sent with the bus as source (PAGES.busKeys: the key policy may
 * name aws:SourceArn, aws:SourceAccount and the encryption context).
 */
const eventBus: Source = (plan, bus) => {
  const key = plan.key(bus.rawInputs.kmsKeyIdentifier, bus.name);
  if (key === undefined) {
    return [];
  }
  const arn = str(bus.outputs.arn);
  const origin = `${bus.name}: EventBridge encrypts the bus's events`;
  return [
    {
      principal: "events.amazonaws.com",
      action: "kms:DescribeKey",
      resource: key,
      origin,
      page: PAGES.busKeys,
    },
    ...["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
      principal: "events.amazonaws.com",
      action,
      resource: key,
      context: {
        "kms:EncryptionContext:aws:events:event-bus:arn": arn,
        "aws:SourceArn": arn,
        "aws:SourceAccount": plan.account,
      },
      origin,
      page: PAGES.busKeys,
    })),
  ];
};

/**
 * EventBridge encrypting an archive: the archive's key policy needs DescribeKey, GenerateDataKey,
 * Decrypt and ReEncrypt, under the encryption context the page shows
 * (`kms:EncryptionContext:aws:events:event-bus:arn`: the archived bus).
 */
const eventArchive: Source = (plan, archive) => {
  const key = plan.key(archive.rawInputs.kmsKeyIdentifier, archive.name);
  if (key === undefined) {
    return [];
  }
  const origin = `${archive.name}: EventBridge encrypts the archive's events`;
  return [
    {
      principal: "events.amazonaws.com",
      action: "kms:DescribeKey",
      resource: key,
      origin,
      page: PAGES.archiveKeys,
    },
    ...["kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"].map(
      (action) => ({
        principal: "events.amazonaws.com",
        action,
        resource: key,
        context: {
          "kms:EncryptionContext:aws:events:event-bus:arn": str(archive.rawInputs.eventSourceArn),
        },
        origin,
        page: PAGES.archiveKeys,
      }),
    ),
  ];
};

/** SNS delivering to a function subscribed to a topic, with the topic as source. */
const subscription: Source = (plan, resource) => {
  const protocol = str(resource.rawInputs.protocol);
  if (protocol === "email") {
    return [];
  }
  if (protocol !== "lambda") {
    return gap(`${resource.name}: protocol ${protocol} is unknown to the inventory`);
  }
  return [
    {
      principal: "sns.amazonaws.com",
      action: "lambda:InvokeFunction",
      resource: plan.function(str(resource.rawInputs.endpoint), resource.region ?? ""),
      context: { "aws:SourceArn": str(resource.rawInputs.topic) },
      origin: `${resource.name}: SNS delivers to the function`,
      page: PAGES.lambdaSns,
    },
  ];
};

/** Secrets Manager running a rotation; it sends the account and the secret's ARN. */
const rotation: Source = (plan, resource) => [
  {
    principal: "secretsmanager.amazonaws.com",
    action: "lambda:InvokeFunction",
    resource: plan.function(str(resource.rawInputs.rotationLambdaArn), resource.region ?? ""),
    context: {
      "aws:SourceArn": str(resource.rawInputs.secretId),
      "aws:SourceAccount": plan.account,
    },
    origin: `${resource.name}: Secrets Manager runs the rotation`,
    page: PAGES.rotationPermissions,
  },
];

/**
 * EventBridge Scheduler: it assumes the schedule's role, sending the account and the schedule
 * group's ARN, and invokes the target with it.
 */
const schedule: Source = (plan, resource) => {
  const target = resource.rawInputs.target as { arn: string; roleArn: string };
  if (!target.arn.startsWith("arn:aws:lambda:")) {
    return gap(`${resource.name}: target ${target.arn} is of a kind the inventory does not know`);
  }
  const group = str(resource.outputs.groupName) || "default";
  return [
    assume(
      target.roleArn,
      "scheduler.amazonaws.com",
      `${resource.name}: Scheduler runs it`,
      PAGES.scheduler,
      {
        "aws:SourceAccount": plan.account,
        "aws:SourceArn": plan.arn("scheduler", resource.region ?? "", `schedule-group/${group}`),
      },
    ),
    {
      principal: target.roleArn,
      action: "lambda:InvokeFunction",
      resource: plan.function(target.arn, resource.region ?? ""),
      origin: `${resource.name}: Scheduler invokes its target with the schedule's role`,
      page: PAGES.scheduler,
    },
  ];
};

/** Lambda polling an SQS event source with the function's role. */
const eventSourceMapping: Source = (plan, mapping) => {
  const fn = plan
    .of("aws:lambda/function:Function")
    .find(
      (f) =>
        plan.function(str(mapping.rawInputs.functionName), mapping.region ?? "") ===
        str(f.outputs.arn),
    );
  const source = str(mapping.rawInputs.eventSourceArn);
  if (fn === undefined || !source.startsWith("arn:aws:sqs:")) {
    return gap(
      `${mapping.name}: event source ${source} or its function is unknown to the inventory`,
    );
  }
  return ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"].flatMap((action) =>
    withFollowUps(
      plan,
      str(fn.rawInputs.role),
      { action, resource: source, page: PAGES.lambdaSqs },
      `${mapping.name}: Lambda polls the queue`,
    ),
  );
};

/** S3 replicating a bucket with the configuration's role, and the keys on both sides. */
const replicationConfig: Source = (plan, config) => {
  const role = str(config.rawInputs.role);
  const bucket = str(config.rawInputs.bucket);
  const source = `arn:aws:s3:::${bucket}`;
  const sample = "receipts/x/x.json";
  const origin = `${config.name}: S3 replicates with the configuration's role`;
  const call = (
    action: string,
    resource: string,
    page: string,
    context?: Record<string, string>,
  ): AccessCall => asCall(role, { action, resource, page, context }, origin);
  const calls: AccessCall[] = [
    assume(role, "s3.amazonaws.com", `${config.name}: S3 replicates`, PAGES.replication),
    call("s3:GetReplicationConfiguration", source, PAGES.replication),
    call("s3:ListBucket", source, PAGES.replication),
    ...[
      "s3:GetObjectVersionForReplication",
      "s3:GetObjectVersionAcl",
      "s3:GetObjectVersionTagging",
    ].map((a) => call(a, `${source}/${sample}`, PAGES.replication)),
  ];
  const sourceKey = plan.bucketKey(bucket);
  interface Rule {
    destination: { bucket: string; encryptionConfiguration?: { replicaKmsKeyId?: string } };
    deleteMarkerReplication?: { status?: string };
  }
  for (const rule of config.rawInputs.rules as Rule[]) {
    const destination = rule.destination.bucket;
    const object = `${destination}/${sample}`;
    calls.push(
      call("s3:ReplicateObject", object, PAGES.replication),
      call("s3:ReplicateTags", object, PAGES.replication),
      ...(rule.deleteMarkerReplication?.status === "Enabled"
        ? [call("s3:ReplicateDelete", object, PAGES.replication)]
        : []),
    );
    if (sourceKey !== undefined) {
      calls.push(
        call("kms:Decrypt", sourceKey.key, PAGES.replicationKeys, {
          "kms:ViaService": `s3.${config.region ?? ""}.amazonaws.com`,
          "kms:EncryptionContext:aws:s3:arn": sourceKey.bucketKey ? source : `${source}/${sample}`,
        }),
      );
    }
    const replicaKey = plan.key(
      rule.destination.encryptionConfiguration?.replicaKmsKeyId,
      config.name,
    );
    if (replicaKey !== undefined) {
      const destinationRegion = plan
        .of("aws:s3/bucket:Bucket")
        .find((b) => str(b.outputs.arn) === destination)?.region;
      calls.push(
        call("kms:Encrypt", replicaKey, PAGES.replicationKeys, {
          "kms:ViaService": `s3.${destinationRegion ?? ""}.amazonaws.com`,
          "kms:EncryptionContext:aws:s3:arn": object,
        }),
      );
    }
  }
  return calls;
};

/**
 * AWS Backup, with the selection's role and the AWS managed policies AWS documents for it: a
 * backup of each selected resource, and the copy of its recovery points to the plan's copy vaults.
 */
const backupSelection: Source = (plan, selection) => {
  const role = str(selection.rawInputs.iamRoleArn);
  const origin = `${selection.name}: AWS Backup backs up the selection`;
  const managed = (
    action: string,
    resource: string,
    policy: string,
    page: string,
    context?: Record<string, string>,
  ): AccessCall => ({
    ...asCall(role, { action, resource, page, context }, origin),
    managedPolicy: policy,
  });
  const calls: AccessCall[] = [assume(role, "backup.amazonaws.com", origin, PAGES.backupRole)];
  for (const resource of selection.rawInputs.resources as string[]) {
    const service = resource.split(":")[2];
    if (service === "dynamodb") {
      calls.push(managed("dynamodb:CreateBackup", resource, MANAGED.backup, PAGES.backupPolicy));
    } else if (service === "rds") {
      calls.push(
        managed("rds:CreateDBClusterSnapshot", resource, MANAGED.backup, PAGES.backupPolicy),
      );
    } else if (service === "s3") {
      const bucket = resource.slice("arn:aws:s3:::".length);
      const found = plan.bucketKey(bucket);
      const region = plan
        .of("aws:s3/bucket:Bucket")
        .find((b) => b.outputs.bucket === bucket)?.region;
      calls.push(
        managed("s3:ListBucketVersions", resource, MANAGED.backupS3, PAGES.backupS3Policy),
        managed(
          "s3:GetObjectVersion",
          `${resource}/receipts/x/x.json`,
          MANAGED.backupS3,
          PAGES.backupS3Policy,
        ),
        ...(found === undefined
          ? []
          : [
              managed("kms:Decrypt", found.key, MANAGED.backupS3, PAGES.backupS3Policy, {
                "kms:ViaService": `s3.${region ?? ""}.amazonaws.com`,
              }),
            ]),
      );
    } else {
      gap(`${selection.name}: backups of ${resource} are unknown to the inventory`);
    }
  }
  const plans = plan.of("aws:backup/plan:Plan").filter((p) => p.id === selection.rawInputs.planId);
  for (const backupPlan of plans) {
    for (const rule of backupPlan.rawInputs.rules as {
      copyActions?: { destinationVaultArn: string }[];
    }[]) {
      for (const copy of rule.copyActions ?? []) {
        calls.push(
          managed(
            "backup:CopyIntoBackupVault",
            copy.destinationVaultArn,
            MANAGED.backup,
            PAGES.backupPolicy,
          ),
        );
      }
    }
  }
  return calls;
};

/** Restore testing: AWS Backup assumes the selection's role. */
const restoreTestingSelection: Source = (_plan, selection) => [
  assume(
    str(selection.rawInputs.iamRoleArn),
    "backup.amazonaws.com",
    `${selection.name}: AWS Backup restore testing`,
    PAGES.backupRole,
  ),
];

/** RDS enhanced monitoring: it assumes the role (with the instance as source) and writes metrics. */
const clusterInstance: Source = (plan, instance) => {
  const role = str(instance.rawInputs.monitoringRoleArn);
  if (role === "") {
    return [];
  }
  const origin = `${instance.name}: RDS enhanced monitoring`;
  // Metrics go to the RDSOSMetrics log group, a stream per instance (its resource id).
  const stream = `${plan.logGroup(instance.region ?? "", "RDSOSMetrics")}:log-stream:${str(instance.outputs.dbiResourceId)}`;
  return [
    assume(role, "monitoring.rds.amazonaws.com", origin, PAGES.rdsMonitoring, {
      "aws:SourceAccount": plan.account,
      "aws:SourceArn": str(instance.outputs.arn),
    }),
    ...["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({
      principal: role,
      action,
      resource: stream,
      origin,
      page: PAGES.rdsMonitoringPolicy,
      managedPolicy: MANAGED.rdsMonitoring,
    })),
  ];
};

/** API Gateway's account role: assumed by API Gateway, writing each stage's access logs. */
const apiGatewayAccount: Source = (plan, account) => {
  const role = str(account.rawInputs.cloudwatchRoleArn);
  const origin = `${account.name}: API Gateway writes access logs with the account's role`;
  const stages = plan.of("aws:apigateway/stage:Stage").filter((s) => s.region === account.region);
  return [
    assume(role, "apigateway.amazonaws.com", origin, PAGES.apiLogs),
    ...stages.flatMap((stage) => {
      const destination = str(
        (stage.rawInputs.accessLogSettings as { destinationArn?: string } | undefined)
          ?.destinationArn,
      );
      return destination === ""
        ? []
        : ["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({
            principal: role,
            action,
            resource: `${destination}:log-stream:${str(stage.rawInputs.restApi)}-access`,
            origin: `${stage.name}: ${origin}`,
            page: PAGES.apiLogsPolicy,
            managedPolicy: MANAGED.apiLogs,
          }));
    }),
  ];
};

/** The resource types whose resources cause requests, and how each turns into calls. */
const SOURCES: Readonly<Record<string, Source>> = {
  "aws:apigateway/account:Account": apiGatewayAccount,
  "aws:apigateway/restApi:RestApi": restApi,
  "aws:backup/restoreTestingSelection:RestoreTestingSelection": restoreTestingSelection,
  "aws:backup/selection:Selection": backupSelection,
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": alarm,
  "aws:cloudwatch/eventArchive:EventArchive": eventArchive,
  "aws:cloudwatch/eventBus:EventBus": eventBus,
  "aws:cloudwatch/eventTarget:EventTarget": eventTarget,
  "aws:cloudwatch/logGroup:LogGroup": logGroup,
  "aws:cloudwatch/metricAlarm:MetricAlarm": alarm,
  "aws:lambda/eventSourceMapping:EventSourceMapping": eventSourceMapping,
  "aws:rds/clusterInstance:ClusterInstance": clusterInstance,
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": replicationConfig,
  "aws:scheduler/schedule:Schedule": schedule,
  "aws:secretsmanager/secretRotation:SecretRotation": rotation,
  "aws:sns/topicSubscription:TopicSubscription": subscription,
};

/**
 * The resource types that cause no request of their own, and why. Every type of the plan is a
 * source (SOURCES, functions, state machines) or here; a type in neither is a gap.
 */
export const QUIET_TYPES: Readonly<Record<string, string>> = {
  "pulumi:providers:aws": "a provider",
  "random:index/randomBytes:RandomBytes": "generated at deploy time",
  "random:index/randomPassword:RandomPassword": "generated at deploy time",
  "awsx:ec2:Vpc": "network plumbing: no IAM request",
  "aws:acm/certificate:Certificate": "requested by the deployer",
  "aws:acm/certificateValidation:CertificateValidation": "a deploy-time wait",
  "aws:apigateway/basePathMapping:BasePathMapping": "routing",
  "aws:apigateway/deployment:Deployment": "a snapshot of the API",
  "aws:apigateway/domainName:DomainName": "routing; its certificate is ACM's",
  "aws:apigateway/methodSettings:MethodSettings": "settings",
  "aws:apigateway/stage:Stage": "its access logs are the account role's calls",
  "aws:backup/plan:Plan": "its copies are the selection role's calls",
  "aws:backup/regionSettings:RegionSettings": "a setting of AWS Backup in the region",
  "aws:backup/vault:Vault": "its key is used through grants AWS Backup holds",
  "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "a setting of the vault",
  "aws:backup/restoreTestingPlan:RestoreTestingPlan": "its selections carry the role",
  "aws:cloudwatch/dashboard:Dashboard": "read by people",
  "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "a policy the judge reads",
  "aws:cloudwatch/eventRule:EventRule": "its targets' deliveries are inventoried",
  "aws:dynamodb/table:Table":
    "its key is used through grants DynamoDB holds: callers need no KMS permission (PAGES.dynamodbKeys)",
  "aws:dynamodb/tableReplica:TableReplica": "replicated by DynamoDB's service-linked role",
  "aws:ec2/securityGroup:SecurityGroup": "network rules",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "network plumbing (no endpoint policy in the plan)",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "network rules",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "network rules",
  "aws:iam/role:Role": "its trust policy is a policy the judge reads",
  "aws:iam/rolePolicy:RolePolicy": "a policy the judge reads",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "a policy the judge reads",
  "aws:iam/policy:Policy": "a policy the judge reads",
  "aws:kms/alias:Alias": "a name",
  "aws:kms/key:Key": "a policy the judge reads",
  "aws:kms/replicaKey:ReplicaKey": "a policy the judge reads",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": "no destinations: no request",
  "aws:lambda/invocation:Invocation": "invoked by the deployer at deploy time, not by the program",
  "aws:lambda/permission:Permission": "a policy the judge reads",
  "aws:rds/cluster:Cluster":
    "storage and log exports go through RDS's service-linked role and grants",
  "aws:rds/globalCluster:GlobalCluster": "replication by Aurora itself",
  "aws:rds/subnetGroup:SubnetGroup": "network plumbing",
  "aws:route53/healthCheck:HealthCheck": "HTTPS probes: no IAM request",
  "aws:route53/record:Record": "DNS",
  "aws:route53/zone:Zone": "DNS",
  "aws:route53recoverycontrol/cluster:Cluster": "its routing controls are flipped by the runbook",
  "aws:route53recoverycontrol/controlPanel:ControlPanel":
    "its routing controls are flipped by the runbook",
  "aws:route53recoverycontrol/routingControl:RoutingControl": "flipped by the runbook's steps",
  "aws:route53recoverycontrol/safetyRule:SafetyRule": "evaluated by ARC",
  "aws:s3/bucket:Bucket": "its writers and replication are inventoried",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "applied by S3 itself",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "a setting",
  "aws:s3/bucketPolicy:BucketPolicy": "a policy the judge reads",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "a setting",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
    "its key is the writers' follow-up",
  "aws:s3/bucketVersioning:BucketVersioning": "a setting",
  "aws:secretsmanager/secret:Secret":
    "replicas are written by the deployer; readers are inventoried",
  "aws:secretsmanager/secretVersion:SecretVersion": "written by the deployer",
  "aws:sns/topic:Topic": "its publishers are inventoried",
  "aws:sns/topicPolicy:TopicPolicy": "a policy the judge reads",
  "aws:sqs/queue:Queue": "dead-letter moves are SQS's own",
  "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "a setting SQS applies itself",
  "aws:ssm/parameter:Parameter": "its readers and writers are inventoried",
  "aws:ssm/serviceSetting:ServiceSetting": "an account setting of Parameter Store",
  "aws:wafv2/webAcl:WebAcl": "evaluated by WAF",
  "aws:wafv2/webAclAssociation:WebAclAssociation": "evaluated by WAF",
};

/** Every request the program causes, derived from the plan, and what could not be derived. */
export function accessInventory(evaluation: Evaluation): Inventory {
  const plan = new Plan(evaluation);
  const gaps: string[] = [];
  const unreachable: string[] = [];
  const each = <T>(items: readonly T[], section: (item: T) => AccessCall[]): AccessCall[] =>
    items.flatMap((item) => {
      try {
        return section(item);
      } catch (error) {
        if (error instanceof InventoryGap) {
          gaps.push(error.message);
          return [];
        }
        throw error;
      }
    });
  const machines = machineViews(plan);
  const functions = functionViews(plan, machines);
  const calls = [
    ...each(functions, (fn) => [
      assume(
        fn.role,
        "lambda.amazonaws.com",
        `${fn.resource.name}: Lambda runs it`,
        PAGES.lambdaRole,
      ),
      ...handlerCalls(plan, fn, unreachable),
    ]),
    ...each(functions, (fn) => runtimeCalls(plan, fn)),
    ...each(machines, (m) => [
      assume(
        m.role,
        "states.amazonaws.com",
        `${m.resource.name}: Step Functions runs it`,
        PAGES.sfnRole,
        {
          "aws:SourceAccount": plan.account,
          "aws:SourceArn": m.arn,
        },
      ),
    ]),
    ...each(machines, (m) => machineCalls(plan, m)),
    ...Object.entries(SOURCES).flatMap(([type, source]) =>
      each(plan.of(type), (resource) => source(plan, resource)),
    ),
  ];
  const assumed = new Set(
    calls.filter((c) => c.action === "sts:AssumeRole").map((c) => c.resource),
  );
  for (const role of plan.of("aws:iam/role:Role")) {
    if (!assumed.has(str(role.outputs.arn))) {
      gaps.push(`${role.name}: no resource of the plan hands this role to a service`);
    }
  }
  const sources = new Set([
    ...Object.keys(SOURCES),
    "aws:lambda/function:Function",
    "aws:sfn/stateMachine:StateMachine",
  ]);
  for (const resource of evaluation.resources) {
    if (
      (resource.custom || resource.remote) &&
      !sources.has(resource.type) &&
      QUIET_TYPES[resource.type] === undefined
    ) {
      gaps.push(
        `${resource.type}: the inventory does not know which requests it causes (${resource.name})`,
      );
    }
  }
  return { calls, gaps: [...new Set(gaps)], unreachable };
}
