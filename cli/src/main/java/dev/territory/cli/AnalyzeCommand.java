package dev.territory.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the analyze command lands; exits 2 with an error so nothing mistakes it for done. */
@Command(name = "analyze", description = "(not implemented yet)")
final class AnalyzeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("territory analyze is not implemented yet");
    }
}
