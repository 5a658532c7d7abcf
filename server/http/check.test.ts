import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonDrift, problemDrift, rawDrift } from "./check";
import { json, noContent, type SpecCore } from "./spec";

const spec: SpecCore = {
  method: "GET",
  path: "/things/{id}",
  access: "viewer",
  summary: "a thing",
  params: z.object({ id: z.string() }),
  responses: { 200: json(z.object({ id: z.string(), n: z.number() }), "the thing"), 204: noContent("none") },
  errors: ["not_found"],
};

describe("check mode", () => {
  it("passes a declared answer of the declared shape", () => {
    expect(jsonDrift(spec, 200, { id: "a", n: 1 })).toBeUndefined();
    expect(rawDrift(spec, new Response(null, { status: 204 }))).toBeUndefined();
    expect(problemDrift(spec, "not_found")).toBeUndefined();
    expect(problemDrift(spec, "validation")).toBeUndefined(); // the builder's own: params are parsed
  });

  it("names a field that drifted, an undeclared status and an undeclared problem code", () => {
    expect(jsonDrift(spec, 200, { id: "a", n: "1" })).toMatch(/GET \/api\/fleet\/things\/\{id\} 200 .*n: /);
    expect(jsonDrift(spec, 201, { id: "a", n: 1 })).toMatch(/answered 201, which its spec does not declare/);
    expect(jsonDrift(spec, 204, {})).toMatch(/declared no body/);
    expect(rawDrift(spec, new Response("x", { status: 200, headers: { "content-type": "text/plain" } }))).toMatch(/as text\/plain, declared application\/json/);
    expect(problemDrift(spec, "lease_lost")).toMatch(/lease_lost/);
  });
});
