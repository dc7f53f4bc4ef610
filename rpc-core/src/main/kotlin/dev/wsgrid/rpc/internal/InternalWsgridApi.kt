package dev.wsgrid.rpc.internal

/**
 * Marks declarations that are public only so the other wsgrid modules can reach them: not part
 * of the API, not covered by its compatibility promise, and left out of the API dump. Using one
 * outside wsgrid needs an explicit opt-in, and may break with any release. Kept at run time so
 * checks of the API surface (the facade's `ApiSurfaceTest`) can leave these out as the dump does.
 */
@RequiresOptIn(
    message = "This is wsgrid's internal API, public only for wsgrid's own modules; it may change in any release.",
    level = RequiresOptIn.Level.ERROR,
)
@Retention(AnnotationRetention.RUNTIME)
@kotlin.annotation.Target(
    AnnotationTarget.CLASS,
    AnnotationTarget.FUNCTION,
    AnnotationTarget.PROPERTY,
    AnnotationTarget.CONSTRUCTOR,
    AnnotationTarget.TYPEALIAS,
)
@MustBeDocumented
public annotation class InternalWsgridApi
