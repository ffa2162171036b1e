import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { MediaStorage, StoredFile } from "./media-storage.js";

/** MEDIA_S3_*, validated (config.ts). */
export interface S3MediaSettings {
  readonly bucket: string;
  /** An S3-compatible service's URL (MinIO, R2, …); unset on AWS. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Unset: the SDK's default credential chain (environment, profile, instance role). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>` (MinIO wants it). */
  readonly forcePathStyle: boolean;
}

/** The object's content type, for anyone reading the bucket directly (a CDN in front of it). */
const contentType = (name: string) => (name.endsWith(".json") ? "application/json" : "image/webp");

/** A missing key: 404 NoSuchKey (or NotFound on services that answer a GET like a HEAD). */
const isMissing = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === "NoSuchKey" || err.$metadata.httpStatusCode === 404);

/**
 * Media in an S3-compatible bucket: object `<id>/<name>`. A PUT is atomic (an object is there
 * whole or not at all), so a reader never sees half a file, as with the filesystem's rename.
 * Readers still fetch variants through Liveline (`/media/<id>/<file>`), so an entry's URLs do not
 * depend on which storage the server uses.
 */
export class S3MediaStorage implements MediaStorage {
  private readonly client: S3Client;
  readonly bucket: string;

  constructor(settings: S3MediaSettings) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      ...(settings.credentials === undefined ? {} : { credentials: { ...settings.credentials } }),
      // Since 3.729 the SDK sends a CRC32 trailer on every upload by default, in an
      // aws-chunked body many S3-compatible services refuse; checksums only where S3 requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private key(id: string, name: string): string {
    return `${id}/${name}`;
  }

  async write(id: string, name: string, data: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(id, name),
        Body: data,
        ContentLength: data.length,
        ContentType: contentType(name),
      }),
    );
  }

  async read(id: string, name: string): Promise<StoredFile | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(id, name) }));
      // In Node the SDK's body is the HTTP response, a Readable; anything else is a broken runtime.
      if (!(out.Body instanceof Readable) || out.ContentLength === undefined) {
        throw new Error(`S3 GetObject for ${this.key(id, name)} returned no stream or no length`);
      }
      return { body: out.Body, size: out.ContentLength };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async readAll(id: string, name: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(id, name) }));
      if (out.Body === undefined) return undefined;
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    // An item has a handful of objects (variants and record): one DELETE each keeps clear of
    // DeleteObjects, whose mandatory Content-MD5/checksum some compatible services get wrong.
    const listed = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${id}/` }));
    const keys = (listed.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
    await Promise.all(keys.map((Key) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }))));
  }

  close(): void {
    this.client.destroy();
  }
}
