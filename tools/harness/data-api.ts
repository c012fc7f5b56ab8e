/**
 * The RDS Data API in front of a throw-away PostgreSQL (./postgres.ts), for tests and game days: named
 * parameters bound as SQL literals, a statement's records or its update count, and the error a
 * failed statement gets. What it follows: ExecuteStatement
 * (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html):
 * `sql` with `:name` placeholders, `parameters` of `{ name, value: { stringValue | longValue } }`,
 * an answer of `records` (rows of typed fields) and `numberOfRecordsUpdated`; a statement the
 * database refuses is a `DatabaseErrorException`. Served over HTTP as the SDK calls it
 * (`POST /Execute`), or called directly with the Step Functions integration's capitalized names.
 */
import * as http from "node:http";
import { close, listen } from "./emulators";
import type { Postgres } from "./postgres";

interface Parameter {
  readonly name: string;
  readonly value: { readonly stringValue?: string; readonly longValue?: number };
}

/**
 * The parameters as Step Functions' AWS SDK integration passes them (the API's member names
 * capitalized: `Name`, `Value.StringValue`), in the Data API's own shape.
 */
export function fromIntegration(parameters: unknown): Parameter[] {
  return (
    (parameters ?? []) as { Name: string; Value: { StringValue?: string; LongValue?: number } }[]
  ).map((p) => ({
    name: p.Name,
    value: { stringValue: p.Value.StringValue, longValue: p.Value.LongValue },
  }));
}

/** The statement with its `:name` placeholders replaced by SQL literals. */
export function bind(sql: string, parameters: readonly Parameter[]): string {
  return sql.replace(/:([a-z_]+)/g, (whole, name: string) => {
    const value = parameters.find((p) => p.name === name)?.value;
    if (value === undefined) {
      return whole;
    }
    if (typeof value.longValue === "number") {
      if (!Number.isSafeInteger(value.longValue)) {
        throw new Error(`${name} is not a whole number`);
      }
      return String(value.longValue);
    }
    if (typeof value.stringValue !== "string") {
      throw new Error(`${name} has no stringValue or longValue`);
    }
    return `'${value.stringValue.replace(/'/g, "''")}'`;
  });
}

export interface DataApiAnswer {
  readonly records?: { readonly stringValue: string }[][];
  readonly numberOfRecordsUpdated: number;
}

/** Runs one statement; throws an error named `DatabaseErrorException` when PostgreSQL refuses. */
export function executeStatement(
  postgres: Pick<Postgres, "query">,
  sql: string,
  parameters: readonly Parameter[] = [],
): DataApiAnswer {
  const bound = bind(sql, parameters);
  let lines: string[];
  try {
    lines = postgres.query(bound);
  } catch (error) {
    throw Object.assign(new Error((error as Error).message), { name: "DatabaseErrorException" });
  }
  if (/^\s*select\b/i.test(bound)) {
    return {
      records: lines.map((line) => line.split("|").map((field) => ({ stringValue: field }))),
      numberOfRecordsUpdated: 0,
    };
  }
  // psql prints the command tag: INSERT 0 <rows>, UPDATE <rows>, DELETE <rows>.
  const tag = /^(?:INSERT \d+|UPDATE|DELETE) (\d+)$/.exec(lines.at(-1) ?? "");
  return { numberOfRecordsUpdated: tag === null ? 0 : Number(tag[1]) };
}

export interface DataApiServer {
  readonly endpoint: string;
  /** Statements served, in order. */
  readonly statements: string[];
  close(): Promise<void>;
}

/**
 * The Data API over HTTP on 127.0.0.1, as the AWS SDK calls it. With `writer`, only that cluster
 * ARN runs statements: the others answer as a global database's secondary without a writer does
 * (its queries fail: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
 */
export async function startDataApi(
  postgres: Postgres,
  options: {
    readonly writer?: () => string;
    /**
     * The database user of a secret, as the Data API logs in with the secret's username
     * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.access.html);
     * statements of other secrets run as the server's superuser.
     */
    readonly userOf?: (secretArn: string) => string | undefined;
  } = {},
): Promise<DataApiServer> {
  const statements: string[] = [];
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const body = JSON.parse(text || "{}") as {
        sql: string;
        resourceArn?: string;
        secretArn?: string;
        parameters?: Parameter[];
      };
      const user = options.userOf?.(body.secretArn ?? "");
      const session = user === undefined ? postgres : postgres.as(user);
      if (options.writer !== undefined && body.resourceArn !== options.writer()) {
        response.writeHead(400, {
          "Content-Type": "application/json",
          "x-amzn-errortype": "BadRequestException",
        });
        response.end(JSON.stringify({ message: `${body.resourceArn} has no writer instance` }));
        return;
      }
      statements.push(body.sql);
      try {
        const answer = executeStatement(session, body.sql, body.parameters ?? []);
        response.writeHead(200, { "Content-Type": "application/json" });
        response.end(JSON.stringify(answer));
      } catch (error) {
        response.writeHead(400, {
          "Content-Type": "application/json",
          "x-amzn-errortype": "DatabaseErrorException",
        });
        response.end(JSON.stringify({ message: (error as Error).message }));
      }
    });
  });
  const endpoint = await listen(server);
  return { endpoint, statements, close: () => close(server) };
}
