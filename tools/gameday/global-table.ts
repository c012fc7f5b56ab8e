/**
 * The payments table as a DynamoDB global table of two regions, for game days: one dynalite per
 * region behind a recording proxy, and an asynchronous replicator between them. It models what the
 * DynamoDB Developer Guide says of global tables in multi-Region eventual consistency (MREC,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html):
 * a write is acknowledged by its own region and reaches the other asynchronously (typically within
 * a second); concurrent writes to one item are reconciled last writer wins; and a region that is
 * cut off keeps its unreplicated writes until it is reachable again.
 *
 * The replication lag and each region's reachability are the game day's to set; time is the
 * game day's simulated clock (`deliver(upToMs)` applies what is due).
 */
import * as http from "node:http";
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import {
  close,
  createPaymentsTable,
  listen,
  type LocalDynamoDb,
  startDynamoDb,
} from "../harness/emulators";

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
/** The write operations a proxy records (the handlers and state machines use no others). */
const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem"]);

interface PendingWrite {
  readonly key: string;
  readonly from: string;
  /** Simulated time of the write in its own region. */
  readonly writtenAtMs: number;
  readonly dueAtMs: number;
}

export interface RegionTable {
  readonly region: string;
  /** Where this region's handlers send DynamoDB calls (AWS_ENDPOINT_URL_DYNAMODB). */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly db: LocalDynamoDb;
}

export interface GlobalTableOptions {
  readonly regions: readonly [string, string];
  readonly tableName: string;
  /** The table's partition key attribute. */
  readonly keyAttribute: string;
  /** The game day's clock, in simulated milliseconds. */
  readonly now: () => number;
}

export class GlobalTable {
  readonly regions: Readonly<Record<string, RegionTable>>;
  /** Replication delay from each region into the other, in simulated milliseconds. */
  readonly lagMs: Record<string, number>;
  private readonly reachable: Record<string, boolean>;
  private readonly pending: PendingWrite[] = [];
  /** The simulated time of the last write applied to each key in each region (last writer wins). */
  private readonly lastWrite = new Map<string, number>();
  private readonly proxies: http.Server[];
  /** The replication pass under way, if any: closing waits for it (dynalite throws otherwise). */
  private delivering: Promise<number> = Promise.resolve(0);

  private constructor(
    private readonly options: GlobalTableOptions,
    regions: Record<string, RegionTable>,
    proxies: http.Server[],
  ) {
    this.regions = regions;
    this.proxies = proxies;
    this.lagMs = Object.fromEntries(options.regions.map((r) => [r, 500]));
    this.reachable = Object.fromEntries(options.regions.map((r) => [r, true]));
  }

