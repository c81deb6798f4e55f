package dev.territory.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the demo command lands; exits 2 with an error so nothing mistakes it for done. */
@Command(name = "demo", description = "(not implemented yet)")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("territory demo is not implemented yet");
    }
}
