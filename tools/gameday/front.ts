/**
 * The game day's front door (issue 14): one HTTP endpoint on 127.0.0.1 that every AWS call of
 * every handler process reaches (`AWS_ENDPOINT_URL`), and every HTTPS request to the stack's API
 * domain (a peer's /health). It reads who calls, which service, in which region and which
 * operation from the request as AWS does — Signature Version 4's credential scope
 * `<access key>/<date>/<region>/<service>/aws4_request`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
 * where the game day's access key names the caller's role — and the operation from the service's
 * protocol: `X-Amz-Target` (JSON), the `Action` field (query: RDS), method and path (REST: Lambda,
 * the RDS Data API). The game day answers; this file only speaks the protocols, including each
 * protocol's error shape, and holds a request open for ever when the answer is "hang" (a region
 * that is down: callers time out, as on AWS).
 */
import * as http from "node:http";
import { close, listen } from "../harness/emulators";

export interface AwsRequest {
  /** The signing name: dynamodb, sqs, ssm, states, monitoring, rds, rds-data, lambda, … */
  readonly service: string;
  readonly region: string;
  /** The access key id: the caller's role (its logical name in the plan). */
  readonly role: string;
  readonly operation: string;
  readonly body: Record<string, unknown>;
  /** The request body as sent (forwarded as is to dynalite). */
  readonly text: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly path: string;
}

export type AwsAnswer =
  | { readonly json: unknown }
  | { readonly xml: string }
  | { readonly error: string; readonly message: string; readonly status?: number }
  /** Passed through as it came (dynalite's own answer). */
  | {
      readonly raw: {
        readonly status: number;
        readonly headers: http.IncomingHttpHeaders;
        readonly body: string;
      };
    }
  | "hang";

export interface ApiAnswer {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

export interface FrontHandlers {
  aws(request: AwsRequest): Promise<AwsAnswer>;
  /** A request to the API's domain: `host` names the regional or failover name. */
  api(
    host: string,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<ApiAnswer | "hang">;
}

const SCOPE = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;
const JSON_TYPE = "application/x-amz-json-1.0";

function operationOf(
  service: string,
  method: string,
  url: string,
  headers: http.IncomingHttpHeaders,
  body: Record<string, unknown>,
): string {
  const target = headers["x-amz-target"];
  if (typeof target === "string") {
    return target.split(".").pop() ?? target;
  }
  if (service === "rds" || typeof body.Action === "string") {
    return String(body.Action);
  }
  if (service === "rds-data") {
    return url.startsWith("/Execute") ? "ExecuteStatement" : url;
  }
  if (service === "lambda") {
    const mapping = /^\/2015-03-31\/event-source-mappings\/([^/?]+)/.exec(url);
    if (mapping !== null) {
      body.UUID = mapping[1];
      return method === "PUT" ? "UpdateEventSourceMapping" : "GetEventSourceMapping";
    }
  }
  return `${method} ${url}`;
}

function reply(response: http.ServerResponse, service: string, answer: Exclude<AwsAnswer, "hang">) {
  if ("raw" in answer) {
    response.writeHead(answer.raw.status, answer.raw.headers);
    response.end(answer.raw.body);
    return;
  }
  if ("xml" in answer) {
    response.writeHead(200, { "Content-Type": "text/xml" });
    response.end(answer.xml);
    return;
  }
  if ("json" in answer) {
    const rest = service === "lambda" || service === "rds-data";
    response.writeHead(200, { "Content-Type": rest ? "application/json" : JSON_TYPE });
    response.end(JSON.stringify(answer.json));
    return;
  }
  const status = answer.status ?? 400;
  if (service === "rds") {
    response.writeHead(status, { "Content-Type": "text/xml" });
    response.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>${answer.error}</Code><Message>${answer.message}</Message></Error><RequestId>gameday</RequestId></ErrorResponse>`,
    );
    return;
  }
  if (service === "lambda" || service === "rds-data") {
    response.writeHead(status, {
      "Content-Type": "application/json",
      "x-amzn-errortype": answer.error,
    });
    response.end(JSON.stringify({ message: answer.message }));
    return;
  }
  response.writeHead(status, { "Content-Type": JSON_TYPE });
  response.end(JSON.stringify({ __type: answer.error, message: answer.message }));
}

export class FrontDoor {
  private constructor(
    readonly endpoint: string,
    private readonly server: http.Server,
  ) {}

  static async start(handlers: FrontHandlers): Promise<FrontDoor> {
    const server = http.createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        void (async () => {
          const url = request.url ?? "/";
          const method = request.method ?? "GET";
          const host = request.headers["x-gameday-host"];
          if (typeof host === "string") {
            const parsed = new URL(url, "http://front");
            const answer = await handlers.api(host, method, parsed.pathname, parsed.searchParams);
            if (answer !== "hang") {
              response.writeHead(answer.statusCode, answer.headers ?? {});
              response.end(answer.body);
            }
            return;
          }
          const scope = SCOPE.exec(String(request.headers.authorization ?? ""));
          if (scope === null) {
            response.writeHead(403, { "Content-Type": JSON_TYPE });
            response.end(
              JSON.stringify({
                __type: "MissingAuthenticationTokenException",
                message: "unsigned request",
              }),
            );
            return;
          }
          const [, role, region, service] = scope;
          const form = String(request.headers["content-type"] ?? "").includes(
            "x-www-form-urlencoded",
          );
          let body: Record<string, unknown>;
          try {
            body = (
              form
                ? Object.fromEntries(new URLSearchParams(text))
                : text === ""
                  ? {}
                  : JSON.parse(text)
            ) as Record<string, unknown>;
          } catch {
            body = {};
          }
          const operation = operationOf(service, method, url, request.headers, body);
          const answer = await handlers.aws({
            service,
            region,
            role,
            operation,
            body,
            text,
            headers: request.headers,
            path: url,
          });
          if (answer !== "hang") {
            reply(response, service, answer);
          }
        })().catch((error: Error) => {
          response.writeHead(500, { "Content-Type": JSON_TYPE });
          response.end(JSON.stringify({ __type: "InternalFailure", message: error.message }));
        });
      });
    });
    const endpoint = await listen(server);
    return new FrontDoor(endpoint, server);
  }

  async close(): Promise<void> {
    await close(this.server);
  }
}
