import { z } from "zod";
import { coupontools } from "./coupontools";
import { kooomo } from "./kooomo";
import { ometria } from "./ometria";
import type { Vendor, VendorName } from "./types";

/** Every vendor the bridge can receive from; the Record type makes a missing one a compile error. */
export const vendors: Record<VendorName, Vendor> = { kooomo, ometria, coupontools };

/** For validating route configuration: derived from the registry so the two cannot drift apart. */
export const vendorName = z.enum(Object.keys(vendors) as [VendorName, ...VendorName[]]);

export type { Normalized, Normalizer, Recognized, Unrecognized, Vendor, VendorName } from "./types";
