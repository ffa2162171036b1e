import { appendFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { z } from "zod";
import { buildOpenApi } from "@liveline/server";

/**
 * Checks answers of the running service against the OpenAPI document it serves (the same
 * `buildOpenApi()`; test/contract.test.ts checks the served copy is that one). `Api.request`
 * runs every answer through `checkAnswer`, so each existing test is also a contract test.
 */

const MediaType = z.object({ schema: z.unknown() });
const Response = z.object({
  content: z.record(z.string(), MediaType).optional(),
  headers: z.record(z.string(), z.object({ required: z.boolean().optional() })).optional(),
});
const Operation = z.object({ operationId: z.string().optional(), responses: z.record(z.string(), Response) });
const Document = z.object({
  paths: z.record(z.string(), z.record(z.string(), Operation)),
  components: z.object({ schemas: z.record(z.string(), z.unknown()) }),
});
type Response = z.infer<typeof Response>;

const COMPONENTS_ID = "components.json";

/** `#/components/schemas/X` → a reference into the components registered with Ajv. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (k !== "$ref") return [k, rewriteRefs(v)];
      if (typeof v !== "string" || !v.startsWith("#/components/schemas/")) {
        throw new Error(`contract: unexpected $ref ${String(v)} in /openapi.json`);
      }
      return [k, `${COMPONENTS_ID}#/$defs/${v.slice("#/components/schemas/".length)}`];
    }),
  );
}

interface Known {
  template: string;
  pattern: RegExp;
  operations: Record<string, z.infer<typeof Operation>>;
}

class Contract {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly known: Known[];
  private readonly validators = new Map<unknown, ValidateFunction>();
  private readonly errorSchema: ValidateFunction;
  /** How many answers were checked (reported by test/contract.test.ts). */
  checked = 0;

  constructor(doc: unknown) {
    const parsed = Document.parse(doc);
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(parsed.components.schemas) });
    this.errorSchema = this.ajv.compile({ $ref: `${COMPONENTS_ID}#/$defs/Error` });
    this.known = Object.entries(parsed.paths).map(([template, operations]) => ({
      template,
      // Express's matching: a parameter is one segment; case-insensitive; optional trailing slash.
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "[^/]+")}/?$`, "i"),
      operations,
    }));
  }

  private validator(schema: unknown): ValidateFunction {
    let v = this.validators.get(schema);
    if (v === undefined) {
      v = this.ajv.compile(rewriteRefs(schema) as object);
      this.validators.set(schema, v);
    }
    return v;
  }

  /** Returns what is wrong with the answer, or undefined when the document allows it. */
  problem(a: Answer): { problem?: string; where: string } {
    const pathname = new URL(a.path, "http://x").pathname;
    const method = a.method.toLowerCase() === "head" ? "get" : a.method.toLowerCase();
    const known = this.known.find((k) => k.pattern.test(pathname));
    const op = known?.operations[method];
    if (known === undefined || op === undefined) {
      // Not an operation: only the two "no such route" answers are allowed.
      const where = `${a.method.toUpperCase()} ${pathname} (no operation)`;
      const allow = a.headers.get("allow");
      if (a.status === 405 && known !== undefined && allow !== null) return { where, ...this.errorBody(a) };
      if (a.status === 404 && known === undefined) return { where, ...this.errorBody(a) };
      return { where, problem: `answered ${a.status}, but /openapi.json has no operation for it` };
    }
    const where = `${a.method.toUpperCase()} ${known.template} (${op.operationId ?? "no operationId"})`;
    const declared = op.responses[String(a.status)] ?? op.responses.default;
    if (declared === undefined) {
      const statuses = Object.keys(op.responses).join(", ");
      return { where, problem: `status ${a.status} is not declared (declared: ${statuses})` };
    }
    return { where, ...this.matches(a, declared) };
  }

  private errorBody(a: Answer): { problem?: string } {
    if (this.errorSchema(parseJson(a.text))) return {};
    return { problem: `the body is not the Error shape: ${this.ajv.errorsText(this.errorSchema.errors)}` };
  }

  private matches(a: Answer, declared: Response): { problem?: string } {
    for (const [name, h] of Object.entries(declared.headers ?? {})) {
      if (h.required && a.headers.get(name) === null) return { problem: `the required ${name} header is missing` };
    }
    const bodyless = a.method.toUpperCase() === "HEAD" || a.status === 304;
    if (declared.content === undefined) {
      return bodyless || a.text.length === 0
        ? {}
        : { problem: `sent a body, but none is declared: ${snippet(a.text)}` };
    }
    if (bodyless) return {};
    const type = (a.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const media = declared.content[type];
    if (media === undefined) {
      return { problem: `content-type "${type}" is not declared (${Object.keys(declared.content).join(", ")})` };
    }
    // JSON and its suffixed kinds (`application/feed+json`) are checked as what they parse into.
    const json = /^application\/(?:[\w.-]+\+)?json$/.test(type);
    const validate = this.validator(media.schema);
    if (validate(json ? parseJson(a.text) : a.text)) return {};
    return {
      problem: `the body does not match its schema: ${this.ajv.errorsText(validate.errors)}; body ${snippet(a.text)}`,
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function snippet(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export interface Answer {
  method: string;
  /** The request's path, with its query string. */
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

let built: Contract | undefined;

function contract(): Contract {
  built ??= new Contract(buildOpenApi());
  return built;
}

/** How many answers this test file has had checked so far. */
export function checkedAnswers(): number {
  return contract().checked;
}

/**
 * Throws when the answer is not one /openapi.json allows: its status must be declared for the
 * operation, its content type declared, and a JSON body must match the declared schema. With
 * LIVELINE_CONTRACT_LOG set, each checked answer is appended to that file as one line.
 */
export function checkAnswer(a: Answer): void {
  const c = contract();
  const { problem, where } = c.problem(a);
  if (problem !== undefined) {
    throw new Error(
      `contract mismatch: ${a.method.toUpperCase()} ${a.path} [${where}] answered ${a.status}: ${problem}`,
    );
  }
  c.checked += 1;
  const log = process.env.LIVELINE_CONTRACT_LOG;
  if (log) appendFileSync(log, `${where} ${a.status}\n`);
}