  static async start(options: GlobalTableOptions): Promise<GlobalTable> {
    const regions: Record<string, RegionTable> = {};
    const proxies: http.Server[] = [];
    // The proxies report writes to the table, which exists once every region's proxy does.
    const created: { table?: GlobalTable } = {};
    for (const region of options.regions) {
      const db = await startDynamoDb();
      await createPaymentsTable(db, options.tableName);
      const proxy = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => {
          const forward = http.request(
            db.endpoint + (request.url ?? "/"),
            // A fresh connection each time: a kept-alive one that dynalite has just closed fails
            // the request before dynalite sees it ("socket hang up").
            { method: request.method, headers: request.headers, agent: false },
            (answer) => {
              let text = "";
              answer.on("data", (chunk: Buffer) => (text += chunk.toString()));
              answer.on("end", () => {
                const operation = String(request.headers["x-amz-target"] ?? "").split(".")[1];
                if (answer.statusCode === 200 && WRITES.has(operation ?? "")) {
                  created.table?.recordWrite(region, JSON.parse(body) as Record<string, unknown>);
                }
                response.writeHead(answer.statusCode ?? 500, answer.headers);
                response.end(text);
              });
            },
          );
          forward.on("error", (error) => {
            // What DynamoDB answers when it fails inside: a 500 the SDK retries.
            response.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
            response.end(
              JSON.stringify({
                __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
                message: `the game day's dynalite did not answer: ${error.message}`,
              }),
            );
          });
          forward.end(body);
        });
      });
      const endpoint = await listen(proxy);
      proxies.push(proxy);
      regions[region] = {
        region,
        endpoint,
        db,
        client: new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS }),
      };
    }
    created.table = new GlobalTable(options, regions, proxies);
    return created.table;
  }

  /** A region cut off (or back): nothing replicates from or to it while it is. */
  setReachable(region: string, reachable: boolean): void {
    this.reachable[region] = reachable;
  }

  /** How far behind the oldest unapplied write is (ReplicationLatency), in milliseconds. */
  get replicationLatencyMs(): number {
    if (this.pending.length === 0) {
      return Math.min(...Object.values(this.lagMs));
    }
    return Math.max(0, this.options.now() - Math.min(...this.pending.map((p) => p.writtenAtMs)));
  }

  /** How long the oldest write that is due (and can be applied) has waited past its time. */
  get overdueMs(): number {
    const due = this.pending
      .filter((p) => this.reachable[p.from] && this.reachable[this.peerOf(p.from)])
      .map((p) => p.dueAtMs);
    return due.length === 0 ? 0 : Math.max(0, this.options.now() - Math.min(...due));
  }

  /** Writes not yet applied in the other region. */
  get backlog(): number {
    return this.pending.length;
  }

  private recordWrite(region: string, request: Record<string, unknown>): void {
    const { keyAttribute } = this.options;
    const item = (request.Item ?? request.Key) as Record<string, AttributeValue> | undefined;
    const key = item?.[keyAttribute]?.S;
    if (key === undefined) {
      return;
    }
    const at = this.options.now();
    this.lastWrite.set(`${region}/${key}`, at);
    this.pending.push({ key, from: region, writtenAtMs: at, dueAtMs: at + this.lagMs[region] });
  }

  /**
   * Applies every replicated write due by `upToMs` between reachable regions: the item as its
   * source region holds it now (or its deletion), unless the destination wrote the item later
   * (last writer wins).
   */
  deliver(upToMs: number): Promise<number> {
    const pass = this.delivering.then(() => this.deliverDue(upToMs));
    this.delivering = pass.catch(() => 0);
    return pass;
  }

  private async deliverDue(upToMs: number): Promise<number> {
    const due = this.pending.filter(
      (p) => p.dueAtMs <= upToMs && this.reachable[p.from] && this.reachable[this.peerOf(p.from)],
    );
    // Several writes of one item due together are one copy of the item as it is now.
    const latest = new Map<string, PendingWrite>();
    for (const write of due) {
      this.pending.splice(this.pending.indexOf(write), 1);
      const key = `${write.from}/${write.key}`;
      const seen = latest.get(key);
      if (seen === undefined || seen.writtenAtMs <= write.writtenAtMs) {
        latest.set(key, write);
      }
    }
    const writes = [...latest.values()];
    let applied = 0;
    // A few at a time, as the service replicates items independently of each other.
    for (let i = 0; i < writes.length; i += 16) {
      const results = await Promise.all(writes.slice(i, i + 16).map((w) => this.apply(w)));
      applied += results.filter(Boolean).length;
    }
    return applied;
  }

  /** One replicated write: the item as its source holds it now, unless the destination wrote later. */
  private async apply(write: PendingWrite): Promise<boolean> {
    const to = this.peerOf(write.from);
    if ((this.lastWrite.get(`${to}/${write.key}`) ?? -1) > write.writtenAtMs) {
      return false;
    }
    const key = { [this.options.keyAttribute]: { S: write.key } };
    const source = await this.regions[write.from].db.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }),
    );
    // Straight to the destination's dynalite: a replicated write is not a new write there.
    const destination = this.regions[to].db.client;
    if (source.Item === undefined) {
      await destination.send(
        new DeleteItemCommand({ TableName: this.options.tableName, Key: key }),
      );
    } else {
      await destination.send(
        new PutItemCommand({ TableName: this.options.tableName, Item: source.Item }),
      );
    }
    this.lastWrite.set(`${to}/${write.key}`, write.writtenAtMs);
    return true;
  }

  private peerOf(region: string): string {
    const [a, b] = this.options.regions;
    return region === a ? b : a;
  }

  async close(): Promise<void> {
    for (const proxy of this.proxies) {
      await close(proxy);
    }
    await this.delivering;
    for (const region of Object.values(this.regions)) {
      region.client.destroy();
      await region.db.close();
    }
  }
}
