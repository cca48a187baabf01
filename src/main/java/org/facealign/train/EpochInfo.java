package org.facealign.train;

/**
 * What a {@link TrainingListener} gets after each epoch.
 *
 * @param stats the epoch's figures
 * @param epochs the maximum number of epochs
 * @param state the trainer's state after the epoch (graph, best weights, counters): read it, do not change it
 */
public record EpochInfo(EpochStats stats, int epochs, TrainingState state) {}
