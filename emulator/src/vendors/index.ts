import type { Hono } from "hono";
import type { Integration } from "../config";
import { coupontools } from "./coupontools";
import { ometria } from "./ometria";
import { slack } from "./slack";
import type { VendorContext, VendorEnv } from "./vendor-app";

/** The vendor behind each kind of connection. */
export const VENDORS = { coupontools, ometria, slack } satisfies Record<Integration, Hono<VendorEnv>>;

/**
 * The path a vendor app serves for a path under the connection's base URL, or null when it lies outside
 * the API. Ometria's API root sits under a configurable base path ("" or "/v2"): whether Membrane's
 * Ometria base URL already ends in /v2 is not documented, so callers are tested against both.
 */
export function vendorPathFor(integration: Integration, path: string, ctx: VendorContext): string | null {
  if (integration !== "ometria") return path;
  const base = ctx.settings().ometriaBasePath;
  if (base === "") return path;
  return path === base || path.startsWith(`${base}/`) ? path.slice(base.length) || "/" : null;
}

/** Sends one request to the vendor app as Membrane would reach it (unknown paths: the vendor's 404). */
export function vendorFetch(
  integration: Integration,
  path: string,
  init: RequestInit,
  ctx: VendorContext,
): Promise<Response> {
  const inner = vendorPathFor(integration, path, ctx);
  const url = new URL(inner ?? "/__outside_the_api_base_path__", "https://vendor.invalid");
  return Promise.resolve(VENDORS[integration].fetch(new Request(url, init), ctx));
}
