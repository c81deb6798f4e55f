package dev.territory.report.web;

import static dev.territory.reporting.HtmlReport.esc;

import dev.territory.report.RunState;
import dev.territory.reporting.HtmlReport;
import java.util.List;

/** HTML of the pages; no template engine, no external resources (works offline and in tests). */
final class PageHtml {

    private PageHtml() {}

    static final String CSS = HtmlReport.CSS + """
            nav{margin-bottom:1em}nav a{margin-right:1em}
            .status{display:inline-block;padding:.1em .6em;border-radius:1em;font-size:.85em;font-weight:bold;background:#eee}
            .status.COMPLETED{background:#d5f5e3}.status.FAILED{background:#fadbd8}.status.RUNNING{background:#d6eaf8}
            .bar{width:220px;height:12px;background:#eee;border-radius:6px;overflow:hidden;display:inline-block;vertical-align:middle}
            .bar>span{display:block;height:100%;background:#3498db}
            .detail{font-size:.8em;color:#555}
            table.runs td{vertical-align:top}
            .downloads li{display:inline;margin-right:1em}
            """;

    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title)
                + "</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>\n" + CSS
                + "</style></head><body>\n<nav><a href=\"/\">All runs</a><a href=\"/q/openapi\">OpenAPI</a>"
                + "<a href=\"/api/runs\">JSON</a></nav>\n" + body + "</body></html>\n";
    }

    static String runList(List<RunSummary> runs) {
        StringBuilder h = new StringBuilder();
        h.append("<h1>Territory runs</h1>\n<p class=\"small\">Live: updates arrive as server-sent events from "
                + "<code>/api/runs/stream</code>. <span id=\"live\">connecting…</span></p>\n");
        h.append("<table class=\"runs\" id=\"runs\"><thead><tr><th>Run</th><th>Status</th><th>Models</th>"
                + "<th>Progress (prompts)</th><th>Verdict</th><th>Updated</th></tr></thead><tbody id=\"run-rows\">\n");
        for (RunSummary r : runs) {
            h.append(row(r));
        }
        if (runs.isEmpty()) {
            h.append("<tr class=\"empty\"><td colspan=\"6\">No runs yet.</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        h.append("<script>\n").append(JS_COMMON).append("""
                const rows = document.getElementById('run-rows');
                const live = document.getElementById('live');
                const source = new EventSource('/api/runs/stream');
                source.onopen = () => live.textContent = 'connected';
                source.onerror = () => live.textContent = 'reconnecting…';
                source.onmessage = (e) => {
                  const runs = JSON.parse(e.data);
                  rows.innerHTML = runs.length ? runs.map(rowHtml).join('')
                      : '<tr class="empty"><td colspan="6">No runs yet.</td></tr>';
                };
                """).append("</script>\n");
        return page("Territory runs", h.toString());
    }

    /** Server-side twin of the script's rowHtml(): the same cells, so the first paint and updates agree. */
    static String row(RunSummary r) {
        int pct = r.total() > 0 ? (int) Math.round(100.0 * r.done() / r.total()) : 0;
        StringBuilder detail = new StringBuilder();
        for (RunSummary.ModelProgress p : r.progress()) {
            detail.append(esc(p.role()))
                    .append(' ')
                    .append(esc(p.seed()))
                    .append(": ")
                    .append(p.done())
                    .append('/')
                    .append(p.total())
                    .append(' ')
                    .append(esc(p.stage() == null ? "" : p.stage().toLowerCase()))
                    .append("<br>");
        }
        return "<tr data-run=\"" + esc(r.runId()) + "\"><td><a href=\"" + esc(r.page()) + "\">" + esc(r.runId())
                + "</a></td><td><span class=\"status " + esc(r.status()) + "\">" + esc(r.status()) + "</span>"
                + (r.failure() == null ? "" : "<div class=\"detail\">" + esc(r.failure()) + "</div>") + "</td><td>"
                + esc(r.base() == null ? "" : r.base()) + " → " + esc(r.instruct() == null ? "" : r.instruct())
                + "</td><td><span class=\"bar\"><span style=\"width:" + pct + "%\"></span></span> " + r.done() + "/"
                + r.total() + "<div class=\"detail\">" + detail + "</div></td><td>"
                + esc(r.verdict() == null ? "" : r.verdict()) + "</td><td>"
                + esc(r.updatedAt() == null ? "" : r.updatedAt().toString()) + "</td></tr>\n";
    }

    static final String JS_COMMON = """
            function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g,
                c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c])); }
            function rowHtml(r) {
              const pct = r.total > 0 ? Math.round(100 * r.done / r.total) : 0;
              const detail = (r.progress || []).map(p => esc(p.role) + ' ' + esc(p.seed) + ': ' + p.done + '/' + p.total
                  + ' ' + esc((p.stage || '').toLowerCase()) + '<br>').join('');
              return '<tr data-run="' + esc(r.runId) + '"><td><a href="' + esc(r.page) + '">' + esc(r.runId) + '</a></td>'
                + '<td><span class="status ' + esc(r.status) + '">' + esc(r.status) + '</span>'
                + (r.failure ? '<div class="detail">' + esc(r.failure) + '</div>' : '') + '</td>'
                + '<td>' + esc(r.base) + ' → ' + esc(r.instruct) + '</td>'
                + '<td><span class="bar"><span style="width:' + pct + '%"></span></span> ' + r.done + '/' + r.total
                + '<div class="detail">' + detail + '</div></td>'
                + '<td>' + esc(r.verdict) + '</td><td>' + esc(r.updatedAt) + '</td></tr>';
            }
            """;

    static String runPage(RunSummary r, RunState s, String reportHtml) {
        StringBuilder h = new StringBuilder();
        h.append("<p><span class=\"status ")
                .append(esc(r.status()))
                .append("\" id=\"run-status\">")
                .append(esc(r.status()))
                .append("</span> ")
                .append(esc(r.base() == null ? "" : r.base()))
                .append(" → ")
                .append(esc(r.instruct() == null ? "" : r.instruct()))
                .append("</p>\n");
        if (r.failure() != null) {
            h.append("<p class=\"warn-count\" id=\"failure\">Failed: ")
                    .append(esc(r.failure()))
                    .append("</p>\n");
        }
        if (reportHtml != null) {
            h.append(reportBody(reportHtml));
            h.append("<section id=\"downloads\"><h2>Downloads</h2><ul class=\"downloads\">");
            for (String f : s.files()) {
                h.append("<li><a href=\"/runs/")
                        .append(esc(r.runId()))
                        .append("/files/")
                        .append(esc(f))
                        .append("\">")
                        .append(esc(f))
                        .append("</a></li>");
            }
            h.append("</ul></section>\n");
        } else {
            h.append("<h1>Run ")
                    .append(esc(r.runId()))
                    .append("</h1>\n<table class=\"runs\"><thead><tr><th>Run</th>"
                            + "<th>Status</th><th>Models</th><th>Progress (prompts)</th><th>Verdict</th><th>Updated</th></tr></thead>"
                            + "<tbody id=\"run-rows\">")
                    .append(row(r))
                    .append("</tbody></table>\n");
            if (!s.finished()) {
                h.append("<script>\n")
                        .append(JS_COMMON)
                        .append("const runId = ")
                        .append(jsString(r.runId()))
                        .append(";\n")
                        .append("""
                        const source = new EventSource('/api/runs/stream');
                        source.onmessage = (e) => {
                          const run = JSON.parse(e.data).find(x => x.runId === runId);
                          if (!run) return;
                          if (run.status === 'COMPLETED' || run.status === 'FAILED') { source.close(); location.reload(); return; }
                          document.getElementById('run-rows').innerHTML = rowHtml(run);
                          document.getElementById('run-status').textContent = run.status;
                        };
                        """)
                        .append("</script>\n");
            }
        }
        return page("Run " + r.runId() + (r.verdict() == null ? "" : ": " + r.verdict()), h.toString());
    }

    /** The body of a run's self-contained report.html (its styles are the page's). */
    static String reportBody(String reportHtml) {
        int start = reportHtml.indexOf("<body>");
        int end = reportHtml.lastIndexOf("</body>");
        if (start < 0 || end < start) {
            return "<p>report.html is not readable.</p>";
        }
        return reportHtml.substring(start + "<body>".length(), end);
    }

    static String notFound(String runId) {
        return page("No such run", "<h1>No run " + esc(runId) + "</h1><p><a href=\"/\">All runs</a></p>");
    }

    private static String jsString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\' || c == '<' || c == '>' || c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
