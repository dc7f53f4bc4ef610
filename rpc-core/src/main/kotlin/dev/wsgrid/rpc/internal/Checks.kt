package dev.wsgrid.rpc.internal

import java.time.Duration

/*
 * Option checks shared by the options builders of every wsgrid module. Public only so the
 * other modules can reach them; not part of the API.
 */

/** Returns [value], or throws `IllegalArgumentException("<name> must be positive, was <value>")`. */
@InternalWsgridApi
public fun requirePositive(name: String, value: Duration): Duration {
    require(!value.isNegative && !value.isZero) { "$name must be positive, was $value" }
    return value
}

/** Returns [value] when it is `null` or positive; see [requirePositive]. */
@InternalWsgridApi
public fun requirePositiveOrNull(name: String, value: Duration?): Duration? = value?.let { requirePositive(name, it) }

/** Returns [value], or throws `IllegalArgumentException("<name> must be positive, was <value>")`. */
@InternalWsgridApi
public fun requirePositive(name: String, value: Long): Long {
    require(value > 0) { "$name must be positive, was $value" }
    return value
}

/** Returns [value], or throws `IllegalArgumentException("<name> must be positive, was <value>")`. */
@InternalWsgridApi
public fun requirePositive(name: String, value: Int): Int {
    require(value > 0) { "$name must be positive, was $value" }
    return value
}

/** Returns [value], or throws `IllegalArgumentException("<name> must be positive, was <value>")`. */
@InternalWsgridApi
public fun requirePositive(name: String, value: kotlin.time.Duration): kotlin.time.Duration {
    require(value.isPositive()) { "$name must be positive, was $value" }
    return value
}

/** Returns [value] when it is `null` or positive; see [requirePositive]. */
@InternalWsgridApi
public fun requirePositiveOrNull(name: String, value: kotlin.time.Duration?): kotlin.time.Duration? = value?.let { requirePositive(name, it) }
