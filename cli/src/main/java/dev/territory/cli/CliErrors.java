package dev.territory.cli;

import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Turns any failure of a command into one line on stderr that starts with {@code error:} and a
 * non-zero exit code; the stack trace is printed only with {@code --verbose}.
 */
final class CliErrors {

    /** Exit code for bad input (a file, a model directory, a request that cannot be used). */
    static final int BAD_INPUT = 2;

    private CliErrors() {}

    static int handle(Exception exception, CommandLine commandLine, ParseResult parseResult) {
        String message = exception.getMessage() != null ? exception.getMessage() : exception.toString();
        commandLine.getErr().println("error: " + message.lines().findFirst().orElse(message));
        if (isVerbose(parseResult)) {
            exception.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return BAD_INPUT;
    }

    private static boolean isVerbose(ParseResult parseResult) {
        ParseResult sub = parseResult;
        while (sub != null) {
            if (sub.originalArgs() != null
                    && Arrays.asList(sub.originalArgs().toArray()).contains("--verbose")) {
                return true;
            }
            sub = sub.subcommand();
        }
        return false;
    }
}
