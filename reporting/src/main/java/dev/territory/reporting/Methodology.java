package dev.territory.reporting;

import dev.territory.contracts.PromptSets;
import dev.territory.contracts.PromptSpec;
import java.util.List;

/**
 * How the entropies were computed: the notebook's methodology block plus the protocol.
 *
 * @param standard "E11-v3"
 * @param seeds seeds the notebook averages over
 * @param maxLength prompts truncated and padded to this many tokens
 * @param dtype dtype the forward pass ran in, plain name ("bfloat16", "float32", "float16")
 * @param promptSet name of the prompt set ("Standard-10 v3" or a file name)
 * @param promptMd5 MD5 of the prompts joined by "|||"
 * @param numPrompts number of prompts
 * @param quantization as the notebook words it, {@link #quantizationOf}: "NONE (Full Precision bfloat16)"
 * @param useChatTemplate whether prompts were wrapped in a chat template (the notebook: false)
 * @param protocol entropy protocol id ("e11-v3", "masked", "attendable")
 */
public record Methodology(
        String standard,
        List<Integer> seeds,
        int maxLength,
        String dtype,
        String promptSet,
        String promptMd5,
        int numPrompts,
        String quantization,
        boolean useChatTemplate,
        String protocol) {

    public Methodology {
        seeds = List.copyOf(seeds);
    }

    /**
     * The notebook's methodology block of a run (offline or through the pipeline): the prompt set's
     * name, MD5 and count from {@code prompts}, the quantization the notebook states for {@code dtype}.
     */
    public static Methodology of(
            List<Integer> seeds, int maxLength, String dtype, PromptSpec prompts, String protocol) {
        List<String> texts = prompts.resolve();
        return new Methodology(
                "E11-v3",
                seeds,
                maxLength,
                dtype,
                prompts.displayName(),
                PromptSets.md5(texts),
                texts.size(),
                quantizationOf(dtype),
                false,
                protocol);
    }

    /** The notebook's {@code 'NONE (Full Precision bfloat16)'}, for any unquantized dtype. */
    public static String quantizationOf(String dtype) {
        return "NONE (Full Precision " + dtype + ")";
    }

    /** The dtype as the notebook records it ({@code str(torch.bfloat16)}): "torch.bfloat16". */
    public String torchDtype() {
        return torchName(dtype);
    }

    /** "torch." + the plain name, as {@code str()} of a torch dtype prints. */
    public static String torchName(String dtype) {
        return dtype.startsWith("torch.") ? dtype : "torch." + dtype;
    }

    /** The plain name of a dtype written either way ("torch.bfloat16" or "bfloat16"). */
    public static String plainName(String dtype) {
        return dtype.startsWith("torch.") ? dtype.substring("torch.".length()) : dtype;
    }
}
