/** The dashboard's source over NATS (`mtl dash --nats`): a coordinator answers its requests. */
export { connectNatsSource, NatsSource } from "./nats-source.ts";
