/**
 * The model registry of nightly retraining: immutable model versions on any Hadoop file system, a production
 * pointer switched in one atomic step, a history of every run ({@link org.facealign.registry.ModelRegistry}); the
 * training data's manifest and what changed since the last run ({@link org.facealign.registry.DataManifest}); and
 * the gate that promotes a candidate only if it is no worse than production ({@link org.facealign.registry.Gate}).
 * Plain Java: the Spark job ({@code job.NightlyJob}) trains and evaluates.
 */
package org.facealign.registry;
