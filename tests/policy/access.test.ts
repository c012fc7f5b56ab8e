import { strict as assert } from "node:assert";
import { paymentApiDefinition } from "../../definitions/payment-api";
import { apiRoutesAuthenticated } from "../../policy/access";
import { messagesOf, resource, resourceCases } from "./harness";

/** The API's definition as the program deploys it (definitions/payment-api.ts). */
const DEFINITION = paymentApiDefinition({
  paymentsFunctionInvokeArn:
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/p/invocations",
  healthFunctionInvokeArn:
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/h/invocations",
  authorizerFunctionInvokeArn:
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/a/invocations",
  authorizerCacheSeconds: 60,
  mutualTls: false,
  title: "payments",
});

const api = (definition: Record<string, unknown>) =>
  resource("aws:apigateway/restApi:RestApi", "payments", { body: JSON.stringify(definition) });

describe("access policies", () => {
  // The body is JSON text in the engine's inputs: the cases mutate the parsed definition.
  resourceCases(apiRoutesAuthenticated, api(DEFINITION), []);

  interface Definition {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
    components: { securitySchemes: Record<string, Record<string, unknown>> };
  }
  const without = (mutate: (d: Definition) => void) => {
    const copy = structuredClone(DEFINITION) as unknown as Definition;
    mutate(copy);
    return api(copy as unknown as Record<string, unknown>);
  };

  it("rejects a payment route without a security requirement", async () => {
    assert.deepEqual(
      await messagesOf(
        apiRoutesAuthenticated,
        without((d) => delete d.paths["/payments/{paymentId}"].get.security),
      ),
      ["GET /payments/{paymentId} requires no Lambda authorizer"],
    );
  });

  it("rejects an empty security requirement (anyone may call)", async () => {
    assert.deepEqual(
      await messagesOf(
        apiRoutesAuthenticated,
        without((d) => (d.paths["/payments"].post.security = [])),
      ),
      ["POST /payments requires no Lambda authorizer"],
    );
  });

  it("rejects a requirement whose scheme is not a Lambda authorizer", async () => {
    assert.deepEqual(
      await messagesOf(
        apiRoutesAuthenticated,
        without((d) => {
          d.components.securitySchemes.merchantKey["x-amazon-apigateway-authtype"] = "awsSigv4";
        }),
      ),
      [
        "POST /payments requires no Lambda authorizer",
        "GET /payments/{paymentId} requires no Lambda authorizer",
      ],
    );
  });

  it("lets the configured public paths go without, and no others", async () => {
    const open = without((d) => delete d.paths["/payments"].post.security);
    assert.deepEqual(
      await messagesOf(apiRoutesAuthenticated, open, {
        "api-routes-authenticated": { publicPaths: ["/health", "/payments"] },
      }),
      [],
    );
    const health = without((d) => (d.paths["/health"].get.security = []));
    assert.deepEqual(
      await messagesOf(apiRoutesAuthenticated, health, {
        "api-routes-authenticated": { publicPaths: [] },
      }),
      ["GET /health requires no Lambda authorizer"],
    );
  });
});
