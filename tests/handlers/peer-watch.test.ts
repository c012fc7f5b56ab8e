import { strict as assert } from "node:assert";
import { probeResult, selfFenceDecision } from "../../handlers/peer-watch";

const HERE = "us-east-1";
const OWN = "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-prod-ledger-use1";
const PEER = "arn:aws:rds:us-west-2:111122223333:cluster:acmepay-prod-ledger-usw2";

describe("peer watch core", () => {
  type Switch = { status: string; from: string | null; to: string | null } | null;
  const cases: [string, string, string | null, Switch, ReturnType<typeof selfFenceDecision>][] = [
    ["the active writer", HERE, OWN, null, { fence: false, why: "us-east-1 is the active writer" }],
    [
      "a standby",
      "us-west-2",
      PEER,
      null,
      { fence: false, why: "the flag names us-west-2: not active here" },
    ],
    [
      "a region returning after an unplanned failover it missed",
      HERE,
      PEER,
      null,
      {
        fence: true,
        activeRegion: "us-west-2",
        why: "the flag names us-east-1 but the ledger's writer is in us-west-2",
      },
    ],
    [
      "a switch under way towards this region (the runbook acts)",
      "us-west-2",
      null,
      { status: "switching-over", from: PEER, to: OWN },
      { fence: false, why: "the flag names us-west-2: not active here" },
    ],
    [
      "a switch under way away from this region, its flag still naming it",
      HERE,
      null,
      { status: "failing-over", from: OWN, to: PEER },
      {
        fence: true,
        activeRegion: "us-west-2",
        why: "the writer is moving from us-east-1 to us-west-2 (failing-over)",
      },
    ],
    [
      "a switch under way that this region's flag already follows",
      HERE,
      null,
      { status: "switching-over", from: PEER, to: OWN },
      { fence: false, why: "a switch is under way (switching-over): the runbook acts" },
    ],
    [
      "no writer reported",
      HERE,
      null,
      null,
      { fence: false, why: "no writer is reported: nothing to follow" },
    ],
  ];
  for (const [what, flag, writer, switching, expected] of cases) {
    it(`self-fence: ${what}`, () => {
      assert.deepEqual(
        selfFenceDecision(HERE, flag, { ownClusterArn: OWN, writerClusterArn: writer, switching }),
        expected,
      );
    });
  }

  const probes: [string, { status: number } | Error, boolean][] = [
    ["200", { status: 200 }, true],
    ["503 (its table or flag fails)", { status: 503 }, false],
    ["no answer", Object.assign(new Error("x"), { name: "TimeoutError" }), false],
  ];
  for (const [what, answer, healthy] of probes) {
    it(`probe: ${what}`, () => {
      assert.equal(probeResult(answer).healthy, healthy);
    });
  }
});
