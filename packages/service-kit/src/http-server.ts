import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { Component } from "./lifecycle.js";

export interface HttpServerOptions {
  name: string;
  app: Hono;
  port: number;
  host?: string;
  /** How long in-flight requests may take to finish on stop before connections are cut. */
  drainTimeoutMs?: number;
}

/**
 * A Hono app served by @hono/node-server as a lifecycle component. Stopping closes the listener
 * (no new connections), lets in-flight requests finish, closes idle keep-alive connections, and
 * cuts whatever is left after the drain timeout.
 *
 * @example
 * lifecycle.add(new HttpServer({ name: "webhook-http", app, port: 8080 }));
 */
export class HttpServer implements Component {
  readonly name: string;
  private server: ServerType | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.name = options.name;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = serve(
        { fetch: this.options.app.fetch, port: this.options.port, hostname: this.options.host ?? "0.0.0.0" },
        () => resolve(),
      );
      server.once("error", reject);
      this.server = server;
    });
  }

  /** The bound port (useful when started on port 0). */
  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error(`${this.name} is not listening`);
    return address.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    const timer = setTimeout(() => {
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, this.options.drainTimeoutMs ?? 10_000);
    // Keep-alive connections that become idle after their last response are closed as they settle.
    const idleSweep = setInterval(() => {
      if ("closeIdleConnections" in server) server.closeIdleConnections();
    }, 50);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
      clearInterval(idleSweep);
    }
  }
}
