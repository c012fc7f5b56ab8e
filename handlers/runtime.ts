/**
 * Small helpers the handler shells share: required environment variables, a briefly cached value
 * (the active-region flag), and the payments table's item mapping.
 */
import { ACTIVE_REGION_CACHE_MAX_MS, ACTIVE_REGION_CACHE_MS } from "../model/quotas";
import { pendingShard, type PaymentRecord } from "./payment";

type AttributeValue = import("@aws-sdk/client-dynamodb").AttributeValue;
type DynamoDb = typeof import("@aws-sdk/client-dynamodb");
type RdsData = typeof import("@aws-sdk/client-rds-data");
type SecretsManager = typeof import("@aws-sdk/client-secrets-manager");
type Ssm = typeof import("@aws-sdk/client-ssm");

/**
 * An error with its own name (what Lambda reports as errorType, and Step Functions matches on).
 * A function, not an Error subclass: closure serialization turns a class into a function whose
 * `super(message)` sets no message.
 */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A call to a region that may be the failed one: connect within 2 s, answer within 3 s. */
export const FAIL_FAST = { connectionTimeoutMs: 2_000, requestTimeoutMs: 3_000 } as const;

/** SDK client options that fail fast in `region`, trying at most `maxAttempts` times. */
export function failFastClientOptions(region: string, maxAttempts: number) {
  return {
    region,
    maxAttempts,
    requestHandler: {
      connectionTimeout: FAIL_FAST.connectionTimeoutMs,
      requestTimeout: FAIL_FAST.requestTimeoutMs,
      // Without it the SDK only logs a warning when the request timeout passes, and waits on.
      throwOnRequestTimeout: true,
    },
  };
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

/** `load`, called at most once per `ttlMs` (concurrent callers share one load); a failed load
 * is not kept. A function for `ttlMs` draws each load's time to live. */
export function cached<T>(
  load: () => Promise<T>,
  ttlMs: number | (() => number),
  clock: () => number = Date.now,
): () => Promise<T> {
  let entry: { value: Promise<T>; at: number; ttl: number } | undefined;
  return () => {
    const now = clock();
    if (entry === undefined || now - entry.at >= entry.ttl) {
      const current = {
        value: load(),
        at: now,
        ttl: typeof ttlMs === "number" ? ttlMs : ttlMs(),
      };
      entry = current;
      current.value.catch(() => {
        if (entry === current) {
          entry = undefined;
        }
      });
    }
    return entry.value;
  };
}

export { ACTIVE_REGION_CACHE_MAX_MS, ACTIVE_REGION_CACHE_MS };

/**
 * The active-region flag (an SSM parameter), trusted for a time drawn between
 * ACTIVE_REGION_CACHE_MS and ACTIVE_REGION_CACHE_MAX_MS at each read (../model/quotas.ts: at full
 * concurrency the reads stay within Parameter Store's throughput, spread out); an unset value
 * reads as "". `maxAttempts` bounds the SDK's retries (the health check wants one).
 */
export function activeRegionFlag(parameter: string, maxAttempts?: number): () => Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ssm = require("@aws-sdk/client-ssm") as Ssm;
  const client = new ssm.SSMClient(maxAttempts === undefined ? {} : { maxAttempts });
  return cached(
    async () => {
      const result = await client.send(new ssm.GetParameterCommand({ Name: parameter }));
      return result.Parameter?.Value ?? "";
    },
    () =>
      ACTIVE_REGION_CACHE_MS +
      Math.random() * (ACTIVE_REGION_CACHE_MAX_MS - ACTIVE_REGION_CACHE_MS),
  );
}

/**
 * A Secrets Manager secret's string that never changes (a key the program generated), read once
 * per execution environment; a failed read is not kept, so the next call reads again.
 */
export function secretString(secretArn: string): () => Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const secrets = require("@aws-sdk/client-secrets-manager") as SecretsManager;
  const client = new secrets.SecretsManagerClient({});
  return cached(async () => {
    const result = await client.send(new secrets.GetSecretValueCommand({ SecretId: secretArn }));
    if (result.SecretString === undefined || result.SecretString === "") {
      throw new Error(`secret ${secretArn} has no string value`);
    }
    return result.SecretString;
  }, Number.POSITIVE_INFINITY);
}

/** A promise's value, or its error as a value: never rejects. */
export function settled<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
}

