// Where snapshot bytes live, by key (the hex SHA-256): a directory on local disk (default) or an
// S3-compatible bucket. Writes are idempotent — the same key always holds the same bytes.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Transform } from 'node:stream';

const HASH_READ_BYTES = 64 * 1024;

/** A file's hex SHA-256, read through one buffer. */
async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(HASH_READ_BYTES);
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/** A pass-through that hashes what goes through it. */
function hashing(): { stream: Transform; hex: () => string } {
  const h = createHash('sha256');
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => h.update(chunk));
  return { stream, hex: () => h.digest('hex') };
}

export class BlobChangedError extends Error {
  override name = 'BlobChangedError';
}

export interface BlobStore {
  /** Where the bytes go, for logs and the runbook (no credentials). */
  readonly location: string;
  has(key: string): Promise<boolean>;
  put(key: string, bytes: Buffer, contentType: string | null): Promise<void>;
  /**
   * Stores a file's bytes streamed, never held whole (a feed of any size). Throws, storing
   * nothing under `key`, when the bytes read do not hash to it (the file changed since).
   */
  putFile(key: string, path: string, contentType: string | null): Promise<void>;
  /** The bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

/** Content-addressed files `DIR/ab/cd/abcd…`, written to a temporary name, flushed, then renamed. */
export class DiskBlobStore implements BlobStore {
  readonly location: string;
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.location = `disk:${this.dir}`;
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), key.slice(2, 4), key);
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    // A reader never sees a half-written file: the name appears only once the bytes are on disk.
    const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async putFile(key: string, path: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      // Copied by the kernel, then the copy hashed through one reused buffer: a stream of chunks
      // left ~22 MB of spent buffers in the allocator for a 56 MB feed, an import's peak memory.
      await copyFile(path, tmp, constants.COPYFILE_EXCL);
      const got = await hashFile(tmp);
      if (got !== key) throw new BlobChangedError(`${path} no longer hashes to ${key.slice(0, 12)}… (now ${got.slice(0, 12)}…)`);
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async close(): Promise<void> {}
}

export interface S3Location {
  bucket: string;
  /** Key prefix, empty or ending in `/`. */
  prefix: string;
  endpoint: string | null;
  region: string;
  timeoutMs: number;
}

/** `s3://bucket/prefix` → bucket and prefix. */
export function parseObjectStoreUrl(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url.trim());
  if (!m)
    throw new Error(
      `OBJECT_STORE_URL must look like s3://bucket/prefix (bucket 3–63 lower-case letters, digits, dots, hyphens), got "${url}"`,
    );
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : '' };
}

type S3Module = typeof import('@aws-sdk/client-s3');

/** An S3-compatible bucket through the AWS SDK (credentials from the SDK's usual chain). */
export class S3BlobStore implements BlobStore {
  readonly location: string;
  private client: Promise<{ sdk: S3Module; s3: InstanceType<S3Module['S3Client']> }> | null = null;

  constructor(private readonly loc: S3Location) {
    this.location = `s3://${loc.bucket}/${loc.prefix}${loc.endpoint ? ` at ${loc.endpoint}` : ''}`;
  }

  private connect() {
    // Loaded only by processes configured for S3: the SDK is several megabytes of resident memory.
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      s3: new sdk.S3Client({
        region: this.loc.region,
        ...(this.loc.endpoint ? { endpoint: this.loc.endpoint, forcePathStyle: true } : {}),
        // Checksums only where S3 requires them: S3-compatible stores do not all speak the newer trailers.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: { requestTimeout: this.loc.timeoutMs, connectionTimeout: this.loc.timeoutMs },
        maxAttempts: 3,
      }),
    }));
    return this.client;
  }

  private key(key: string): string {
    return `${this.loc.prefix}${key}`;
  }

  async has(key: string): Promise<boolean> {
    const { sdk, s3 } = await this.connect();
    try {
      await s3.send(new sdk.HeadObjectCommand({ Bucket: this.loc.bucket, Key: this.key(key) }));
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }

  async put(key: string, bytes: Buffer, contentType: string | null): Promise<void> {
    const { sdk, s3 } = await this.connect();
    await s3.send(
      new sdk.PutObjectCommand({
        Bucket: this.loc.bucket,
        Key: this.key(key),
        Body: bytes,
        ContentType: contentType ?? 'application/octet-stream',
        ContentLength: bytes.length,
      }),
    );
  }

  async putFile(key: string, path: string, contentType: string | null): Promise<void> {
    const { sdk, s3 } = await this.connect();
    const { size } = await stat(path);
    const h = hashing();
    const body = createReadStream(path).pipe(h.stream);
    await s3.send(
      new sdk.PutObjectCommand({
        Bucket: this.loc.bucket,
        Key: this.key(key),
        Body: body,
        ContentType: contentType ?? 'application/octet-stream',
        ContentLength: size,
      }),
    );
    const got = h.hex();
    if (got !== key) {
      // Uploaded before the last byte could be checked: take back what does not match its name.
      await this.delete(key);
      throw new BlobChangedError(`${path} no longer hashes to ${key.slice(0, 12)}… (now ${got.slice(0, 12)}…)`);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    const { sdk, s3 } = await this.connect();
    try {
      const res = await s3.send(new sdk.GetObjectCommand({ Bucket: this.loc.bucket, Key: this.key(key) }));
      return res.Body ? Buffer.from(await res.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const { sdk, s3 } = await this.connect();
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.loc.bucket, Key: this.key(key) }));
  }

  async close(): Promise<void> {
    if (this.client) (await this.client.catch(() => null))?.s3.destroy();
  }
}

function notFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
