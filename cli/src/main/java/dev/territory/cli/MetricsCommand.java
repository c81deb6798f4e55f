package dev.territory.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the metrics command lands; exits 2 with an error so nothing mistakes it for done. */
@Command(name = "metrics", description = "(not implemented yet)")
final class MetricsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("territory metrics is not implemented yet");
    }
}
