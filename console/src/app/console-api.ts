/**
 * The console's HTTP client: the public v1 API with the editor token from sessionStorage
 * (gone when the tab closes). Errors keep the server's stable `code`, so the console can tell a
 * conflict or a refusal from a network failure without reading message text.
 */
import type { MediaItem } from "@liveline/protocol";

const TOKEN_KEY = "liveline-editor-token";

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refused or failed request: `code` is the server's error code, or `network`/`http_<status>`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiAnswer<T> {
  data: T;
  headers: Headers;
  status: number;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

function errorFrom(status: number, body: unknown): ApiError {
  const e = typeof body === "object" && body !== null ? (body as ErrorBody).error : undefined;
  const code = typeof e?.code === "string" ? e.code : `http_${status}`;
  const message = typeof e?.message === "string" ? e.message : `the server answered ${status}`;
  return new ApiError(code, status, message, e?.details);
}

function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const t = token.get();
  return t === null ? extra : { ...extra, authorization: `Bearer ${t}` };
}

/** One API call; resolves with the parsed JSON (undefined for 204), rejects with ApiError. */
export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer<T>> {
  const h = authHeaders(body === undefined ? headers : { ...headers, "content-type": "application/json" });
  let res: Response;
  try {
    res = await fetch(`/v1${path}`, {
      method,
      headers: h,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError("network", 0, "the server could not be reached; check the connection and try again");
  }
  const data: unknown = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (!res.ok) throw errorFrom(res.status, data);
  return { data: data as T, headers: res.headers, status: res.status };
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await call<T>(method, path, body)).data;
}

export const feedPath = (feedId: string, rest = ""): string => `/feeds/${encodeURIComponent(feedId)}${rest}`;

/**
 * Upload one image with POST /v1/media. XMLHttpRequest, not fetch: only XHR reports upload
 * progress, which an editor on a slow mobile connection needs to see.
 */
export function uploadMedia(file: File, onProgress: (fraction: number) => void): Promise<MediaItem> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/media");
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) resolve(xhr.response as MediaItem);
      else reject(errorFrom(xhr.status, xhr.response));
    });
    xhr.addEventListener("error", () => reject(new ApiError("network", 0, "the upload was interrupted")));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

/** A message for the editor: what went wrong, in words, with the code for support. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
