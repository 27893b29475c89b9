import type { Vendor } from "../types";
import { normalizeOmetria } from "./normalize";

export const ometria: Vendor = { name: "ometria", normalize: normalizeOmetria };
