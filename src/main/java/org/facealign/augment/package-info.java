/**
 * Training-set augmentation and multiscale face crops, plain Java (no Spark), deterministic per face.
 *
 * <p>What the papers give:
 *
 * <ul>
 *   <li>Shi et al. 2014, "Deep Regression for Face Alignment" (DeepReg): the training set is enlarged
 *       with horizontally mirrored faces.
 *   <li>Wang et al. 2017, "Multiscale recurrent regression networks for face alignment", Applied
 *       Informatics 4:13 (MSRRN): mirrored faces, Gaussian noise of standard deviation
 *       0.5, in-plane rotations within ±15°, and the face cropped at 50, 100 and 200 pixels, processed
 *       from coarse to fine.
 * </ul>
 *
 * <p>Everything else had to be chosen here. Each guess, and why:
 *
 * <ol>
 *   <li><b>Noise units</b>: σ = 0.5 is read as grey levels on 0..255: on a 0..1 scale it would swamp the
 *       face, so 0..255 is the only reading that leaves a usable image (and then the noise is mild).
 *   <li><b>Noise is not clamped or rounded</b>: clamping to 0..255 would bias the noise (positive at 0,
 *       negative at 255) and rounding would quantise a σ of 0.5 away; {@link org.facealign.data.GrayImage}
 *       holds floats, so neither is needed.
 *   <li><b>Noise only on the random copies</b>: the original and its mirror stay exact, so the
 *       "orig" / "flip" samples are the data set itself.
 *   <li><b>Rotation distribution</b>: uniform on [−max, +max] (the papers give only the range).
 *   <li><b>Rotation centre</b>: the face-box centre (not the image centre, which would move the face, nor
 *       the landmark centroid, which test images do not have).
 *   <li><b>Box after rotation</b>: kept as it was (axis-aligned, same size and centre), which is what a
 *       face detector gives for a face turned in plane; the model must learn rotated faces inside upright
 *       boxes, as at test time.
 *   <li><b>Rotation canvas</b>: the same size as the source, with {@link org.facealign.data.ImageWarp}'s
 *       replicated borders (no black corners for the network to learn).
 *   <li><b>Copy recipe</b>: flip (a fair coin, if {@code flip} is on), then rotate, then noise.
 *   <li><b>Number of random copies</b>: no count is taken from the papers; {@code copies} defaults
 *       to 0 (DeepReg's originals plus mirrors) and is set per model.
 *   <li><b>Crop margin</b>: not taken from the papers; 0.2 of the box side per side. A ±15° rotation inside a kept
 *       box pushes a square face's corners out by up to (cos 15° + sin 15° − 1) / 2 ≈ 11 % of the side;
 *       detector boxes are off by a few percent more (the synthetic ones by up to 5 %, and they are grown
 *       3-10 % around the landmarks). 0.2 keeps every landmark inside the crop with room for context.
 *   <li><b>Crop region</b>: a square about the box centre of side max(w, h)·(1 + 2·margin), so the
 *       aspect ratio is never distorted; it may overhang the image (replicated borders).
 *   <li><b>Crop coordinates</b>: the pixel-area convention. Crop pixel i covers [i − ½, i + ½], the
 *       region's edges map to −½ and s − ½, and the unit frame is u = (x + ½) / s, so the region is
 *       exactly [0, 1]² and a 100 px crop is exactly a 2× downsample of the 200 px one (as
 *       {@link org.facealign.data.ImageWarp} halves images), which is what coarse-to-fine refinement
 *       needs.
 *   <li><b>Random streams</b>: one {@link java.util.SplittableRandom} per (seed, face id, copy index),
 *       seeded by SplitMix64 mixes of the seed, the first 8 bytes of SHA-256 of the id (UTF-8) and the
 *       index: results do not depend on which faces a Spark partition holds or in which order, and copy k
 *       is the same whatever {@code copies} is. Gaussian values use Marsaglia's polar method on {@code
 *       nextDouble()} rather than {@code nextGaussian()}, whose algorithm is an implementation note of the
 *       JDK, not a specification: cached augmentations must not change with the JDK.
 * </ol>
 */
package org.facealign.augment;