/** The region's ledger as a handler reaches it through the Data API. */
export interface LedgerTarget {
  readonly resourceArn: string;
  readonly secretArn: string;
  readonly database: string;
}

/** The ledger named by LEDGER_CLUSTER_ARN, LEDGER_SECRET_ARN and LEDGER_DATABASE. */
export function ledgerFromEnv(): LedgerTarget {
  return {
    resourceArn: requiredEnv("LEDGER_CLUSTER_ARN"),
    secretArn: requiredEnv("LEDGER_SECRET_ARN"),
    database: requiredEnv("LEDGER_DATABASE"),
  };
}

/**
 * Whether this region's ledger writes: a Data API `SELECT 1`, which fails where the global
 * database has no writer ("read and write queries sent to the secondary cluster fail while it
 * lacks a writer instance":
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html). An
 * answer is trusted for `ttlMs`; a failure is not kept, so the next call asks again.
 */
export function ledgerWrites(
  rdsData: RdsData,
  ledger: LedgerTarget,
  options: { readonly ttlMs: number; readonly maxAttempts?: number },
): () => Promise<true> {
  const client = new rdsData.RDSDataClient(
    options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts },
  );
  return cached(async () => {
    await client.send(new rdsData.ExecuteStatementCommand({ ...ledger, sql: "SELECT 1" }));
    return true as const;
  }, options.ttlMs);
}

export function toItem(record: PaymentRecord): Record<string, AttributeValue> {
  return {
    paymentId: { S: record.paymentId },
    merchantId: { S: record.merchantId },
    customerId: { S: record.customerId },
    amountMinor: { N: String(record.amountMinor) },
    currency: { S: record.currency },
    paymentMethod: {
      M: { type: { S: record.paymentMethod.type }, token: { S: record.paymentMethod.token } },
    },
    createdAt: { S: record.createdAt },
    status: { S: record.status },
    idempotencyKey: { S: record.idempotencyKey },
    requestHash: { S: record.requestHash },
    acceptedRegion: { S: record.acceptedRegion },
    ...(record.queuedAt === undefined ? {} : { queuedAt: { S: record.queuedAt } }),
    // In the sparse `pending` index while RECEIVED (the workflow removes it when it settles).
    ...(record.status === "RECEIVED"
      ? { pendingShard: { S: pendingShard(record.paymentId) } }
      : {}),
  };
}

export function fromItem(item: Record<string, AttributeValue>): PaymentRecord {
  const s = (key: string) => String(item[key]?.S);
  const method = item.paymentMethod?.M ?? {};
  return {
    paymentId: s("paymentId"),
    merchantId: s("merchantId"),
    customerId: s("customerId"),
    amountMinor: Number(item.amountMinor?.N),
    currency: s("currency"),
    paymentMethod: {
      type: String(method.type?.S) as PaymentRecord["paymentMethod"]["type"],
      token: String(method.token?.S),
    },
    createdAt: s("createdAt"),
    status: s("status") as PaymentRecord["status"],
    idempotencyKey: s("idempotencyKey"),
    requestHash: s("requestHash"),
    acceptedRegion: s("acceptedRegion"),
    ...(item.queuedAt?.S === undefined ? {} : { queuedAt: item.queuedAt.S }),
  };
}

/**
 * Marks a RECEIVED payment queued at `at` unless it was queued after `cutoff`: one conditional
 * update, so of the API's replays and the sweeper's runs only one re-queues a payment per window.
 * True when this caller won; false when the condition failed (settled, or queued recently).
 */
export async function claimRequeue(
  dynamodb: DynamoDb,
  client: InstanceType<DynamoDb["DynamoDBClient"]>,
  table: string,
  claim: { readonly paymentId: string; readonly at: string; readonly cutoff: string },
): Promise<boolean> {
  try {
    await client.send(
      new dynamodb.UpdateItemCommand({
        TableName: table,
        Key: { paymentId: { S: claim.paymentId } },
        UpdateExpression: "SET queuedAt = :at",
        ConditionExpression:
          "#status = :received AND (attribute_not_exists(queuedAt) OR queuedAt <= :cutoff)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":at": { S: claim.at },
          ":cutoff": { S: claim.cutoff },
          ":received": { S: "RECEIVED" },
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof dynamodb.ConditionalCheckFailedException) {
      return false;
    }
    throw error;
  }
}
