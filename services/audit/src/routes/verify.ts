import { createRoute, z } from "@hono/zod-openapi";
import { AUTH_ERRORS, assertDomainAllowed, principalOf } from "@parakey-bridge/auth";
import { type ApiApp, jsonResponses } from "@parakey-bridge/service-kit";
import type { ChainVerifier } from "../chain/verify.js";
import { ChainVerificationSchema } from "./schemas.js";

/**
 * `GET /v1/verify?domainId=`: recomputes the domain's hash chain and answers 200 with `ok` and,
 * when broken, the first broken link (a verification that ran is a result, not an error; it also
 * counts `bridge_audit_chain_verification_failures_total`). A domain outside the principal's answers
 * 403 (so does the domain-less chain, unless the principal sees every domain).
 */
export const verifyRoute = createRoute({
  method: "get",
  path: "/v1/verify",
  summary: "Recompute a domain's hash chain",
  request: {
    query: z
      .object({
        // `domainId=` (empty) names the chain of events that carry no domain.
        domainId: z.string().describe("Required; empty names the chain of events without a domain."),
      })
      .strict(),
  },
  responses: jsonResponses(
    "The verification ran: `ok`, or the first broken link.",
    ChainVerificationSchema,
    ...AUTH_ERRORS,
    "invalid_request",
    "db_unavailable",
  ),
});

export function registerVerify(app: ApiApp, verifier: ChainVerifier): void {
  app.openapi(verifyRoute, async (c) => {
    const query = c.req.valid("query");
    const domainId = query.domainId === "" ? null : query.domainId;
    assertDomainAllowed(principalOf(c), domainId);
    return c.json(await verifier.verify(domainId), 200);
  });
}
