import { connect, createServer, type Server, Socket } from "node:net";
import { testKafkaBrokers, topicSize, uniqueName, waitUntil } from "@parakey-bridge/testkit";
import { ConfigResourceTypes, type ISocketFactory } from "kafkajs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { BatchingProducer, type OutgoingRecord, RecordTooLargeError } from "./producer.js";
import { brokerSuite } from "./test-support.js";

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/**
 * The producer against a real broker, with topics whose `max.message.bytes` is small enough that a
 * few coalesced records exceed it (what a burst of webhooks or a large poller page does to 1 MiB).
 */
describe("BatchingProducer never fails unrelated records together", () => {
  const { kafka, admin, created } = brokerSuite("producer-int", log);

  const smallTopic = async (maxMessageBytes: number, partitions = 2): Promise<string> => {
    const topic = uniqueName("small-batches");
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: [{ name: "max.message.bytes", value: String(maxMessageBytes) }],
        },
      ],
    });
    created.push(topic);
    return topic;
  };
  const record = (topic: string, i: number, bytes = 500): OutgoingRecord => ({
    topic,
    key: `dev_${i % 2}`,
    value: Buffer.alloc(bytes, 97 + (i % 26)),
  });
  /** Runs `use` with a started producer for `topics`, stopped afterwards. */
  const whileProducing = async (topics: string[], use: (producer: BatchingProducer) => Promise<void>) => {
    const producer = new BatchingProducer(kafka, {
      log,
      registry: new Registry(),
      lingerMs: 20,
      sendTimeoutMs: 20_000,
      topics,
    });
    await producer.start();
    try {
      await use(producer);
    } finally {
      await producer.stop();
    }
  };

  it("stores a coalesced burst larger than the topic's max.message.bytes, in requests under it", async () => {
    const topic = await smallTopic(4_096);
    await whileProducing([topic], async (producer) => {
      // 40 × 500 B arrive together: one request would carry ~10 KB per partition.
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => producer.send(record(topic, i))),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    });
    expect(await topicSize(kafka, topic)).toBe(40);
  });

  it("rejects only the record too large for its topic; the records batched with it are stored", async () => {
    const topic = await smallTopic(4_096);
    await whileProducing([topic], async (producer) => {
      const small = Array.from({ length: 6 }, (_, i) => producer.send(record(topic, i, 200)));
      const large = producer.send(record(topic, 99, 8_000));
      const results = await Promise.allSettled([...small, large]);
      expect(results.slice(0, 6).every((r) => r.status === "fulfilled")).toBe(true);
      const refused = results[6];
      expect(refused?.status).toBe("rejected");
      const error = refused?.status === "rejected" ? refused.reason : undefined;
      expect(error).toBeInstanceOf(RecordTooLargeError);
      expect(error).toMatchObject({ code: "record_too_large", retryable: false, topic });
    });
    expect(await topicSize(kafka, topic)).toBe(6);
  });

  it("splits and retries when the broker answers MESSAGE_TOO_LARGE (the limit was lowered after start)", async () => {
    const topic = await smallTopic(1_048_588);
    await whileProducing([topic], async (producer) => {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [{ name: "max.message.bytes", value: "4096" }],
          },
        ],
      });
      // The broker applies a topic's new config after the controller committed it: wait until it
      // reports the new limit, or the record over it below may still be accepted.
      await waitUntil("the broker applied the lower limit", async () => {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ["max.message.bytes"] }],
        });
        return resources[0]?.configEntries[0]?.configValue === "4096";
      });
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => producer.send(record(topic, i))),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      // A record alone over the new limit is answered as too large, not as Kafka being unavailable.
      await expect(producer.send(record(topic, 7, 6_000))).rejects.toBeInstanceOf(RecordTooLargeError);
    });
    expect(await topicSize(kafka, topic)).toBe(30);
  });

  it.each([
    ["OUT_OF_ORDER_SEQUENCE_NUMBER", 45],
    ["UNKNOWN_PRODUCER_ID", 59],
    ["INVALID_PRODUCER_EPOCH", 47],
  ])(
    "retries %s on a fresh producer within the deadline instead of failing the record",
    async (_type, code) => {
      const topic = await smallTopic(1_048_588, 1);
      const faults = new ProduceErrorInjector();
      const faulty = createKafka(
        { brokers: testKafkaBrokers(), clientId: uniqueName("producer-faults"), ssl: false },
        log,
        { socketFactory: faults.socketFactory },
      );
      const producer = new BatchingProducer(faulty, {
        log,
        registry: new Registry(),
        sendTimeoutMs: 20_000,
        topics: [topic],
      });
      await producer.start();
      try {
        await producer.send(record(topic, 0));
        faults.failNextProduce(code);
        // The broker writes this batch but its answer says the producer's state is gone: kafkajs calls
        // that non-retriable. A fresh producer (new id, sequence 0) writes it again.
        await producer.send(record(topic, 1));
        expect(faults.injected).toBe(1);
      } finally {
        await producer.stop();
        await faults.close();
      }
      expect(await topicSize(kafka, topic)).toBeGreaterThanOrEqual(2);
    },
  );
});

