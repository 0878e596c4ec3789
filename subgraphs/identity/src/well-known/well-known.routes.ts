import type { Express } from "express";
import type { SigningKeyService } from "../keys/signing-key.service.js";
import { signingAlgorithm } from "../keys/signing-key.service.js";

export interface IssuerMetadata {
  issuer: string;
  scopes: readonly string[];
}

/**
 * OpenID/OAuth discovery (RFC 8414) and the key set. Paths are relative to the issuer, which is the gateway:
 * it forwards `/.well-known/*` and `/oauth/*` here.
 */
export function wellKnownRoutes(app: Express, keys: SigningKeyService, metadata: IssuerMetadata): void {
  app.get("/.well-known/jwks.json", async (_req, res, next) => {
    try {
      res.set("cache-control", "public, max-age=300").json(await keys.jwks());
    } catch (error) {
      next(error);
    }
  });
  app.get(["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"], (_req, res) => {
    const issuer = metadata.issuer.replace(/\/$/, "");
    res.set("cache-control", "public, max-age=300").json({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/oauth/token`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      grant_types_supported: ["client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "bearer"],
      response_types_supported: ["token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: [signingAlgorithm],
      token_endpoint_auth_signing_alg_values_supported: [signingAlgorithm],
      scopes_supported: metadata.scopes,
    });
  });
}
