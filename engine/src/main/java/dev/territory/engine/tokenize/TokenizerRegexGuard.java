package dev.territory.engine.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.engine.ModelException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a tokenizer.json whose regular expressions can backtrack catastrophically.
 * Hugging Face tokenizers run Split/Replace patterns with Oniguruma, a backtracking engine; on a
 * pattern such as {@code (a+)+$} and a prompt of twenty-odd {@code a}, Oniguruma hits its retry
 * limit and the Rust library panics across JNI, which aborts the whole JVM (observed: "Onig: Regex
 * search error: retry-limit-in-match over", then "fatal runtime error"). So {@link PromptTokenizer}
 * checks the patterns before the native tokenizer sees them: a repeated group ({@code *}, {@code +}, {@code {n,}},
 * {@code {n,m}} with m &gt; 1) whose body itself repeats something or holds an alternation is
 * refused, with the file, the JSON path and the pattern named. Real tokenizers (GPT-2, Llama 3,
 * Qwen2, Mistral's Metaspace) never repeat such groups; the check is conservative, not complete:
 * overlapping adjacent quantifiers ({@code a*a*a*b}) are polynomial and pass.
 */
final class TokenizerRegexGuard {

    private TokenizerRegexGuard() {}

    /** @param root the parsed {@code file} */
    static void check(Path file, JsonNode root) throws ModelException {
        List<String[]> patterns = new ArrayList<>();
        collect(root, "$", patterns);
        for (String[] p : patterns) {
            Optional<String> problem = problem(p[1]);
            if (problem.isPresent()) {
                throw new ModelException(file + ": regex at " + p[0] + " \"" + p[1]
                        + "\" can backtrack catastrophically (" + problem.get() + "); refusing the tokenizer");
            }
        }
    }

    /** Every {@code "Regex": "..."} in the document, with its JSON path. */
    private static void collect(JsonNode node, String path, List<String[]> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("Regex") && e.getValue().isTextual()) {
                    out.add(new String[] {path + ".Regex", e.getValue().asText()});
                } else {
                    collect(e.getValue(), path + "." + e.getKey(), out);
                }
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), path + "[" + i + "]", out);
            }
        }
    }

    private static final class Group {
        boolean repeats; // a repeating quantifier inside
        boolean alternation;
    }

    /** Why the pattern is refused, or empty. */
    static Optional<String> problem(String re) {
        Deque<Group> stack = new ArrayDeque<>();
        stack.push(new Group());
        int i = 0;
        while (i < re.length()) {
            char c = re.charAt(i);
            Group closedNow = null;
            if (c == '\\') {
                i += 2;
                if (i <= re.length()
                        && (re.charAt(i - 1) == 'p' || re.charAt(i - 1) == 'P')
                        && i < re.length()
                        && re.charAt(i) == '{') {
                    int end = re.indexOf('}', i);
                    i = end < 0 ? re.length() : end + 1;
                }
            } else if (c == '[') {
                i = skipClass(re, i);
            } else if (c == '(') {
                stack.push(new Group());
                i++;
                if (i < re.length() && re.charAt(i) == '?') { // (?:  (?i:  (?=  (?!  (?<=  (?<name>
                    while (i < re.length()
                            && re.charAt(i) != ':'
                            && re.charAt(i) != ')'
                            && re.charAt(i) != '='
                            && re.charAt(i) != '!'
                            && re.charAt(i) != '>') {
                        i++;
                    }
                    if (i < re.length() && re.charAt(i) != ')') {
                        i++;
                    }
                }
            } else if (c == ')') {
                Group g = stack.size() > 1 ? stack.pop() : new Group();
                closedNow = g;
                i++;
            } else if (c == '|') {
                stack.peek().alternation = true;
                i++;
            } else {
                i++;
            }
            // a quantifier after the atom?
            if (i < re.length()) {
                int q = quantifier(re, i);
                if (q != 0) {
                    boolean repeating = q > 0;
                    int end = quantifierEnd(re, i);
                    if (repeating && closedNow != null && (closedNow.repeats || closedNow.alternation)) {
                        return Optional.of(
                                closedNow.repeats
                                        ? "a repeated group that repeats inside (nested quantifiers)"
                                        : "a repeated group of alternatives");
                    }
                    if (repeating) {
                        stack.peek().repeats = true;
                    }
                    i = end;
                    // lazy or possessive suffix
                    if (i < re.length() && (re.charAt(i) == '?' || re.charAt(i) == '+')) {
                        i++;
                    }
                }
            }
            if (closedNow != null && closedNow.repeats) {
                stack.peek().repeats = true; // a repeating thing inside an enclosing group
            }
        }
        return Optional.empty();
    }

    /** 1: a repeating quantifier at i, -1: an optional one ({@code ?}, {@code {0,1}}, {@code {1}}), 0: none. */
    private static int quantifier(String re, int i) {
        char c = re.charAt(i);
        if (c == '*' || c == '+') {
            return 1;
        }
        if (c == '?') {
            return -1;
        }
        if (c == '{') {
            int end = re.indexOf('}', i);
            if (end < 0) {
                return 0;
            }
            String body = re.substring(i + 1, end);
            if (!body.matches("\\d*(,\\d*)?") || body.isEmpty()) {
                return 0;
            }
            String[] parts = body.split(",", -1);
            if (parts.length == 1) {
                return Integer.parseInt(parts[0]) > 1 ? 1 : -1;
            }
            return parts[1].isEmpty() || Integer.parseInt(parts[1]) > 1 ? 1 : -1;
        }
        return 0;
    }

    private static int quantifierEnd(String re, int i) {
        return re.charAt(i) == '{' ? re.indexOf('}', i) + 1 : i + 1;
    }

    /** Index after the character class starting at {@code i} (nested classes and escapes). */
    private static int skipClass(String re, int i) {
        int depth = 0;
        while (i < re.length()) {
            char c = re.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '[') {
                depth++;
                if (i + 1 < re.length() && re.charAt(i + 1) == ']') {
                    i++; // "[]...]": a literal ] first
                }
            } else if (c == ']') {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            }
            i++;
        }
        return i;
    }
}
