package dev.territory.deploycheck;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads deploy/prometheus/scrape-check.sh's settings, so the tests and the script agree. */
final class ScrapeCheckScript {
    static final String PATH = "deploy/prometheus/scrape-check.sh";

    private ScrapeCheckScript() {}

    /** The PromQL the script asserts returns data: the dashboard's run-progress query. */
    static String progressQuery() {
        Matcher m = Pattern.compile("(?m)^PROGRESS_QUERY='([^']+)'").matcher(Repo.read(PATH));
        if (!m.find()) {
            throw new IllegalStateException(PATH + " has no PROGRESS_QUERY='...' line");
        }
        return m.group(1);
    }
}
