import type { Vendor } from "../types";
import { normalizeCoupontools } from "./normalize";

export const coupontools: Vendor = { name: "coupontools", normalize: normalizeCoupontools };
