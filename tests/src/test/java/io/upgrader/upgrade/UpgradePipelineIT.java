package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;

/** The pipeline scenarios on the in-process Kafka broker (KRaft) and MongoDB-wire server. */
@EmbeddedInfrastructureTest
class UpgradePipelineIT extends UpgradePipelineScenarios {
}
