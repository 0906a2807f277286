/**
 * The codes a node's process exits with, for its supervisor: 0 when it was
 * stopped (a signal, `dstash node stop`) or drained, 1 when stopping failed,
 * and {@link RESTART_EXIT_CODE} when an operator asked for a restart.
 */

/**
 * `dstash node restart`: EX_TEMPFAIL of sysexits.h, "try again later". Not 0,
 * so that a supervisor restarting on failure (systemd's `Restart=on-failure`)
 * starts the node again; Kubernetes restarts a StatefulSet's container
 * whatever its code.
 */
export const RESTART_EXIT_CODE = 75;
