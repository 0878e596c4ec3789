import { WebSocket } from "ws";
import type { AuthContext, Logger } from "@repti/kit";
import type { GatewayContext } from "../server.js";
import type { LiveCaller } from "./live-hub.js";

/** What a connection's credentials gave: who it is, and until when. */
export interface Credentials {
  context: GatewayContext;
  /** When the access token expires (epoch ms); undefined for an anonymous connection. */
  expiresAt: number | undefined;
  /** An API key's token is renewed by exchanging the key again; a user's token is not renewable here. */
  renew: (() => Promise<Credentials>) | undefined;
}

/** graphql-ws's own close code for refused credentials; its client does not retry on it. */
export const unauthorizedCloseCode = 4401;
/** RFC 6455 "Try Again Later": a subscriber reading slower than its events arrive. */
const tooSlowCloseCode = 1013;
/** Unsent bytes a subscriber may fall behind by before it is dropped (it reconnects and catches up by query). */
const maxBufferedBytes = 1024 * 1024;
/** setTimeout's longest delay; a later expiry is checked again when it fires. */
const maxTimerMs = 2 ** 31 - 1;
/** An API key's token is renewed this long before it expires. */
const renewAheadMs = 20_000;

/**
 * One WebSocket connection with the credentials it was opened with. It ends (close code 4401) when its access
 * token expires, when its session or API key is revoked, or when the gateway's execution refuses its
 * credentials; a connection opened with an API key renews its short token by exchanging the key again.
 */
export class LiveConnection implements LiveCaller {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  subscriptions = 0;

  constructor(
    private readonly socket: WebSocket,
    private credentials: Credentials,
    private readonly log: Logger,
  ) {
    this.watchExpiry();
  }

  get auth(): AuthContext {
    return this.credentials.context.auth;
  }

  get context(): GatewayContext {
    return this.credentials.context;
  }

  /** The id the revocation list names this connection by: its session, or its API key. */
  get revocationId(): string | undefined {
    const { auth } = this;
    return auth.kind === "user" ? auth.sessionId : auth.kind === "service" ? auth.apiKeyId : undefined;
  }

  send(message: string): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > maxBufferedBytes) {
      this.close(tooSlowCloseCode, "Subscriber too slow: reconnect and read the current state");
      return;
    }
    this.socket.send(message);
  }

  refuse(reason: string): void {
    this.close(unauthorizedCloseCode, reason);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.dispose();
    // A close reason is at most 123 bytes.
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  /** Stops the expiry timer (the socket closed). */
  dispose(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private watchExpiry(): void {
    const { expiresAt, renew } = this.credentials;
    if (expiresAt === undefined) return;
    const due = expiresAt - (renew ? renewAheadMs : 0);
    this.timer = setTimeout(() => void this.onExpiry(due), Math.max(0, Math.min(due - Date.now(), maxTimerMs)));
    this.timer.unref();
  }

  private async onExpiry(due: number): Promise<void> {
    if (this.closed) return;
    if (Date.now() < due) return this.watchExpiry();
    const { renew } = this.credentials;
    if (!renew) return this.refuse("Access token expired: reconnect with a fresh one");
    try {
      const renewed = await renew();
      if (this.closed) return;
      this.credentials = renewed;
      this.watchExpiry();
    } catch (error) {
      this.log.info({ err: error }, "API key no longer accepted; ending its subscriptions");
      this.refuse("API key no longer accepted");
    }
  }
}
