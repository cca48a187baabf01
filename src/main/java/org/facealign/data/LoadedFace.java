package org.facealign.data;

import java.io.Serializable;

/**
 * A face with its decoded image, as an executor holds it after {@link FaceReader} loaded it.
 *
 * @param face the face and its ground truth
 * @param image the grey image
 * @param contentHash hex SHA-256 of the image file's bytes followed by the annotation file's bytes: a key
 *     for caches of derived data (features, crops) that changes exactly when an input file changes
 */
public record LoadedFace(Face face, GrayImage image, String contentHash) implements Serializable {}
