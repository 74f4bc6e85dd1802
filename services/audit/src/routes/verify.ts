import { assertDomainAllowed, principalOf } from "@parakey-bridge/auth";
import { ValidationError } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import { z } from "zod";
import type { ChainVerifier } from "../chain/verify.js";

// `domainId=` (empty) names the chain of events that carry no domain.
const VerifyQuery = z.object({ domainId: z.string() }).strict();

/**
 * `GET /v1/verify?domainId=`: recomputes the domain's hash chain and answers 200 with `ok` and,
 * when broken, the first broken link (a verification that ran is a result, not an error; it also
 * counts `bridge_audit_chain_verification_failures_total`). A domain outside the principal's answers
 * 403 (so does the domain-less chain, unless the principal sees every domain).
 */
export function verifyRoute(app: Hono, verifier: ChainVerifier): void {
  app.get("/v1/verify", async (c) => {
    const parsed = VerifyQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ValidationError(`domainId is required: ${z.prettifyError(parsed.error)}`);
    const domainId = parsed.data.domainId === "" ? null : parsed.data.domainId;
    assertDomainAllowed(principalOf(c), domainId);
    const result = await verifier.verify(domainId);
    return c.json(result);
  });
}