/**
 * Sits between kafkajs and the real broker (through kafkajs's `socketFactory`, so every connection
 * passes, whatever the metadata advertises) and turns the error code of the next Produce response
 * into the one asked for, as a broker answers when it lost or fenced the producer's state. The
 * broker itself stays real: it wrote the batch; only its answer is changed. Produce v3–v8 responses
 * (non-flexible; kafkajs speaks v7): size, correlation id, topic count, topic name, partition
 * count, partition, error code.
 */
class ProduceErrorInjector {
  injected = 0;
  private pending: number[] = [];
  private readonly servers = new Map<string, Promise<Server>>();
  private readonly sockets = new Set<Socket>();

  failNextProduce(code: number): void {
    this.pending.push(code);
  }

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    // kafkajs wants the socket now; it connects once this broker's proxy listens.
    const proxied = new Socket();
    void this.serverFor(host, port).then((server) => {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("proxy has no port");
      proxied.connect({ host: "127.0.0.1", port: address.port }, onConnect);
    });
    proxied.setKeepAlive(true, 60_000);
    return proxied;
  };

  private serverFor(host: string, port: number): Promise<Server> {
    const key = `${host}:${port}`;
    let server = this.servers.get(key);
    if (!server) {
      server = new Promise<Server>((resolve) => {
        const listening = createServer((client) => this.pipe(client, host, port));
        listening.listen(0, "127.0.0.1", () => resolve(listening));
      });
      this.servers.set(key, server);
    }
    return server;
  }

  private pipe(client: Socket, host: string, port: number): void {
    const broker = connect({ host, port });
    this.sockets.add(client).add(broker);
    const produceRequests = new Set<number>();
    frames(client, (frame) => {
      // Request header: size, api key (0 = Produce), api version, correlation id.
      if (frame.readInt16BE(4) === 0) produceRequests.add(frame.readInt32BE(8));
      broker.write(frame);
    });
    frames(broker, (frame) => {
      const correlationId = frame.readInt32BE(4);
      const code = this.pending[0];
      if (produceRequests.delete(correlationId) && code !== undefined) {
        this.pending.shift();
        this.injected += 1;
        const nameLength = frame.readInt16BE(12);
        frame.writeInt16BE(code, 14 + nameLength + 8);
      }
      client.write(frame);
    });
    const closeBoth = () => {
      client.destroy();
      broker.destroy();
    };
    client.on("close", closeBoth).on("error", closeBoth);
    broker.on("close", closeBoth).on("error", closeBoth);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const servers = await Promise.all(this.servers.values());
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Calls `onFrame` with each whole Kafka frame (4-byte size prefix included) read from `socket`. */
function frames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const size = buffered.readInt32BE(0) + 4;
      if (buffered.length < size) return;
      onFrame(Buffer.from(buffered.subarray(0, size)));
      buffered = buffered.subarray(size);
    }
  });
}
