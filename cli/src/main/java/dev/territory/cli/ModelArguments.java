package dev.territory.cli;

import dev.territory.hub.ModelReference;
import dev.territory.hub.ModelResolver;
import dev.territory.hub.ResolvedModel;

/**
 * Resolves a {@code --model}/{@code --base}/{@code --instruct} argument the same way in every
 * command: a local directory as it is, or a Hub id {@code org/name[@revision]} downloaded into the
 * shared Hugging Face cache (configured by {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HUB_CACHE},
 * {@code HF_HUB_OFFLINE}), with a download progress bar on stderr.
 */
final class ModelArguments {

    private ModelArguments() {}

    static ResolvedModel resolve(String argument, String role) {
        ModelReference reference = ModelReference.parse(argument);
        ModelResolver resolver = ModelResolver.fromEnvironment();
        if (reference instanceof ModelReference.Local) {
            return resolver.resolve(reference, (done, total) -> {});
        }
        try (ProgressBar bar = new ProgressBar("download " + role + " (bytes)", 1)) {
            return resolver.resolve(reference, (done, total) -> {
                bar.total(total);
                bar.update(done);
            });
        }
    }
}
