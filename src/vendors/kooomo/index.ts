import type { Vendor } from "../types";
import { normalizeKooomo } from "./normalize";

export const kooomo: Vendor = { name: "kooomo", normalize: normalizeKooomo };
