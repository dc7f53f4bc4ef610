package dev.wsgrid.rpc

/**
 * Runs a provider's function on the blocking pool ([CommunicatorOptions.blockingDispatcher])
 * instead of the connection's own thread: for a `suspend` function or a function returning a
 * future that nevertheless blocks (JDBC, file I/O, a lock). Put it on a function or a service
 * interface (every function of it), or on a provider's class (every function it serves).
 *
 * Plain functions (neither `suspend` nor returning a future) always run on the blocking pool
 * unless marked [NonBlocking]. A `suspend` function runs on the connection's thread until it
 * first suspends, then resumes there; one that blocks instead stalls that connection's other
 * frames and every other connection sharing the thread (an event loop serves many).
 */
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class Blocking

/**
 * Runs a plain provider function (neither `suspend` nor returning a future) on the connection's
 * own thread, with no hop to the blocking pool and back: for a function that only computes and
 * returns (`double plus(double x, double y)`), never for one that waits on anything. Put it on a
 * function or a service interface, or on a provider's class.
 */
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
@MustBeDocumented
public annotation class NonBlocking
