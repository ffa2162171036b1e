import sharp from "sharp";
import { TOKEN } from "./stack.js";

/** A media item as POST /v1/media answers it (the fields the reader tests look at). */
export interface UploadedPhoto {
  id: string;
  width: number;
  height: number;
  variants: { width: number }[];
}

/**
 * A 1600×900 "photo" (sky, sea and a sea wall drawn from SVG, so every run has the same pixels)
 * uploaded through POST /v1/media like an editor's picture.
 */
export async function uploadPhoto(baseUrl: string): Promise<UploadedPhoto> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5b6b7a"/><stop offset="1" stop-color="#b9c3cc"/></linearGradient>
<linearGradient id="sea" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#2f5566"/><stop offset="1" stop-color="#173440"/></linearGradient></defs>
<rect width="1600" height="520" fill="url(#sky)"/><rect y="520" width="1600" height="380" fill="url(#sea)"/>
<path d="M0 520 Q200 470 400 520 T800 520 T1200 520 T1600 520 V560 H0Z" fill="#e8eef2" opacity=".8"/>
<rect x="0" y="640" width="1600" height="60" fill="#6d6a63"/><rect x="0" y="700" width="1600" height="200" fill="#4a4741"/>
</svg>`;
  const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(jpeg)], { type: "image/jpeg" }), "dawlish.jpg");
  const res = await fetch(`${baseUrl}/v1/media`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as UploadedPhoto;
}
