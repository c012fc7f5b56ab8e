/**
 * The payment API's definition (OpenAPI 3 with API Gateway extensions), built from the functions
 * that serve it: POST /payments and GET /payments/{paymentId} go to the payments-api function,
 * GET /health to the health function, all as Lambda proxy integrations. API Gateway's own errors
 * (throttling, WAF, unknown routes, oversized bodies) answer in the handlers' JSON error shape.
 */

export interface PaymentApiTargets {
  /** Invoke ARNs (`arn:aws:apigateway:<region>:lambda:path/…/invocations`). */
  readonly paymentsFunctionInvokeArn: string;
  readonly healthFunctionInvokeArn: string;
  readonly title: string;
}

function proxy(invokeArn: string) {
  return {
    type: "aws_proxy",
    httpMethod: "POST",
    uri: invokeArn,
    passthroughBehavior: "when_no_match",
    timeoutInMillis: 29_000,
  };
}

function gatewayError(statusCode: string | undefined, code: string, message: string) {
  return {
    ...(statusCode === undefined ? {} : { statusCode }),
    responseParameters: { "gatewayresponse.header.Cache-Control": "'no-store'" },
    responseTemplates: {
      "application/json": `{"error":{"code":"${code}","message":${message}}}`,
    },
  };
}

/** API Gateway's variable for its own error message, already a quoted JSON string. */
const GATEWAY_MESSAGE = "$context.error.messageString";

export function paymentApiDefinition(targets: PaymentApiTargets): Record<string, unknown> {
  const payments = proxy(targets.paymentsFunctionInvokeArn);
  return {
    openapi: "3.0.1",
    info: { title: targets.title, version: "1" },
    paths: {
      "/payments": {
        post: {
          operationId: "createPayment",
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
