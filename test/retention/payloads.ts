import couponValidated from "../fixtures/coupontools/coupon-validated.json";
import erasure from "../fixtures/kooomo/customer-erasure-requested.json";
import orderPaid from "../fixtures/kooomo/order-paid.json";
import { acceptedId, deliver } from "../support/deliveries";

/** Fixture variants for people other than the fixtures' Ada, with their own ids so they are not duplicates. */

export function kooomoOrder(
  id: string,
  customer: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return { ...orderPaid, id: `evt_${id}`, data: { ...orderPaid.data, id, number: id, customer, ...extra } };
}

export function kooomoErasure(id: string, customerId: number, email: string) {
  return { ...erasure, id: `evt_${id}`, data: { ...erasure.data, id: customerId, email } };
}

export function coupontoolsCoupon(
  id: string,
  customer: { email: string; firstname: string; customer_id: string },
) {
  return { ...couponValidated, id: `evt_${id}`, data: { ...couponValidated.data, ...customer } };
}

type Route = Parameters<typeof deliver>[0];

/** Delivers through the real ingress; returns the stored event id. */
export async function send(route: Route, payload: unknown): Promise<string> {
  return acceptedId(await deliver(route, payload));
}

export function sendAll(items: ReadonlyArray<readonly [Route, unknown]>): Promise<string[]> {
  return Promise.all(items.map(([route, payload]) => send(route, payload)));
}
