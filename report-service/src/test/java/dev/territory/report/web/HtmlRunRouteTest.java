package dev.territory.report.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which clients get the run page at /runs/{id} and which keep the JSON. */
class HtmlRunRouteTest {

    static List<MediaType> accept(String... types) {
        return java.util.Arrays.stream(types).map(MediaType::valueOf).toList();
    }

    @Test
    void browsersGetHtmlScriptsGetJson() {
        // Chromium's navigation Accept header.
        assertThat(HtmlRunRoute.prefersHtml(accept(
                        "text/html", "application/xhtml+xml", "application/xml;q=0.9", "image/avif", "*/*;q=0.8")))
                .isTrue();
        assertThat(HtmlRunRoute.prefersHtml(accept("*/*"))).isFalse(); // curl, RestAssured
        assertThat(HtmlRunRoute.prefersHtml(List.of())).isFalse();
        assertThat(HtmlRunRoute.prefersHtml(accept("application/json"))).isFalse();
        assertThat(HtmlRunRoute.prefersHtml(accept("application/json", "text/html;q=0.5")))
                .isFalse();
        assertThat(HtmlRunRoute.prefersHtml(accept("text/html;q=0"))).isFalse();
    }

    @Test
    void rowsEscapeWhatRunsCarry() {
        RunSummary r = new RunSummary(
                "r1",
                "FAILED",
                "<b>x</b>",
                "y",
                null,
                null,
                "bad \"model\" <dir>",
                List.of(new RunSummary.ModelProgress("base", "42", 3, 10, "COMPUTING")),
                3,
                60,
                null,
                "/runs/r1");
        String row = PageHtml.row(r);
        assertThat(row)
                .contains("&lt;b&gt;x&lt;/b&gt;")
                .contains("bad &quot;model&quot; &lt;dir&gt;")
                .contains("base 42: 3/10 computing")
                .contains("width:5%")
                .doesNotContain("<b>x");
    }
}
