package dev.territory.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code territory} command: every subcommand is a thin shell over the same domain cores the
 * services use, so offline and event-driven results are computed by one implementation.
 */
@Command(
        name = "territory",
        mixinStandardHelpOptions = true,
        version = "territory 0.1.0",
        description = "Measures how fine-tuning changes the specialization of attention heads (E11-T).",
        subcommands = {
            EntropiesCommand.class,
            MetricsCommand.class,
            AnalyzeCommand.class,
            UpCommand.class,
            SubmitCommand.class,
            DemoCommand.class,
            BenchCommand.class,
        })
public final class Territory implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new Territory());
        commandLine.setExecutionExceptionHandler(CliErrors::handle);
        return commandLine.execute(args);
    }
}
