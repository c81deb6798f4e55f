package dev.territory.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the up command lands; exits 2 with an error so nothing mistakes it for done. */
@Command(name = "up", description = "(not implemented yet)")
final class UpCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("territory up is not implemented yet");
    }
}
