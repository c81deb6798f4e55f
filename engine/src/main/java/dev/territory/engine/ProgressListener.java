package dev.territory.engine;

/** Told after each batch how many prompts are done. */
@FunctionalInterface
public interface ProgressListener {
    void promptsDone(int done, int total);

    ProgressListener NONE = (d, t) -> {};
}
