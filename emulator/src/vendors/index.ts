import type { Hono } from "hono";
import type { Integration } from "../config";
import { coupontools } from "./coupontools";
import { ometria } from "./ometria";
import type { VendorEnv } from "./vendor-app";

/** The vendor behind each kind of connection. */
export const VENDORS = { coupontools, ometria } satisfies Record<Integration, Hono<VendorEnv>>;
