/**
 * The peer watch as deployed (serialized, in a fresh node process) against stubs that answer as
 * the API references say: SSM GetParameter/PutParameter; RDS DescribeGlobalClusters (query
 * protocol, XML: each list's members are `GlobalClusterMember` elements, FailoverState only while a
 * switch is scheduled or running:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeGlobalClusters.html);
 * Lambda UpdateEventSourceMapping (PUT /2015-03-31/event-source-mappings/{UUID}); and the other
 * region's API health over HTTP.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { stackPlan } from "../fixtures/plan";
import { PEER_HEALTHY_METRIC, PEER_METRICS_NAMESPACE } from "../../handlers/peer-watch.lambda";
import {
  type AwsStub,
  close,
  describeGlobalClustersXml,
  listen,
  startAwsStub,
} from "../../tools/harness/emulators";
import { runSerializedWithLogs, serializedCode } from "../../tools/harness/serialized";

const OWN = "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1";
const PEER = "arn:aws:rds:us-west-2:111122223333:cluster:acmepay-dev-ledger-usw2";
const MAPPINGS = ["0f4d9c1e-3a57-4a8b-9d1c-7e2f5b6a8c90", "1a2b3c4d-5e6f-4a8b-9d1c-7e2f5b6a8c91"];

const globalClusters = (writer: string) =>
  describeGlobalClustersXml("acmepay-dev-ledger", [OWN, PEER], writer);

describe("peer watch handler (serialized)", function () {
  this.timeout(60_000);
  let code: string;
  let aws: AwsStub;
  let peerApi: http.Server;
  let peerUrl: string;
  const world = { flag: "us-east-1", writer: OWN, peerStatus: 200 };
  let environment: Record<string, string>;

  before(async () => {
    code = serializedCode(await stackPlan("dev"), "primary-failover-peer-watch");
    aws = await startAwsStub({
      "AmazonSSM.GetParameter": (body) => ({
        body: { Parameter: { Name: body.Name, Type: "String", Value: world.flag } },
      }),
      "AmazonSSM.PutParameter": (body) => {
        world.flag = String(body.Value);
        return { body: { Version: 2, Tier: "Standard" } };
      },
      "Query.DescribeGlobalClusters": () => ({ xml: globalClusters(world.writer) }),
      ...Object.fromEntries(
        MAPPINGS.map((uuid) => [
          `PUT /2015-03-31/event-source-mappings/${uuid}`,
          () => ({ body: { UUID: uuid, State: "Disabling" } }),
        ]),
      ),
    });
    peerApi = http.createServer((_request, response) => {
      response.writeHead(world.peerStatus, { "Content-Type": "application/json" });
      response.end("{}");
    });
    peerUrl = `${await listen(peerApi)}/health`;
    environment = {
      AWS_REGION: "us-east-1",
      ACTIVE_REGION_PARAMETER: "/acmepay/dev/active-region",
      GLOBAL_CLUSTER_ID: "acmepay-dev-ledger",
      OWN_CLUSTER_ARN: OWN,
      PROCESSOR_MAPPINGS: MAPPINGS.join(","),
      PEER_HEALTH_URL: peerUrl,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_RDS: aws.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: aws.endpoint,
    };
  });

  after(async () => {
    await aws.close();
    await close(peerApi);
  });

  beforeEach(() => {
    aws.calls.length = 0;
    Object.assign(world, { flag: "us-east-1", writer: OWN, peerStatus: 200 });
  });

  const peerHealthy = (stdout: string[]) =>
    stdout
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line._aws !== undefined)
      .map((line) => {
        const aws = line._aws as { CloudWatchMetrics: { Namespace: string }[] };
        assert.equal(aws.CloudWatchMetrics[0].Namespace, PEER_METRICS_NAMESPACE);
        return line[PEER_HEALTHY_METRIC];
      });

  it("in the active writer: changes nothing, and reports a healthy peer", async () => {
    const { run, stdout } = await runSerializedWithLogs(code, {}, environment);
    assert.deepEqual(run, {
      ok: true,
      result: {
        selfFence: { fence: false, why: "us-east-1 is the active writer" },
        peer: { healthy: true, detail: "200" },
      },
    });
    assert.deepEqual(peerHealthy(stdout), [1]);
    assert.ok(!aws.calls.some((c) => c.target === "AmazonSSM.PutParameter"));
  });

  it("returning after a failover it missed: names the writer's region and pauses its processing", async () => {
    world.writer = PEER;
    const { run } = await runSerializedWithLogs(code, {}, environment);
    assert.equal(run.ok, true, run.error);
    assert.equal(world.flag, "us-west-2");
    assert.deepEqual(
      aws.calls
        .filter((c) => c.target.startsWith("PUT /2015-03-31/event-source-mappings/"))
        .map((c) => c.body),
      [{ Enabled: false }, { Enabled: false }],
    );
  });

  it("reports a peer that answers 503 or not at all as unhealthy", async () => {
    world.peerStatus = 503;
    const failing = await runSerializedWithLogs(code, {}, environment);
    assert.deepEqual(peerHealthy(failing.stdout), [0]);
    const silent = http.createServer(() => undefined);
    const silentUrl = await listen(silent);
    try {
      const started = Date.now();
      const gone = await runSerializedWithLogs(
        code,
        {},
        {
          ...environment,
          PEER_HEALTH_URL: `${silentUrl}/health`,
        },
      );
      assert.deepEqual(peerHealthy(gone.stdout), [0]);
      assert.ok(Date.now() - started < 15_000, "the probe gives up within its time limit");
    } finally {
      await close(silent);
    }
  });
});
