package dev.territory.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the entropies command lands; exits 2 with an error so nothing mistakes it for done. */
@Command(name = "entropies", description = "(not implemented yet)")
final class EntropiesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("territory entropies is not implemented yet");
    }
}
