import { z } from "zod";

/**
 * PUBLIC_URL, the public base URL: canonical links of the feed pages, media URLs, the SSO
 * callback. The server's section and single sign-on's both read it (config.ts,
 * accounts/sso-settings.ts), so it is written once here.
 */
export const PublicUrl = z.url().optional();
