package io.kotest.provided

import io.kotest.core.config.AbstractProjectConfig
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** A hung test fails with a timeout instead of stalling the build. */
class ProjectConfig : AbstractProjectConfig() {
    override val timeout: Duration = 60.seconds
    override val invocationTimeout: Duration = 60.seconds
}
