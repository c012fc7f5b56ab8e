"use strict";
/**
 * A game day's Lambda execution environment (issue 14): one `node` process per function and
 * region, started with the simulated clock preloaded (`node -r ./clock.js lambda-runtime.js DIR`).
 * It loads the function's serialized `__index.js` from the plan's code archive, once, as a warm
 * Lambda environment does, and invokes its `handler` for each `{ invoke }` message, answering
 * `{ id, ok, result | error, errorType }` as the Lambda Invoke API reports a function error
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html: the error's name is its
 * `errorType`). What the handler writes to stdout stays on stdout: the game day reads its
 * embedded-metric-format lines as CloudWatch would.
 *
 * HTTPS requests to the stack's API domain (a peer's /health) go to the game day's front door,
 * which answers for the API Gateway of the region the host name names. So do AWS requests to an
 * endpoint a handler names itself (ARC's cluster endpoints, `https://<id>.route53-recovery-cluster.
 * <region>.amazonaws.com/v1`, which `AWS_ENDPOINT_URL` does not override): the SigV4 scope names
 * the service and region, as for every other call.
 */
const path = require("node:path");

const API_DOMAIN = process.env.GAMEDAY_API_DOMAIN;
const FRONT = process.env.GAMEDAY_FRONT;
if (API_DOMAIN && FRONT) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init = {}) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    if (!url.hostname.endsWith(API_DOMAIN)) {
      return realFetch(input, init);
    }
    const headers = new Headers(init.headers);
    headers.set("x-gameday-host", url.hostname);
    return realFetch(`${FRONT}${url.pathname}${url.search}`, { ...init, headers });
  };
}

if (FRONT) {
  // The AWS SDK's Node handler calls `https.request` on each request (@smithy/node-http-handler),
  // so the endpoint host is rewritten here, below the SDK: the request itself is unchanged.
  const http = require("node:http");
  const https = require("node:https");
  const front = new URL(FRONT);
  const realRequest = https.request;
  https.request = function request(options, ...rest) {
    const host =
      options !== null && typeof options === "object"
        ? (options.hostname ?? options.host)
        : undefined;
    if (typeof host !== "string" || !host.endsWith(".amazonaws.com")) {
      return realRequest.call(this, options, ...rest);
    }
    const { agent: _agent, ...plain } = options;
    return http.request(
      {
        ...plain,
        protocol: "http:",
        host: front.hostname,
        hostname: front.hostname,
        port: front.port,
      },
      ...rest,
    );
  };
}

const fs = require("node:fs");
const file = path.join(process.argv[2], "__index.js");
// Lambda's init phase: the runtime's packages the code requires are loaded before the first
// invocation, as a deployed function's top-level imports are (the serialized closures require them
// lazily, which here would count against the first invocations' timeouts).
for (const [, name] of fs
  .readFileSync(file, "utf8")
  .matchAll(/require\("(@aws-sdk\/[^"]+|@aws-lambda-powertools\/[^"]+)"\)/g)) {
  require(name);
}
const handler = require(file).handler;

// The game day that started this environment is gone (ended, or killed): so is the environment.
process.on("disconnect", () => process.exit(0));

process.on("message", (message) => {
  if (message === null || typeof message !== "object" || message.invoke === undefined) {
    return;
  }
  const { id, event, functionName, deadlineMs } = message.invoke;
  const context = {
    awsRequestId: id,
    functionName,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  Promise.resolve()
    .then(() => handler(event, context))
    .then(
      (result) => process.send({ id, ok: true, result: result === undefined ? null : result }),
      (error) =>
        process.send({
          id,
          ok: false,
          error: String(error && error.message),
          ...(error && error.name && error.name !== "Error" ? { errorType: error.name } : {}),
        }),
    );
});

process.send({ ready: true });
