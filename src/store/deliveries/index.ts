// Delivery rows in D1 (migrations/0002 onwards): one row per event x reaction, the truth about each delivery.
export * from "./claims";
export * from "./endings";
export * from "./records";
export * from "./rows";
export * from "./state";
