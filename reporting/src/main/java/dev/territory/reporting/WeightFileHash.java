package dev.territory.reporting;

/** One weight file of a model: name inside the model directory, size, SHA-256 (lower-case hex). */
public record WeightFileHash(String name, long sizeBytes, String sha256) {}
