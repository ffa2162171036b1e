/**
 * The console's HTTP client: the SDK's typed `LivelineApi` over the public v1 API, with the
 * editor token from sessionStorage (gone when the tab closes). Errors keep the server's stable
 * `code`, so the console can tell a conflict or a refusal from a network failure without
 * reading message text.
 */
import { ApiError, LivelineApi, type ApiResult } from "@liveline/client-sdk";
import { reportReach, watchedFetch } from "./reach.js";

const TOKEN_KEY = "liveline-editor-token";

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/**
 * Whether the console's requests speak for someone: an editor token in this tab, or a person
 * signed in (the session cookie, which the page cannot read: GET /v1/session says).
 */
export const credentials = {
  person: false,
  present: (): boolean => token.get() !== null || credentials.person,
};

export { ApiError };

export const api = new LivelineApi({ url: location.origin, token: () => token.get(), fetch: watchedFetch });

export type MediaItem = ApiResult<"POST /v1/media">["data"];

/**
 * Upload one image with POST /v1/media. XMLHttpRequest, not fetch: only XHR reports upload
 * progress, which an editor on a slow mobile connection needs to see.
 */
export function uploadMedia(file: File, onProgress: (fraction: number) => void): Promise<MediaItem> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/media");
    const t = token.get();
    if (t !== null) xhr.setRequestHeader("authorization", `Bearer ${t}`);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total);
    });
    xhr.addEventListener("load", () => {
      reportReach(xhr.status !== 502 && xhr.status !== 504);
      // 201 is the one success the operation declares, with the stored media as its body.
      if (xhr.status === 201) resolve(xhr.response as MediaItem);
      else reject(ApiError.from(xhr.status, xhr.response));
    });
    xhr.addEventListener("error", () => {
      reportReach(false);
      reject(new ApiError("network", 0, "the upload was interrupted"));
    });
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
