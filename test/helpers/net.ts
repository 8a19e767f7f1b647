/**
 * A TCP port on 127.0.0.1 that refuses every connection, for probes that must fail from the start and
 * keep failing: tcpmux's port, which nothing here serves, below the ephemeral range (32768–60999 on
 * Linux) — a port closed a moment ago could be handed to another test's server, or to the probe's own
 * outgoing connection (a TCP self-connect), and the "dead" target would answer.
 */
export const DEAD_PORT = 1;
