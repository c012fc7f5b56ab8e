/** The game day's Route 53 failover against the pages it cites (tools/gameday/route53.ts). */
import { strict as assert } from "node:assert";
import { Route53Failover } from "../../tools/gameday/route53";

const [EAST, WEST] = ["us-east-1", "us-west-2"] as const;

function failover(down: Record<string, [number, number][]>) {
  // A region is down during any of its [from, to) windows (simulated milliseconds).
  const isDown = (region: string, at: number) =>
    (down[region] ?? []).some(([from, to]) => at >= from && at < to);
  return new Route53Failover({
    primary: EAST,
    secondary: WEST,
    intervalSeconds: 10,
    failureThreshold: 2,
    ttlSeconds: 60,
    probe: (region, at) => !isDown(region, at),
  });
}

describe("game day Route 53 failover", () => {
  it("moves new queries to the secondary after failureThreshold failed checks, and back after as many passes", () => {
    const r53 = failover({ [EAST]: [[15_000, 95_000]] });
    r53.advance(0);
    r53.advance(20_000);
    assert.equal(r53.answer(), EAST, "one failed check (at 20 s) is not enough");
    r53.advance(30_000);
    assert.equal(r53.answer(), WEST, "the second consecutive failure (at 30 s) moves it");
    r53.advance(100_000);
    assert.equal(r53.answer(), WEST, "one pass (at 100 s) is not enough");
    r53.advance(110_000);
    assert.equal(r53.answer(), EAST);
    assert.deepEqual(r53.changes, [
      { atMs: 30_000, region: WEST },
      { atMs: 110_000, region: EAST },
    ]);
  });

  it("keeps a client on its cached answer for the TTL", () => {
    const r53 = failover({ [EAST]: [[1_000, 1_000_000]] });
    r53.advance(0);
    assert.equal(r53.resolve("client-1", 0), EAST);
    r53.advance(30_000);
    assert.equal(r53.answer(), WEST);
    assert.equal(r53.resolve("client-1", 30_000), EAST, "cached until 60 s");
    assert.equal(r53.resolve("client-1", 60_000), WEST);
    assert.equal(r53.resolve("client-2", 30_000), WEST, "a new client asks anew");
  });

  it("answers the primary when both regions are unhealthy", () => {
    const r53 = failover({ [EAST]: [[1_000, 1_000_000]], [WEST]: [[1_000, 1_000_000]] });
    r53.advance(0);
    r53.advance(60_000);
    assert.deepEqual(
      [r53.isHealthy(EAST), r53.isHealthy(WEST), r53.answer()],
      [false, false, EAST],
    );
  });

  it("a flapping region whose failures never come twice in a row never moves the traffic", () => {
    // Down for 5 s in every 20 s: every other check fails, never two consecutive ones.
    const windows: [number, number][] = Array.from({ length: 30 }, (_, i) => [
      i * 20_000 + 8_000,
      i * 20_000 + 13_000,
    ]);
    const r53 = failover({ [EAST]: windows });
    r53.advance(0);
    r53.advance(600_000);
    assert.deepEqual(r53.changes, []);
  });
});
