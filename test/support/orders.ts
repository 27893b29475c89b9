import orderPaid from "../fixtures/kooomo/order-paid.json";

/**
 * The fixture's Kooomo paid order with its own ids (so it is not a duplicate of another), `data` fields set over
 * the fixture's and `customer` fields merged over its customer's.
 */
export function paidOrderPayload(
  id: string,
  customer: Record<string, unknown> = {},
  data: Record<string, unknown> = {},
) {
  return {
    ...orderPaid,
    id: `evt_${id}`,
    data: {
      ...orderPaid.data,
      id,
      number: id,
      ...data,
      customer: { ...orderPaid.data.customer, ...customer },
    },
  };
}
