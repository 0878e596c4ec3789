import { randomUUID } from "node:crypto";
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type JWK } from "jose";
import type { Logger } from "@repti/kit";
import type { SecretBox } from "../secrets/secret-box.js";
import type { SigningKeyRecord, SigningKeyStore } from "./signing-key.store.js";

export const signingAlgorithm = "EdDSA";

type SigningPrivateKey = Awaited<ReturnType<typeof importPKCS8>>;

export interface SigningKeyPolicy {
  /** How long a key signs before its successor takes over. */
  rotationSeconds: number;
  /** Longest lifetime of a token it signs: the public key stays published that much longer. */
  tokenLifetimeSeconds: number;
}

export interface ActiveKey {
  kid: string;
  privateKey: SigningPrivateKey;
}

/** Clock skew allowed between services, added to every published key's lifetime. */
const skewSeconds = 60;
/** How often the key table is re-read: new keys of other instances are seen within this. */
const refreshMs = 60_000;

/**
 * Token signing keys: one active key at a time, rotated on a schedule. A successor is published in the JWKS
 * before it signs (one token lifetime ahead), so verifiers caching the JWKS know it before they meet it; an
 * old key's public half stays published until every token it signed has expired.
 */
export class SigningKeyService {
  private loaded: { at: number; keys: SigningKeyRecord[] } | undefined;
  private readonly privateKeys = new Map<string, Promise<SigningPrivateKey>>();

  constructor(
    private readonly store: SigningKeyStore,
    private readonly box: SecretBox,
    private readonly policy: SigningKeyPolicy,
    private readonly log: Logger,
  ) {}

  private async keys(now: Date, force = false): Promise<SigningKeyRecord[]> {
    if (force || !this.loaded || Date.now() - this.loaded.at > refreshMs) {
      this.loaded = { at: Date.now(), keys: await this.store.unexpired(now) };
    }
    return this.loaded.keys;
  }

  private async create(activatesAt: Date): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(signingAlgorithm, { crv: "Ed25519", extractable: true });
    const kid = randomUUID();
    const retiresAt = new Date(activatesAt.getTime() + this.policy.rotationSeconds * 1000);
    await this.store.insertUnlessScheduled({
      kid,
      algorithm: signingAlgorithm,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: signingAlgorithm, use: "sig" },
      privateKeyEncrypted: this.box.seal(await exportPKCS8(privateKey)),
      activatesAt,
      retiresAt,
      expiresAt: new Date(retiresAt.getTime() + (this.policy.tokenLifetimeSeconds + skewSeconds) * 1000),
    });
    this.log.info({ activatesAt }, "signing key created");
  }

  /** The key to sign with now; creates the first key, and schedules the successor when it is due. */
  async active(now = new Date()): Promise<ActiveKey> {
    let keys = await this.keys(now);
    let current = latestActive(keys, now);
    if (!current) {
      // The first key starts a skew earlier: instances starting together, whose clocks read a few ms apart,
      // all find the one key that won the race already active. No token predates it.
      await this.create(new Date(now.getTime() - skewSeconds * 1000));
      keys = await this.keys(now, true);
      current = latestActive(keys, now);
      if (!current) throw new Error("no active signing key after creating one");
    }
    const successorDue = current.retiresAt.getTime() - now.getTime() <= (this.policy.tokenLifetimeSeconds + skewSeconds) * 1000;
    if (successorDue && !keys.some((key) => key.activatesAt >= current!.retiresAt)) {
      await this.create(current.retiresAt);
      await this.keys(now, true);
    }
    return { kid: current.kid, privateKey: await this.privateKey(current) };
  }

  private privateKey(record: SigningKeyRecord): Promise<SigningPrivateKey> {
    let key = this.privateKeys.get(record.kid);
    if (!key) {
      key = importPKCS8(this.box.open(record.privateKeyEncrypted), record.algorithm);
      this.privateKeys.set(record.kid, key);
    }
    return key;
  }

  /** The public keys a verifier may meet: every unexpired key, the scheduled successor included. */
  async jwks(now = new Date()): Promise<{ keys: JWK[] }> {
    await this.active(now);
    return { keys: (await this.keys(now)).filter((key) => key.expiresAt > now).map((key) => key.publicJwk as JWK) };
  }
}

function latestActive(keys: SigningKeyRecord[], now: Date): SigningKeyRecord | undefined {
  return keys.filter((key) => key.activatesAt <= now && key.retiresAt > now).at(-1);
}
