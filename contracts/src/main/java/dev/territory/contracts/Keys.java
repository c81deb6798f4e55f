package dev.territory.contracts;

/**
 * Record keys. Keys decide partitions, hence ordering and where state lives: everything about one
 * (run, role, seed) shares a key and so a partition of {@link Topics#ENTROPY_VECTORS}.
 */
public final class Keys {
    private Keys() {}

    /** {@code runId/role/seed}: the key of entropy vectors. */
    public static String runRoleSeed(String runId, Role role, int seed) {
        return runId + "/" + role.id() + "/" + seed;
    }

    /** {@code runId/role}: the key of model jobs. */
    public static String runRole(String runId, Role role) {
        return runId + "/" + role.id();
    }
}
