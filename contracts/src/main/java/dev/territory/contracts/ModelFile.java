package dev.territory.contracts;

/**
 * One file of a model, as downloaded, loaded and reported: its name inside the model directory, its
 * size and the SHA-256 of its content.
 *
 * @param name path inside the model directory, e.g. {@code model-00001-of-00004.safetensors}
 * @param sizeBytes bytes
 * @param sha256 lower-case hex; null when not hashed (a local file the run chose not to read twice)
 */
public record ModelFile(String name, long sizeBytes, String sha256) {

    public ModelFile {
        Fields.required("ModelFile", "name", name);
    }
}
