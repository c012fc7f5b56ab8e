/**
 * The payments-api Lambda (thin AWS shell around ./payments-api): the payments table through
 * DynamoDB (one conditional put per accepted payment), the queue through SQS, the active-region
 * flag through SSM (runtime.ts, cached briefly), the payment ids' key through Secrets Manager (read
 * once; the secret is replicated to every region the API runs in). Clients are created on the first
 * request and kept for the life of the execution environment.
 *
 * Environment: PAYMENTS_TABLE, PAYMENTS_QUEUE_URL, ACTIVE_REGION_PARAMETER, PAYMENT_ID_SECRET_ARN,
 * PAYMENT_LIMITS (JSON: largest amount per accepted currency), TOKEN_PREFIX and the runtime's
 * AWS_REGION.
 */
import {
  type ApiPorts,
  type ApiRequest,
  type ApiResponse,
  type ApiSettings,
  errorResponse,
  handleApiRequest,
} from "./payments-api";
import {
  activeRegionFlag,
  claimRequeue,
  fromItem,
  requiredEnv,
  secretString,
  toItem,
} from "./runtime";

type DynamoDb = typeof import("@aws-sdk/client-dynamodb");
type Sqs = typeof import("@aws-sdk/client-sqs");

/** Set up on the first request of an execution environment, then reused. */
const environment: { current?: { ports: ApiPorts; settings: ApiSettings } } = {};

function connect(): { ports: ApiPorts; settings: ApiSettings } {
  const table = requiredEnv("PAYMENTS_TABLE");
  const queueUrl = requiredEnv("PAYMENTS_QUEUE_URL");
  const parameter = requiredEnv("ACTIVE_REGION_PARAMETER");
  const region = requiredEnv("AWS_REGION");
  const maxAmountMinor = JSON.parse(requiredEnv("PAYMENT_LIMITS")) as Record<string, number>;
  const tokenPrefix = requiredEnv("TOKEN_PREFIX");
  const paymentIdSecret = requiredEnv("PAYMENT_ID_SECRET_ARN");
  // Required here, not imported: the Lambda runtime provides the SDK, and a client must not be
  // captured by the serialized function.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const dynamodb = require("@aws-sdk/client-dynamodb") as DynamoDb;
  const sqs = require("@aws-sdk/client-sqs") as Sqs;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const db = new dynamodb.DynamoDBClient({});
  // The regional endpoint (the queue URL's own host in AWS), so AWS_ENDPOINT_URL_SQS applies too.
  const queue = new sqs.SQSClient({ useQueueUrlAsEndpoint: false });

  const getItem = async (paymentId: string) => {
    const result = await db.send(
      new dynamodb.GetItemCommand({
        TableName: table,
        Key: { paymentId: { S: paymentId } },
        ConsistentRead: true,
      }),
    );
    return result.Item;
  };
  const ports: ApiPorts = {
    activeRegion: activeRegionFlag(parameter),
    // Never changes: a new key would give replays new ids.
    paymentIdKey: secretString(paymentIdSecret),
    async putPaymentIfAbsent(record) {
      try {
        await db.send(
          new dynamodb.PutItemCommand({
            TableName: table,
            Item: toItem(record),
            ConditionExpression: "attribute_not_exists(paymentId)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { created: true };
      } catch (error) {
        if (!(error instanceof dynamodb.ConditionalCheckFailedException)) {
          throw error;
        }
        const existing = error.Item ?? (await getItem(record.paymentId));
        if (existing === undefined) {
          throw new Error(`payment ${record.paymentId} exists but could not be read`, {
            cause: error,
          });
        }
        return { created: false, existing: fromItem(existing) };
      }
    },
    async getPayment(paymentId) {
      const item = await getItem(paymentId);
      return item === undefined ? undefined : fromItem(item);
    },
    claimRequeue: (paymentId, at, cutoff) =>
      claimRequeue(dynamodb, db, table, { paymentId, at, cutoff }),
    async releaseRequeue(paymentId, at) {
      try {
        await db.send(
          new dynamodb.UpdateItemCommand({
            TableName: table,
            Key: { paymentId: { S: paymentId } },
            UpdateExpression: "REMOVE queuedAt",
            ConditionExpression: "queuedAt = :at",
            ExpressionAttributeValues: { ":at": { S: at } },
          }),
        );
      } catch (error) {
        // Another request queued it since: its mark stands.
        if (!(error instanceof dynamodb.ConditionalCheckFailedException)) {
          throw error;
        }
      }
    },
    async enqueue(payment) {
      await queue.send(
        new sqs.SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ payment }),
        }),
      );
    },
  };
  return { ports, settings: { region, maxAmountMinor, tokenPrefix, now: () => new Date() } };
}

export async function paymentsApiHandler(event: ApiRequest): Promise<ApiResponse> {
  if (environment.current === undefined) {
    try {
      environment.current = connect();
    } catch (error) {
      console.error("payment API cannot start", error);
      return errorResponse("INTERNAL_ERROR");
    }
  }
  return handleApiRequest(event, environment.current.ports, environment.current.settings);
}
