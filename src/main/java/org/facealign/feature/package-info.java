/**
 * The features of DeepReg (Shi, Shan, Chen, "Deep Regression for Face Alignment", 2014), in plain Java
 * over float and double arrays (no Spark, no Hadoop): face normalisation ({@link
 * org.facealign.feature.FaceNormaliser}), the global HOG of the face ({@link
 * org.facealign.feature.HogFeature}, Dalal &amp; Triggs 2005), blurred orientation maps with integral
 * images ({@link org.facealign.feature.ResponseMaps}, DAISY: Tola et al. 2010) and the shape-indexed
 * SIFT-like descriptors with their Jacobian with respect to the shape ({@link
 * org.facealign.feature.ShapeIndexedSift}, SIFT: Lowe 2004). Every parameter is in {@link
 * org.facealign.feature.ConfigFeatures}, whose {@code hash()} keys stored features.
 *
 * <p>Where the paper is silent and the code had to guess (each class lists its own, with the reasons):
 *
 * <ul>
 *   <li>Canvas: 0.25 x faceSize of margin per side (192 px for 128-px faces), outside of the photo filled
 *       by replicating its border pixels.
 *   <li>HOG: 1764 dimensions (the paper's number) need an 8-px block stride, not the 16 px its text
 *       gives; L2-Hys block normalisation with ε = 1; bin centres at 10°, 30°, ..., 170°; votes into one
 *       cell (no trilinear interpolation, no Gaussian block window); HOG of the face box region only,
 *       resampled from the canvas to 64 x 64.
 *   <li>Gradients: central differences, one-sided on the first and last row and column.
 *   <li>SIFT: 8 signed bins centred at 0°, 45°, ..., 315° with linear splitting between neighbours;
 *       SIFT's trilinear spatial interpolation replaced by a Gaussian blur of each orientation map
 *       (σ = 2 canonical px, radius ceil(3σ), renormalised at the canvas border), pooled over exact
 *       rectangles of the maps; no Gaussian window over the patch, no dominant-orientation rotation; an
 *       empty patch gives a zero descriptor. By default the maps are summed over 2 x 2 pixel blocks before a
 *       blur of 0.96 cells, the same smoothing in all (chosen for speed on validation faces, {@code
 *       features.map-stride}).
 *   <li>Jacobian: central differences with ε = 2 px, computed per landmark (block diagonal): a derivative
 *       smoothed over ±2 px (see {@link org.facealign.feature.ShapeIndexedSift} for how far it is from
 *       the local one).
 * </ul>
 */
package org.facealign.feature;
