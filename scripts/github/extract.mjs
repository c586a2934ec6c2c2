#!/usr/bin/env node
// Extracts what benchgate's GitHub tests need from GitHub's official descriptions:
//
// - tests/github/openapi.json: for each REST operation benchgate calls, the request
//   body schema, the response schema and the documented example response, taken from
//   @octokit/openapi (generated/api.github.com.json). Schemas are dereferenced and
//   turned from OpenAPI 3.0 into plain JSON Schema (`nullable: true` becomes a
//   `"null"` type), so the Rust tests validate with the jsonschema crate alone.
// - tests/github/events/*.json: webhook payloads from @octokit/webhooks-examples
//   (pull_request opened and synchronize, push, workflow_dispatch).
//
// The Rust tests read only these committed files; `.ci/run` installs the pinned
// packages (scripts/github/package.json) and runs this script with --check, which
// fails when the committed files differ from what the packages say.
//
// Usage: node scripts/github/extract.mjs NODE_MODULES_DIR [--check]

import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const out = join(root, "tests", "github");

const args = process.argv.slice(2);
const check = args.includes("--check");
const modules = args.find((a) => !a.startsWith("--"));
if (!modules) {
  console.error("usage: node scripts/github/extract.mjs NODE_MODULES_DIR [--check]");
  process.exit(2);
}

const pkgVersion = (name) =>
  JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;
const openapiFile = join(modules, "@octokit/openapi/generated/api.github.com.json");
const spec = JSON.parse(readFileSync(openapiFile, "utf8"));

// The operations benchgate sends, by operationId: the PR comment's (and the pull
// request's head, which says whose report is newest), then those of
// `--baseline artifact:NAME` (find the workflow, its latest successful run on the
// base branch, the run's artifacts, the artifact's download redirect).
const OPERATIONS = [
  "issues/list-comments",
  "issues/create-comment",
  "issues/update-comment",
  "issues/delete-comment",
  "pulls/get",
  "actions/list-repo-workflows",
  "actions/list-workflow-runs",
  "actions/list-workflow-run-artifacts",
  "actions/download-artifact",
];

function resolveRef(ref) {
  if (!ref.startsWith("#/")) throw new Error(`external $ref not supported: ${ref}`);
  let node = spec;
  for (const part of ref.slice(2).split("/")) {
    node = node[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (node === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  return node;
}

// Inlines $refs and converts OpenAPI 3.0 schema keywords to JSON Schema.
function toJsonSchema(schema, seen = []) {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, seen));
  if (schema === null || typeof schema !== "object") return schema;
  if (schema.$ref) {
    if (seen.includes(schema.$ref)) return {}; // a cycle: accept anything below here
    return toJsonSchema(resolveRef(schema.$ref), [...seen, schema.$ref]);
  }
  const outSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "example" || key === "examples" || key.startsWith("x-")) continue;
    if (key === "nullable") continue;
    if (key === "properties" || key === "patternProperties") {
      outSchema[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, seen)]),
      );
    } else if (typeof value === "object" && value !== null) {
      outSchema[key] = toJsonSchema(value, seen);
    } else {
      outSchema[key] = value;
    }
  }
  if (schema.nullable === true) {
    if (typeof outSchema.type === "string") {
      outSchema.type = [outSchema.type, "null"];
    } else if (outSchema.enum) {
      outSchema.enum = [...outSchema.enum, null];
    } else if (outSchema.anyOf || outSchema.oneOf || outSchema.allOf) {
      return { anyOf: [outSchema, { type: "null" }] };
    }
  }
  return outSchema;
}

function deref(node) {
  while (node && node.$ref) node = resolveRef(node.$ref);
  return node;
}

function findOperation(id) {
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (op && op.operationId === id) return { path, method, op };
    }
  }
  throw new Error(`operation ${id} not in the description`);
}

function operation(id) {
  const { path, method, op } = findOperation(id);
  const result = { method: method.toUpperCase(), path };
  const body = deref(op.requestBody);
  if (body) {
    result.request_schema = toJsonSchema(body.content["application/json"].schema);
  }
  const query = (op.parameters || []).map(deref).filter((p) => p.in === "query");
  if (query.length > 0) result.query_parameters = query.map((p) => p.name);
  // A success, or the redirect that some downloads answer with (no body then).
  const [status, response] = Object.entries(op.responses).find(([code]) => /^[23]/.test(code));
  result.response_status = Number(status);
  const content = deref(response).content?.["application/json"];
  if (content) {
    result.response_schema = toJsonSchema(content.schema);
    result.response_example = deref(content.examples.default).value;
  }
  const headers = deref(response).headers || {};
  for (const [name, header] of Object.entries(headers)) {
    const h = deref(header);
    if (h.example) (result.response_headers ??= {})[name] = h.example;
  }
  result.error_statuses = Object.keys(op.responses)
    .filter((code) => !code.startsWith("2"))
    .map(Number);
  return result;
}

const openapi = {
  source: `@octokit/openapi@${pkgVersion("@octokit/openapi")} generated/api.github.com.json (OpenAPI ${spec.openapi}, API ${spec.info.version})`,
  operations: Object.fromEntries(OPERATIONS.map((id) => [id, operation(id)])),
  error_schema: toJsonSchema({ $ref: "#/components/schemas/basic-error" }),
};

const examples = JSON.parse(
  readFileSync(join(modules, "@octokit/webhooks-examples/api.github.com/index.json"), "utf8"),
);
function event(name, pick) {
  const entry = examples.find((e) => e.name === name);
  const found = entry && entry.examples.find(pick);
  if (!found) throw new Error(`no ${name} example matches`);
  return found;
}
const events = {
  "pull_request.opened.json": event("pull_request", (e) => e.action === "opened"),
  "pull_request.synchronize.json": event("pull_request", (e) => e.action === "synchronize"),
  "push.json": event("push", (e) => e.ref === "refs/heads/master"),
  "workflow_dispatch.json": event("workflow_dispatch", () => true),
};

const files = {
  "openapi.json": openapi,
  ...Object.fromEntries(Object.entries(events).map(([k, v]) => [join("events", k), v])),
};
files[join("events", "SOURCE")] =
  `@octokit/webhooks-examples@${pkgVersion("@octokit/webhooks-examples")} api.github.com/index.json\n`;

let stale = 0;
for (const [name, value] of Object.entries(files)) {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2) + "\n";
  const target = join(out, name);
  if (check) {
    const current = existsSync(target) ? readFileSync(target, "utf8") : null;
    if (current !== text) {
      console.error(`stale: ${target} (regenerate: node scripts/github/extract.mjs ${modules})`);
      stale += 1;
    }
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
if (stale > 0) process.exit(1);
if (check) console.log(`tests/github is up to date with ${openapi.source}`);
