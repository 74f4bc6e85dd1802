import { createServer } from "node:net";

/**
 * A loopback port nothing listens on right now: the OS picks it, and it is released before this
 * resolves. For a process under test that must be told its port (a child process, a closed port
 * that refuses connections); a server in this process listens on port 0 instead.
 *
 * @example
 * const [port, adminPort] = [await freePort(), await freePort()];
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
