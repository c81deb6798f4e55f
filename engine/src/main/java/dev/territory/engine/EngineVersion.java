package dev.territory.engine;

/** Version of the engine's arithmetic; recorded with results so numbers can be traced to code. */
public final class EngineVersion {
    public static final String VERSION = "0.1.0";

    private EngineVersion() {}
}
