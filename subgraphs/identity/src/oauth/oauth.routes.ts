import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { DomainError } from "@repti/kit";
import { formParam, readClientAuthentication, type FormBody } from "./client-auth.js";
import { invalidRequest, OAuthError } from "./oauth.errors.js";
import type { OAuthService } from "./oauth.service.js";

/** RFC 6749 §5.1: token responses must not be cached. */
const noStore = { "cache-control": "no-store", pragma: "no-cache" };

function formBody(req: Request): FormBody {
  if (!req.is("application/x-www-form-urlencoded")) throw invalidRequest("Send the parameters as application/x-www-form-urlencoded");
  return (req.body ?? {}) as FormBody;
}

/** OAuth errors as RFC 6749 JSON; RATE_LIMITED as 429 with Retry-After; anything else to the common handler. */
function oauthHandler(handle: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res, next) => {
    try {
      await handle(req, res);
    } catch (error) {
      if (error instanceof OAuthError) {
        res.status(error.status).set({ ...noStore, ...error.headers }).json({ error: error.error, error_description: error.description });
      } else if (error instanceof DomainError && error.code === "RATE_LIMITED") {
        const retryAfter = String(error.details.retryAfterSeconds ?? 1);
        res.status(429).set({ ...noStore, "retry-after": retryAfter }).json({ error: "temporarily_unavailable", error_description: error.message });
      } else {
        next(error);
      }
    }
  };
}

/**
 * `POST /oauth/token` (client credentials) and `POST /oauth/introspect` (RFC 7662), form-encoded. Clients reach
 * them at the issuer, the gateway, which forwards them here.
 */
export function oauthRoutes(app: Express, oauth: OAuthService): void {
  const form = express.urlencoded({ extended: false, limit: "16kb", parameterLimit: 32 });

  app.post(
    "/oauth/token",
    form,
    oauthHandler(async (req, res) => {
      await oauth.admitClientAddress(req.ip);
      const body = formBody(req);
      const client = readClientAuthentication(req.headers.authorization, body);
      const token = await oauth.token(client, { grantType: formParam(body, "grant_type"), scope: formParam(body, "scope") });
      res.set(noStore).json(token);
    }),
  );

  app.post(
    "/oauth/introspect",
    form,
    oauthHandler(async (req, res) => {
      await oauth.admitClientAddress(req.ip);
      const body = formBody(req);
      await oauth.authorizeIntrospection(readClientAuthentication(req.headers.authorization, body));
      const token = formParam(body, "token");
      if (!token) throw invalidRequest("token is required");
      res.set(noStore).json(await oauth.introspect(token));
    }),
  );
}
