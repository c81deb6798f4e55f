package dev.territory.engine;

/** A model directory, file or tensor that cannot be used; the message names the file/tensor and the problem. */
public class ModelException extends Exception {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
