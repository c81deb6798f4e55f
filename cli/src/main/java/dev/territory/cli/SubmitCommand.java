package dev.territory.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the submit command lands; exits 2 with an error so nothing mistakes it for done. */
@Command(name = "submit", description = "(not implemented yet)")
final class SubmitCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("territory submit is not implemented yet");
    }
}
