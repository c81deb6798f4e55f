package dev.territory.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the bench command lands; exits 2 with an error so nothing mistakes it for done. */
@Command(name = "bench", description = "(not implemented yet)")
final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("territory bench is not implemented yet");
    }
}
