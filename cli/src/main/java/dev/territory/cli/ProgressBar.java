package dev.territory.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/**
 * A one-line text progress bar on stderr ({@code label [#####.....] 5/10 12.3 s}). Redraws in
 * place on a terminal; elsewhere (CI logs, pipes) prints a line only when the percentage moves
 * by ten, so logs stay short.
 */
final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final boolean interactive;
    private final Instant start = Instant.now();
    private long total;
    private long done;
    private int lastDecile = -1;

    ProgressBar(String label, long total) {
        this(System.err, label, total, System.console() != null);
    }

    ProgressBar(PrintStream out, String label, long total, boolean interactive) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 1);
        this.interactive = interactive;
        draw();
    }

    synchronized void update(long doneNow) {
        done = Math.min(doneNow, total);
        draw();
    }

    synchronized void total(long newTotal) {
        total = Math.max(newTotal, 1);
        draw();
    }

    private void draw() {
        int filled = (int) (WIDTH * done / total);
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        String line = String.format(
                "%s [%s%s] %d/%d %.1f s", label, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, seconds);
        if (interactive) {
            out.print("\r" + line);
            out.flush();
        } else {
            int decile = (int) (10 * done / total);
            if (decile != lastDecile) {
                lastDecile = decile;
                out.println(line);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (interactive) {
            out.println();
        }
    }
}
