import type { RequestHandler } from "express";

/**
 * Reads of the v1 API are public and used by widgets embedded on other sites, so GET/HEAD
 * answer any origin (without credentials). Writes get no CORS headers: a browser on another
 * site cannot send an editor's token, and the console is same-origin.
 */
export const publicReadCors: RequestHandler = (req, res, next) => {
  if (req.method === "GET" || req.method === "HEAD") res.setHeader("Access-Control-Allow-Origin", "*");
  next();
};
