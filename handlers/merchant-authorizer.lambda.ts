/**
 * The API's Lambda REQUEST authorizer (thin AWS shell around ./merchant-authorizer): the key's
 * record from this region's replica of the merchants table (DynamoDB GetItem, strongly consistent
 * within the region), the pepper from Secrets Manager (the secret is replicated to every region the
 * API runs in, read once per execution environment). A rejected request ends in API Gateway's 401:
 * the function fails with the message "Unauthorized", which API Gateway answers with its
 * UNAUTHORIZED gateway response (API Gateway Developer Guide, "Use API Gateway Lambda
 * authorizers", the REQUEST authorizer example: `callback("Unauthorized")` for a 401:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html).
 * The reason is logged with the key id, never with the key.
 *
 * Environment: MERCHANTS_TABLE, PEPPER_SECRET_ARN, KEY_ENVIRONMENT, REQUIRE_CLIENT_CERTIFICATE
 * ("true" with mutual TLS).
 */
import { keyFromItem } from "./merchant-keys";
import {
  type AuthorizerPorts,
  type AuthorizerRequest,
  type AuthorizerResponse,
  type AuthorizerSettings,
  authenticate,
} from "./merchant-authorizer";
import { requiredEnv, secretString } from "./runtime";

type DynamoDb = typeof import("@aws-sdk/client-dynamodb");

/** Set up on the first request of an execution environment, then reused. */
const environment: { current?: { ports: AuthorizerPorts; settings: AuthorizerSettings } } = {};

function connect(): { ports: AuthorizerPorts; settings: AuthorizerSettings } {
  const table = requiredEnv("MERCHANTS_TABLE");
  const secretArn = requiredEnv("PEPPER_SECRET_ARN");
  const keyEnvironment = requiredEnv("KEY_ENVIRONMENT");
  // Required here, not imported: the Lambda runtime provides the SDK, and a client must not be
  // captured by the serialized function.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynamodb = require("@aws-sdk/client-dynamodb") as DynamoDb;
  const db = new dynamodb.DynamoDBClient({});
  const ports: AuthorizerPorts = {
    pepper: secretString(secretArn),
    async getKey(keyId) {
      const result = await db.send(
        new dynamodb.GetItemCommand({
          TableName: table,
          Key: { keyId: { S: keyId } },
          ConsistentRead: true,
        }),
      );
      return result.Item === undefined ? undefined : keyFromItem(result.Item);
    },
  };
  return {
    ports,
    settings: {
      environment: keyEnvironment,
      requireClientCertificate: process.env.REQUIRE_CLIENT_CERTIFICATE === "true",
    },
  };
}

export async function merchantAuthorizerHandler(
  event: AuthorizerRequest,
): Promise<AuthorizerResponse> {
  environment.current ??= connect();
  const result = await authenticate(event, environment.current.ports, environment.current.settings);
  if ("rejected" in result) {
    // One JSON line for the function's log (a refusal is expected traffic, not a fault).
    console.log(
      JSON.stringify({
        level: "WARN",
        message: "request refused",
        rejected: result.rejected,
        keyId: result.keyId,
      }),
    );
    throw new Error("Unauthorized");
  }
  return result.allow;
}
