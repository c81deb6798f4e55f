package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs last (class order): writes the rows the other tests recorded to
 * {@code target/reliability-table-<suite>.md} and checks that docs/reliability.md holds every one
 * of them, word for word (so the table in the docs is what the tests observed).
 */
@Order(Integer.MAX_VALUE)
@Tag("docs")
class ReliabilityDocsTest {

    @Test
    void docsTableHoldsEveryObservedRow() throws Exception {
        String suite = System.getProperty("reliability.suite", "fast");
        Path repo = Pipeline.repoRoot();
        Path table =
                ReliabilityTable.write(repo.resolve("reliability-tests/target/reliability-table-" + suite + ".md"));
        List<ReliabilityTable.Row> rows = ReliabilityTable.rows();
        assertThat(rows).as("rows recorded by the " + suite + " tests").isNotEmpty();
        String docs = Files.readString(repo.resolve("docs/reliability.md"));
        List<String> missing = rows.stream()
                .map(ReliabilityTable.Row::markdown)
                .filter(line -> !docs.contains(line))
                .toList();
        assertThat(missing)
                .as("rows observed by the tests but not in docs/reliability.md (copy them from " + table + ")")
                .isEmpty();
    }
}
