package dev.territory.reliability;

/** Makes observed messages machine-independent for the docs table. */
final class Text {
    private Text() {}

    static String normalize(Pipeline p, String s) {
        String out = s.replace(p.models.toString(), "<models>")
                .replace(p.root.toString(), "<pipeline>")
                .replace(p.repo.toString(), "<repo>");
        return out.length() > 300 ? out.substring(0, 300) + "…" : out;
    }
}
