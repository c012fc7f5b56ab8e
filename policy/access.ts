/**
 * Access: who may call the platform. Every route of a REST API but its public ones requires a
 * Lambda authorizer (the merchant API keys, handlers/merchant-authorizer.ts), read from the API's
 * OpenAPI definition as API Gateway imports it: an operation's `security` names a scheme of
 * `components.securitySchemes` whose `x-amazon-apigateway-authtype` is `custom` (API Gateway
 * Developer Guide, "x-amazon-apigateway-authtype property" and "x-amazon-apigateway-authorizer
 * object": https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authtype.html).
 */
import type { Policies } from "@pulumi/policy";
import { asArray, type Props, record, typedPolicy } from "./support";

export interface AccessConfig {
  /** Paths anyone may call (the deep health check Route 53 probes). */
  readonly publicPaths?: readonly string[];
}

const METHODS = [
  "get",
  "put",
  "post",
  "delete",
  "options",
  "head",
  "patch",
  "x-amazon-apigateway-any-method",
];

/** The operations of an OpenAPI definition that no Lambda authorizer guards, as `METHOD /path`. */
export function unguardedOperations(definition: Props, publicPaths: readonly string[]): string[] {
  const schemes = record(record(definition.components).securitySchemes);
  const custom = new Set(
    Object.entries(schemes)
      .filter(([, scheme]) => record(scheme)["x-amazon-apigateway-authtype"] === "custom")
      .map(([name]) => name),
  );
  const inherited = definition.security;
  const unguarded: string[] = [];
  for (const [path, item] of Object.entries(record(definition.paths))) {
    if (publicPaths.includes(path)) {
      continue;
    }
    for (const [method, operation] of Object.entries(record(item))) {
      if (!METHODS.includes(method)) {
        continue;
      }
      const own = record(operation).security;
      const requirements = asArray((own ?? inherited) as Props[] | undefined);
      const guarded =
        requirements.length > 0 &&
        requirements.every((requirement) =>
          Object.keys(record(requirement)).some((name) => custom.has(name)),
        );
      if (!guarded) {
        unguarded.push(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return unguarded;
}

export const apiRoutesAuthenticated = typedPolicy({
  name: "api-routes-authenticated",
  description:
    "Every route of a REST API but the public ones (/health) requires a Lambda authorizer: no request without a merchant API key reaches a payment handler.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: { publicPaths: { type: "array", items: { type: "string" }, default: ["/health"] } },
  },
  checks: {
    "aws:apigateway/restApi:RestApi": (props, args) => {
      const publicPaths = args.getConfig<AccessConfig>().publicPaths ?? ["/health"];
      return unguardedOperations(record(props.body), publicPaths).map(
        (operation) => `${operation} requires no Lambda authorizer`,
      );
    },
  },
});

export const accessPolicies: Policies = [apiRoutesAuthenticated];
