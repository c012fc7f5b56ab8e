/**
 * The peer watch's core: what each region decides every minute about itself and about the other
 * region, over ports the AWS shell (./peer-watch.lambda) or a test provides.
 *
 * - **Self-fence.** A region whose active-region flag names itself while the global database's
 *   writer is another region's cluster (it returned after an unplanned failover it could not be
 *   fenced in) corrects its flag to the writer's region and pauses its processing: from then on
 *   its API refuses writes and its `?role=active` fails. Nothing is done while a switch is under
 *   way (the runbook is acting) or when no writer is reported.
 * - **Peer probe.** The other region's regional `/health` is asked from here, with a time limit:
 *   the signal that still arrives when that region's own CloudWatch and SNS are down with it. The
 *   answer is published as a metric; the peer-unreachable alarm counts consecutive failures.
 */

export interface GlobalWriterView {
  /** This region's member cluster. */
  readonly ownClusterArn: string;
  /** The writer member's cluster ARN, or null while none is reported (mid-switch). */
  readonly writerClusterArn: string | null;
  /**
   * FailoverState while a switchover or failover is scheduled or running (its Status, and the
   * clusters it moves the writer from and to), else null
   * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html).
   */
  readonly switching: {
    readonly status: string;
    readonly from: string | null;
    readonly to: string | null;
  } | null;
}

export type SelfFenceDecision =
  | { readonly fence: false; readonly why: string }
  | { readonly fence: true; readonly activeRegion: string; readonly why: string };

/** The region of a cluster ARN (`arn:aws:rds:<region>:<account>:cluster:<id>`). */
function regionOfArn(arn: string): string {
  return arn.split(":")[3] ?? "";
}

export function selfFenceDecision(
  region: string,
  flag: string,
  view: GlobalWriterView,
): SelfFenceDecision {
  if (flag !== region) {
    return { fence: false, why: `the flag names ${flag || "no region"}: not active here` };
  }
  if (view.switching !== null) {
    // A switch away from this region's cluster: writes must stop here whoever started it (an
    // unplanned failover may have found this region unreachable and left its flag as it was).
    if (view.switching.from === view.ownClusterArn && view.switching.to !== null) {
      return {
        fence: true,
        activeRegion: regionOfArn(view.switching.to),
        why: `the writer is moving from ${region} to ${regionOfArn(view.switching.to)} (${view.switching.status})`,
      };
    }
    return {
      fence: false,
      why: `a switch is under way (${view.switching.status}): the runbook acts`,
    };
  }
  if (view.writerClusterArn === null) {
    return { fence: false, why: "no writer is reported: nothing to follow" };
  }
  const writerRegion = regionOfArn(view.writerClusterArn);
  if (writerRegion === region) {
    return { fence: false, why: `${region} is the active writer` };
  }
  return {
    fence: true,
    activeRegion: writerRegion,
    why: `the flag names ${region} but the ledger's writer is in ${writerRegion}`,
  };
}

export interface ProbeAnswer {
  readonly status: number;
}

export interface ProbeResult {
  readonly healthy: boolean;
  readonly detail: string;
}

/** A healthy peer answers 200 (it serves its role: table reachable, flag readable). */
export function probeResult(answer: ProbeAnswer | Error): ProbeResult {
  if (answer instanceof Error) {
    return { healthy: false, detail: `no answer (${answer.name})` };
  }
  return answer.status === 200
    ? { healthy: true, detail: "200" }
    : { healthy: false, detail: `answered ${answer.status}` };
}
