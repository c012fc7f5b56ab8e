/**
 * The payment API's definition (OpenAPI 3 with API Gateway extensions), built from the functions
 * that serve it: POST /payments and GET /payments/{paymentId} go to the payments-api function,
 * GET /health to the health function, all as Lambda proxy integrations. Every route but /health
 * requires a merchant API key, checked by the merchant authorizer (a Lambda REQUEST authorizer,
 * handlers/merchant-authorizer.ts). API Gateway's own errors (a missing or refused key,
 * throttling, WAF, unknown routes, oversized bodies) answer in the handlers' JSON error shape.
 */

export interface PaymentApiTargets {
  /** Invoke ARNs (`arn:aws:apigateway:<region>:lambda:path/…/invocations`). */
  readonly paymentsFunctionInvokeArn: string;
  readonly healthFunctionInvokeArn: string;
  readonly authorizerFunctionInvokeArn: string;
  /** Seconds API Gateway caches the authorizer's answer for a key; 0 disables the cache. */
  readonly authorizerCacheSeconds: number;
  /**
   * Mutual TLS is on (on `api.<zone>` only): the authorizer's answers are cached per key and
   * domain name, so an answer for a request with a client certificate is never reused for one
   * that came through a regional name without one.
   */
  readonly mutualTls: boolean;
  readonly title: string;
}

/** The security scheme every payment route requires. */
export const MERCHANT_KEY_SCHEME = "merchantKey";

function proxy(invokeArn: string) {
  return {
    type: "aws_proxy",
    httpMethod: "POST",
    uri: invokeArn,
    passthroughBehavior: "when_no_match",
    timeoutInMillis: 29_000,
  };
}

function gatewayError(
  statusCode: string | undefined,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  return {
    ...(statusCode === undefined ? {} : { statusCode }),
    responseParameters: {
      "gatewayresponse.header.Cache-Control": "'no-store'",
      ...Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [`gatewayresponse.header.${name}`, value]),
      ),
    },
    responseTemplates: {
      "application/json": `{"error":{"code":"${code}","message":${message}}}`,
    },
  };
}

/** API Gateway's variable for its own error message, already a quoted JSON string. */
const GATEWAY_MESSAGE = "$context.error.messageString";

export function paymentApiDefinition(targets: PaymentApiTargets): Record<string, unknown> {
  const payments = proxy(targets.paymentsFunctionInvokeArn);
  const merchantKey = [{ [MERCHANT_KEY_SCHEME]: [] }];
  return {
    openapi: "3.0.1",
    info: { title: targets.title, version: "1" },
    components: {
      securitySchemes: {
        // API Gateway Developer Guide, "x-amazon-apigateway-authorizer object" (a REQUEST
        // authorizer on the Authorization header; results cached per header value for the TTL):
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
        [MERCHANT_KEY_SCHEME]: {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          "x-amazon-apigateway-authtype": "custom",
          "x-amazon-apigateway-authorizer": {
            type: "request",
            identitySource: targets.mutualTls
              ? "method.request.header.Authorization, context.domainName"
              : "method.request.header.Authorization",
            authorizerUri: targets.authorizerFunctionInvokeArn,
            authorizerResultTtlInSeconds: targets.authorizerCacheSeconds,
          },
        },
      },
    },
    paths: {
      "/payments": {
        post: {
          operationId: "createPayment",
          security: merchantKey,
          summary: "Accept a payment (202); replays with the same Idempotency-Key are safe",
          parameters: [
            { name: "Idempotency-Key", in: "header", required: true, schema: { type: "string" } },
          ],
          "x-amazon-apigateway-integration": payments,
        },
      },
      "/payments/{paymentId}": {
        get: {
          operationId: "getPayment",
          security: merchantKey,
          summary: "A payment as this region's replica has it",
          parameters: [
            { name: "paymentId", in: "path", required: true, schema: { type: "string" } },
          ],
          "x-amazon-apigateway-integration": payments,
        },
      },
      "/health": {
        get: {
          operationId: "health",
          summary: "Deep health of the region: 200 healthy, 503 not",
          "x-amazon-apigateway-integration": proxy(targets.healthFunctionInvokeArn),
        },
      },
    },
    "x-amazon-apigateway-gateway-responses": {
      // A missing key (API Gateway answers without calling the authorizer when the identity
      // source is absent) and a key the authorizer refused ("Unauthorized").
      UNAUTHORIZED: gatewayError(
        "401",
        "UNAUTHENTICATED",
        '"no valid API key: send Authorization: Bearer <your secret key>"',
        { "WWW-Authenticate": "'Bearer'" },
      ),
      ACCESS_DENIED: gatewayError("403", "FORBIDDEN", GATEWAY_MESSAGE),
      // API Gateway answers unknown routes with 403 "Missing Authentication Token".
      MISSING_AUTHENTICATION_TOKEN: gatewayError("404", "ROUTE_NOT_FOUND", '"no such route"'),
      REQUEST_TOO_LARGE: gatewayError("413", "PAYLOAD_TOO_LARGE", GATEWAY_MESSAGE),
      THROTTLED: gatewayError(undefined, "THROTTLED", GATEWAY_MESSAGE),
      WAF_FILTERED: gatewayError(undefined, "FORBIDDEN", GATEWAY_MESSAGE),
      DEFAULT_4XX: gatewayError(undefined, "BAD_REQUEST", GATEWAY_MESSAGE),
      DEFAULT_5XX: gatewayError(undefined, "UNAVAILABLE", GATEWAY_MESSAGE),
    },
  };
}

/** One JSON line per request in the stage's access log. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  sourceIp: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  errorMessage: "$context.error.message",
  wafResponseCode: "$context.wafResponseCode",
  domainName: "$context.domainName",
});

/** The API's only stage: the custom domains map to it and its metrics are published under it. */
export const API_STAGE = "v1";
