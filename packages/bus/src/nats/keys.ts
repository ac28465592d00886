/**
 * Keys of the sweeps bucket (see Topology.buckets.sweeps): a sweep's gate under its uid, and a
 * finished trial's marker under the uid and the trial id.
 */
export const finishedKey = (uid: string, trialId: number): string => `${uid}.finished.${trialId}`;
