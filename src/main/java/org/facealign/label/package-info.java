/**
 * Batch labelling: every image of an archive gets exactly one status, and every face found in it 68 landmarks.
 * {@link org.facealign.label.Labeler} labels images one batch at a time (read, hash, decode, detect, align,
 * check against ground truth when there is some); {@link org.facealign.label.LabelTally} adds up what happened;
 * {@link org.facealign.label.LabelDataset} is the output's on-disk layout and its commit protocol. Plain Java: the
 * Spark job ({@code job.LabelJob}) only distributes the work and writes the rows.
 */
package org.facealign.label;
