package org.facealign.model;

import org.facealign.data.LandmarkScheme;

/**
 * What every model carries besides its parameters.
 *
 * @param kind the model kind ("mean", "deepreg", "msrrn"), which selects its {@link ModelCodec}
 * @param scheme the landmark scheme it predicts
 * @param boxPolicy the face-box policy it was trained with ("detector" or "landmarks"); evaluation
 *     must use the same
 * @param boxMargin the margin of the landmarks policy
 * @param provenance where it came from
 */
public record ModelHeader(
    String kind, LandmarkScheme scheme, String boxPolicy, double boxMargin, Provenance provenance) {}
