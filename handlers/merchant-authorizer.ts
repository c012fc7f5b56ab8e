/**
 * The API's Lambda REQUEST authorizer, its pure core: who is calling. A request presents a merchant
 * API key (`Authorization: Bearer sk_…`, ./merchant-keys.ts); the key's record in this region's
 * replica of the `merchants` table says whose it is and whether it is still active. A valid key
 * gets a policy that lets the caller invoke the payment routes, with the merchant in the context
 * that API Gateway hands the payment handler (`requestContext.authorizer.merchantId`); anything
 * else is a rejection with its reason, which the shell (./merchant-authorizer.lambda.ts) turns into
 * API Gateway's 401.
 */
import { type MerchantKey, presentedKey, type Rejection, verifyKey } from "./merchant-keys";

/** What API Gateway sends a REQUEST authorizer of a REST API (the fields used here). */
export interface AuthorizerRequest {
  readonly type?: string;
  /** `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>`. */
  readonly methodArn?: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  /** With mutual TLS, API Gateway forwards the client's certificate here (identity.clientCert). */
  readonly requestContext?: {
    readonly identity?: { readonly clientCert?: unknown } | null;
  } | null;
}

/**
 * What the authorizer answers (API Gateway Developer Guide, "Output from an API Gateway Lambda
 * authorizer": principalId, policyDocument, and a context of string, number or boolean values:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
 */
export interface AuthorizerResponse {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: "2012-10-17";
    readonly Statement: readonly {
      readonly Action: "execute-api:Invoke";
      readonly Effect: "Allow";
      readonly Resource: readonly string[];
    }[];
  };
  readonly context: { readonly merchantId: string; readonly keyId: string };
}

export interface AuthorizerPorts {
  /** The pepper of the keyed hashes (a Secrets Manager secret, read once per environment). */
  pepper(): Promise<string>;
  /** The key's record in this region's replica of the merchants table. */
  getKey(keyId: string): Promise<MerchantKey | undefined>;
}

export interface AuthorizerSettings {
  /** The stack's environment: keys of other environments are refused without a lookup. */
  readonly environment: string;
  /**
   * Mutual TLS is on: only requests with a client certificate (through `api.<zone>`) are served.
   * API Gateway forwards the certificate a client presented to Lambda authorizers (API Gateway
   * Developer Guide, "Configuring mutual TLS authentication for a REST API":
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html).
   */
  readonly requireClientCertificate: boolean;
}

export type Authentication =
  | { readonly allow: AuthorizerResponse }
  | { readonly rejected: Rejection; readonly keyId?: string };

function header(request: AuthorizerRequest, name: string): string | undefined {
  const headers = request.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The policy of an authenticated caller: every payment route of this API's stage. API Gateway
 * caches the answer for the key and applies it to whichever method the key calls next within the
 * cache TTL, so it must cover every route the key may call, not just this request's.
 */
export function paymentRoutesOf(methodArn: string): string[] {
  const [apiAndStage] = /^arn:[^:]+:execute-api:[^:]+:\d{12}:[^/]+\/[^/]+/.exec(methodArn) ?? [];
  if (apiAndStage === undefined) {
    throw new Error(`not an execute-api method ARN: ${methodArn.slice(0, 200)}`);
  }
  return [`${apiAndStage}/*/payments`, `${apiAndStage}/*/payments/*`];
}

export async function authenticate(
  request: AuthorizerRequest,
  ports: AuthorizerPorts,
  settings: AuthorizerSettings,
): Promise<Authentication> {
  const presented = presentedKey(header(request, "authorization"), settings.environment);
  if ("rejected" in presented) {
    return presented;
  }
  const certificate = request.requestContext?.identity?.clientCert;
  if (settings.requireClientCertificate && (certificate === undefined || certificate === null)) {
    return { rejected: "no-client-certificate", keyId: presented.keyId };
  }
  const [record, pepper] = await Promise.all([ports.getKey(presented.keyId), ports.pepper()]);
  const verified = verifyKey(presented.key, record, pepper);
  if ("rejected" in verified) {
    return { rejected: verified.rejected, keyId: presented.keyId };
  }
  return {
    allow: {
      principalId: verified.merchantId,
      policyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Action: "execute-api:Invoke",
            Effect: "Allow",
            Resource: paymentRoutesOf(request.methodArn ?? ""),
          },
        ],
      },
      context: { merchantId: verified.merchantId, keyId: verified.keyId },
    },
  };
}
