import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The files of a throwaway PKI, all PEM. */
export interface TestPki {
  /** The folder holding them; also what kafka-local.sh takes as KAFKA_SSL_PEM_DIR. */
  dir: string;
  /** The private CA's certificate: what KAFKA_SSL_CA_FILE names. */
  caCert: string;
  /** The broker's PKCS#8 key followed by its certificate (Kafka's PEM keystore). */
  brokerPem: string;
  /** A client certificate (extendedKeyUsage clientAuth) signed by the CA, and its key. */
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing the broker uses, for "wrong CA" cases. */
  otherCaCert: string;
}

async function openssl(args: string[]): Promise<void> {
  await run("openssl", args, { timeout: 30_000 });
}

/** A P-256 key in PKCS#8 (the only unencrypted form Kafka's PEM keystore reads). */
async function newKey(path: string): Promise<void> {
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]);
}

async function newCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await newKey(key);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    key,
    "-out",
    cert,
    "-days",
    "2",
    "-subj",
    `/CN=parakey-bridge ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return { cert, key };
}

async function issue(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await newKey(key);
  await openssl(["req", "-new", "-key", key, "-out", csr, "-subj", `/CN=${name}`]);
  await writeFile(ext, extensions);
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-out",
    cert,
    "-days",
    "2",
    "-extfile",
    ext,
  ]);
  return { cert, key };
}

/**
 * Creates a throwaway CA, a broker certificate for 127.0.0.1 and localhost, and a client certificate,
 * with the openssl CLI, in `dir`. For tests of TLS and mutual TLS against a private broker
 * (LocalKafka with KAFKA_SSL_PORT / KAFKA_MTLS_PORT and KAFKA_SSL_PEM_DIR = `dir`).
 *
 * @example
 * const pki = await createTestPki(await mkdtemp(join(tmpdir(), "pki-")));
 * loadConfig(KafkaEnv, { KAFKA_SSL_CA_FILE: pki.caCert });
 */
export async function createTestPki(dir: string): Promise<TestPki> {
  const ca = await newCa(dir, "ca");
  const other = await newCa(dir, "other-ca");
  const broker = await issue(
    dir,
    "broker",
    ca,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  const client = await issue(
    dir,
    "client",
    ca,
    "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  const brokerPem = join(dir, "broker.pem");
  await writeFile(brokerPem, `${await readFile(broker.key, "utf8")}${await readFile(broker.cert, "utf8")}`);
  return {
    dir,
    caCert: ca.cert,
    brokerPem,
    clientCert: client.cert,
    clientKey: client.key,
    otherCaCert: other.cert,
  };
}
